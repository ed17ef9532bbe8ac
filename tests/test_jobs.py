"""Jobs run once, whichever node's timer fires: two real `geohub etl sync --all --due` processes
on one store sync each layer once in total; a job whose lock another process holds is skipped
("skipped: running on another node", exit 0); a job whose process was SIGKILLed frees its lock at
once. Sync, recovery, pruning and the report upkeep, on both backends (advisory locks on PostGIS,
file locks under the data folder on the embedded store)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from geohub.app import create_app
from geohub.jobs import SKIPPED, run_once
from geohub.publishing.imports import ImportRecords
from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.records.tables import imports
from geohub.settings import PROJECT_ROOT, Settings
from tests.test_cli import GEOHUB, run_geohub

HOLD = (
    "import sys, time; from pathlib import Path; from geohub.settings import Settings; "
    "from geohub.jobs import run_once; "
    "settings = Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2] or None); "
    "job = run_once(settings, sys.argv[3]); print('held' if job.__enter__() else 'skipped', flush=True); "
    "time.sleep(600)"
)


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env |= {"GEOHUB_DATA_DIR": str(settings.data_dir), "GEOHUB_LOG_LEVEL": "WARNING"}
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    return env | {"PYTHONPATH": str(PROJECT_ROOT)}


@contextmanager
def held_elsewhere(settings: Settings, job: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the job's lock (as another node's run would), killed on exit."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.data_dir), settings.database_url or "", job],
        env=_environment(settings),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)


def _killed(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _attempts(settings: Settings) -> Counter[str]:
    """Imports per layer, whatever their outcome."""
    app = create_app(settings.model_copy(update={"log_level": "WARNING"}))
    records = app.extensions["geohub"].records
    return Counter(row.layer_id for row in records.fetchall(select(imports.c.layer_id)))


def test_two_nodes_timers_firing_at_once_sync_each_layer_once(settings: Settings) -> None:
    runs = [
        subprocess.Popen(
            [GEOHUB, "etl", "sync", "--all", "--due"],
            env=_environment(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err[-500:]
    attempts = _attempts(settings)
    assert len(attempts) == 17 and set(attempts.values()) == {1}, attempts  # each layer synced once
    published = [line.split()[0] for out, _ in outputs for line in out.splitlines() if " published " in line]
    assert sorted(published) == sorted(attempts)


def test_a_layer_another_node_is_syncing_is_skipped_and_a_killed_sync_frees_it(settings: Settings) -> None:
    assert run_geohub("etl", "sync", "districts", settings=settings).returncode == 0
    with held_elsewhere(settings, "sync cadastre") as other:
        skipped = run_geohub("etl", "sync", "cadastre", settings=settings)
        assert skipped.returncode == 0, skipped.stderr
        assert f"  cadastre{' ' * 13}{SKIPPED}\n" in skipped.stdout
        assert "1 layers (" in skipped.stdout and "1 skipped" in skipped.stdout
        assert _attempts(settings)["cadastre"] == 0
        _killed(other)
        synced = run_geohub("etl", "sync", "cadastre", settings=settings)
        assert synced.returncode == 0, synced.stderr
        assert "1 published" in synced.stdout
    assert _attempts(settings)["cadastre"] == 1


def test_a_run_waits_for_the_districts_another_node_is_syncing(settings: Settings) -> None:
    """The layers after the districts derive their district from them: not skipped, waited for."""
    with held_elsewhere(settings, "sync districts") as other:
        run = subprocess.Popen(
            [GEOHUB, "etl", "sync", "districts", "cadastre"],
            env=_environment(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                run.wait(timeout=5)  # waiting for the districts' lock
            assert _attempts(settings) == Counter()
            _killed(other)
            out, err = run.communicate(timeout=300)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert run.returncode == 0, err[-2000:]
    assert "2 layers (" in out and "2 published" in out
    assert _attempts(settings) == Counter({"districts": 1, "cadastre": 1})


def test_recovery_runs_in_one_process_at_a_time(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings.model_copy(update={"log_level": "INFO"}))
    service = ImportService(app.extensions["geohub"], app.extensions["geohub.tiles"].drop_changed_tiles)
    records = ImportRecords(app.extensions["geohub"].records)
    dead = records.start("districts", user="admin", remote_addr=None, source="x.zip")  # nobody holds its lock
    with held_elsewhere(settings, "recovery") as other:
        assert service.recover_interrupted() == 0
        assert f'"message": "job recovery {SKIPPED}"' in capfd.readouterr().err  # the app's log
        assert records.get("districts", dead.id).status == "running"  # left to the other process
        _killed(other)
        assert service.recover_interrupted() == 1
    assert records.get("districts", dead.id).status == "interrupted"


def test_pruning_runs_in_one_process_at_a_time(settings: Settings) -> None:
    kept = settings.model_copy(
        update={"log_level": "WARNING", "etl": settings.etl.model_copy(update={"keep_versions": 1})}
    )
    app = create_app(kept)
    services = app.extensions["geohub"]
    service = ImportService(services, app.extensions["geohub.tiles"].drop_changed_tiles)
    layer = services.registry.get("districts")
    sync_layer(service, layer, services.settings.demo_data_dir)
    for n in range(3):
        services.store.write_version(layer, [], note=f"old {n}", publish=False)
    with held_elsewhere(settings, "prune districts") as other:
        assert service.prune_versions(layer) == []  # the other process prunes
        assert [v.version for v in services.store.versions(layer.id)] == [4, 3, 2, 1]
        _killed(other)
        assert service.prune_versions(layer) == [3, 2]  # the newest and the published one stay
    assert [v.version for v in services.store.versions(layer.id)] == [4, 1]


def test_report_upkeep_runs_in_one_process_at_a_time(settings: Settings) -> None:
    with held_elsewhere(settings, "reports upkeep") as other:
        skipped = run_geohub("reports", "upkeep", settings=settings)
        assert skipped.returncode == 0, skipped.stderr
        assert skipped.stdout.strip() == SKIPPED
        _killed(other)
        done = run_geohub("reports", "upkeep", settings=settings)
        assert done.returncode == 0, done.stderr
        assert "Closed 0 resolved reports" in done.stdout


def test_a_job_lock_is_one_per_name_also_within_one_process(settings: Settings) -> None:
    with (
        run_once(settings, "sync cadastre") as first,
        run_once(settings, "sync cadastre") as second,
        run_once(settings, "sync districts") as third,
    ):
        assert (first, second, third) == (True, False, True)
    with run_once(settings, "sync cadastre") as again:
        assert again
