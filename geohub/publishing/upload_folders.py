"""Where uploads wait while they are read: a folder per process, locked for the process's life.

Each process (a `geohub serve` worker, a command) puts its uploads in `data_dir/uploads/process-*`,
a folder it creates on first use and keeps an `flock` on until it exits. When a process is killed
mid-upload the kernel drops the lock at once, so any other process can tell its folder is
abandoned and delete it (tens of MB per upload) without waiting for a clock. The lock is taken
before the folder gets its `process-` name, so no one ever sees a live folder unlocked.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import threading
from pathlib import Path

PROCESS_PREFIX = "process-"
STARTING_PREFIX = ".starting-"  # not yet locked: never taken for abandoned
_LOCK = threading.Lock()
_held: dict[tuple[Path, int], Path] = {}  # (uploads folder, pid) -> this process's folder; fds stay open


def uploads_dir(data_dir: Path) -> Path:
    """This process's folder for uploads (each in a folder `upload-*` of its own inside it)."""
    parent = data_dir / "uploads"
    key = (parent, os.getpid())  # a forked worker makes its own: its parent's lock is not its own
    with _LOCK:
        if key not in _held or not _held[key].is_dir():
            _held[key] = _locked_folder(parent)
        return _held[key]


def _locked_folder(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    starting = Path(tempfile.mkdtemp(prefix=STARTING_PREFIX, dir=parent))
    descriptor = os.open(starting, os.O_RDONLY)  # kept open (and locked) until the process exits
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    folder = parent / f"{PROCESS_PREFIX}{os.getpid()}-{starting.name.removeprefix(STARTING_PREFIX)}"
    starting.rename(folder)
    return folder


def remove_abandoned_uploads(data_dir: Path) -> list[Path]:
    """Delete every upload folder whose process has died (and those of older releases, which kept
    uploads directly in `uploads/upload-*`). Returns the folders removed."""
    parent = data_dir / "uploads"
    if not parent.is_dir():
        return []
    removed = []
    for folder in sorted(parent.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        if folder.name.startswith(PROCESS_PREFIX) and not _unlocked(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _unlocked(folder: Path) -> bool:
    """Whether no live process holds the folder's lock (this one's own folder is held)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
