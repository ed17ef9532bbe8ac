"""Unpack a zip safely: size, ratio and entry count checked first; no path escapes, no links."""

from __future__ import annotations

import shutil
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from geohub.errors import InvalidDataError, UploadTooLargeError
from geohub.messages import tr

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_RATIO = 100
MAX_ENTRIES = 10_000
RATIO_FLOOR_BYTES = 1 << 20  # below this much unpacked data the ratio is not judged
COPY_BLOCK = 1 << 20


def safe_members(
    archive: zipfile.ZipFile, *, name: str, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> list[str]:
    """The archive's file names, after refusing bombs, path escapes and links."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise InvalidDataError(
            tr(
                "{name} holds {count} entries; at most {maximum} are accepted.",
                name=name,
                count=len(infos),
                maximum=MAX_ENTRIES,
            )
        )
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > max_unpacked_bytes:
        raise UploadTooLargeError(
            tr(
                "{name} unpacks to {size} bytes; at most {maximum} bytes are accepted.",
                name=name,
                size=unpacked,
                maximum=max_unpacked_bytes,
            )
        )
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise InvalidDataError(
            tr(
                "{name} is compressed more than {ratio} times over: it looks like a zip bomb.",
                name=name,
                ratio=MAX_RATIO,
            )
        )
    for info in infos:
        _check_entry(info, name)
    return [info.filename for info in infos if not info.is_dir()]


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in info.filename:
        raise InvalidDataError(
            tr(
                "{name} holds an entry that points outside the archive: {entry}.",
                name=name,
                entry=info.filename,
            )
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InvalidDataError(
            tr(
                "{name} holds a symbolic link, which is not accepted: {entry}.",
                name=name,
                entry=info.filename,
            )
        )
    if info.flag_bits & 0x1:
        raise InvalidDataError(tr("{name} is encrypted; upload it without a password.", name=name))


@contextmanager
def unpacked(
    path: Path, members: list[str], target: Path, *, name: str, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> Iterator[Path]:
    """Extract `members` of the zip at `path` under `target`; byte counts checked while copying.

    The declared sizes in a zip's directory can lie, so the copy stops at the declared size
    of each entry and at `max_unpacked_bytes` in all. `target` is removed afterwards.
    """
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for member in members:
                info = archive.getinfo(member)
                destination = target / PurePosixPath(member.replace("\\", "/"))
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, destination.open("wb") as sink:
                    written += _copy_capped(source, sink, info.file_size, max_unpacked_bytes - written, name)
        yield target
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise InvalidDataError(
            tr("{name} is a damaged zip archive: {reason}.", name=name, reason=exc)
        ) from None
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _copy_capped(source: IO[bytes], sink: IO[bytes], declared: int, budget: int, name: str) -> int:
    copied = 0
    while block := source.read(COPY_BLOCK):
        copied += len(block)
        if copied > declared:
            raise InvalidDataError(
                tr("{name} holds an entry larger than its header says: it looks like a zip bomb.", name=name)
            )
        if copied > budget:
            raise UploadTooLargeError(tr("{name} unpacks to more bytes than accepted.", name=name))
        sink.write(block)
    return copied


def open_zip(path: Path, *, name: str) -> zipfile.ZipFile:
    """The zip at `path`; a clear error when it is not one."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDataError(
            tr("{name} is not a readable zip archive: {reason}.", name=name, reason=exc)
        ) from None
