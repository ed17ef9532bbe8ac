"""Import locks on both backends: held while an import runs (in this process or another), free
the moment its process dies, with no clock involved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from geohub.publishing.import_locks import import_locks
from geohub.settings import PROJECT_ROOT, Settings

HOLD_AND_DIE = (
    "import os, signal, sys; from pathlib import Path; from geohub.settings import Settings; "
    "from geohub.publishing.import_locks import import_locks; "
    "settings = Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2] or None); "
    "lock = import_locks(settings).hold(int(sys.argv[3])); print('held', flush=True); "
    "sys.stdin.readline(); os.kill(os.getpid(), signal.SIGKILL)"
)


def test_a_held_lock_cannot_be_claimed_until_released(settings: Settings) -> None:
    locks = import_locks(settings)
    held = locks.hold(7)
    assert locks.claim(7) is None  # a second claim in the same process sees it held too
    other = locks.claim(8)
    assert other is not None
    other.release()
    held.release()
    again = locks.claim(7)
    assert again is not None
    again.release()


def test_a_lock_is_free_the_moment_its_process_is_killed(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")} | {
        "PYTHONPATH": str(PROJECT_ROOT)
    }
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_DIE, str(settings.data_dir), settings.database_url or "", "42"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "held"
    locks = import_locks(settings)
    assert locks.claim(42) is None  # another process holds it
    child.stdin.write("\n")
    child.stdin.flush()
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    claimed = None
    for _ in range(100):  # the database server notices the closed connection within milliseconds
        claimed = locks.claim(42)
        if claimed is not None:
            break
    assert claimed is not None
    claimed.release()
