"""Several real `geohub serve` nodes over one PostGIS database, with Redis and nginx in front.

The set-up production runs (README, "Running several nodes"): each node its own data folder (no
shared filesystem), `trusted_proxies` 1, rate limits and app key counters in one Redis (database
REDIS_DB, emptied before and after), and nginx with config/nginx-cluster.conf rendered with the
nodes' ports, in the foreground under its own prefix. Everything is started by `start_cluster` into
an ExitStack, so it is always stopped, killed nodes included. Read replicas: pass their URLs as
`replica_urls` (the nodes get them as REPLICA_URLS_ENV).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

import morecantile
import psycopg
import pytest
import requests
from psycopg import sql
from shapely.geometry import shape

from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.records import open_records
from geohub.settings import PROJECT_ROOT, Settings, unknown_environment_keys
from geohub.tiles.tms import WEB_MERCATOR_QUAD
from tests.conftest import ADMIN_URL
from tests.features.conftest import GEOHUB, _clean_environment, _free_port

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
CLUSTER_CONFIG = PROJECT_ROOT / "config" / "nginx-cluster.conf"
REDIS_DB = 12  # this harness's own Redis database: emptied before and after each cluster
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
REPLICA_URLS_ENV = "GEOHUB_DATABASE_REPLICA_URLS"  # database_replica_urls: a JSON list
START_TIMEOUT_S = 90


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


needs_cluster = pytest.mark.skipif(
    NGINX is None or not _redis_reachable(),
    reason="needs nginx (`make system-deps`) and Redis on 127.0.0.1:6379",
)


@dataclass
class Node:
    """One `geohub serve` (gunicorn and its workers, one process group)."""

    name: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """host:port, as nginx names the node in its log."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.base + path, headers={"Accept-Encoding": "identity", **headers}, timeout=30)

    def signal(self, signum: signal.Signals) -> None:
        """Send `signum` to the master and every worker at once (SIGKILL: the machine died)."""
        with contextlib.suppress(ProcessLookupError):  # every process of the group has exited
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test: at once, as `kill` (a graceful stop takes seconds per node)."""
        self.kill()


@dataclass
class Nginx:
    """nginx with the cluster config on `port`; its prefix holds logs/ and cache/."""

    port: int
    prefix: Path
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.base + path, headers={"Accept-Encoding": "identity", **headers}, timeout=30)

    def log_lines(self, needle: str, count: int, timeout_s: float = 5) -> list[dict[str, str]]:
        """Access-log entries whose request line holds `needle`, once there are `count` (the log is
        written at least every second), as {"request", "status", "upstream", "cache", …}."""
        deadline = time.monotonic() + timeout_s
        while True:
            text = (self.prefix / "logs" / "access.log").read_text(encoding="utf-8", errors="replace")
            entries = [_log_entry(line) for line in text.splitlines() if needle in line]
            if len(entries) >= count or time.monotonic() > deadline:
                return entries
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


_LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ upstream="(?P<upstream>[^"]*)" '
    r'upstream_status="(?P<upstream_status>[^"]*)" cache=(?P<cache>\S*) .*request_id=(?P<request_id>\S+)'
)


def _log_entry(line: str) -> dict[str, str]:
    found = _LOG_LINE.search(line)
    assert found is not None, f"not a line of the geohub log_format: {line}"
    return found.groupdict()


@dataclass
class Cluster:
    """The nodes, nginx in front, their database, and a publisher's token valid on every node."""

    nodes: list[Node]
    nginx: Nginx
    database_url: str
    token: str
    env: dict[str, str] = field(default_factory=dict)  # the GEOHUB_* settings every node runs with

    @property
    def a(self) -> Node:
        return self.nodes[0]

    @property
    def b(self) -> Node:
        return self.nodes[1]

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# databases ------------------------------------------------------------------------------------------


@contextmanager
def demo_database(prefix: str = "geohub_cluster_demo") -> Iterator[str]:
    """A throwaway database with the Almaty demo loaded (`geohub demo --no-serve`), dropped on exit.
    Loading takes ~10 s: load it once and give each cluster a `copied_database` of it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = _database_url(name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        folder = Path(f"/tmp/{name}")
        env = (
            _clean_environment()
            | _empty_config(folder)
            | {
                "GEOHUB_DATA_DIR": str(folder),
                "GEOHUB_DATABASE_URL": url,
                "GEOHUB_LOG_LEVEL": "WARNING",
            }
        )
        try:
            loaded = subprocess.run(
                [GEOHUB, "demo", "--no-serve"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        yield url
    finally:
        _drop(name)


@contextmanager
def copied_database(template_url: str, prefix: str = "geohub_cluster") -> Iterator[str]:
    """A new database copied from `template_url`'s (nobody may be connected to it), dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = urlsplit(template_url).path.lstrip("/")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    try:
        yield _database_url(name)
    finally:
        _drop(name)


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


def _drop(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _empty_config(folder: Path) -> dict[str, str]:
    """GEOHUB_CONFIG naming an empty TOML file: config/geohub.toml of this checkout never leaks in."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.toml").touch()
    return {"GEOHUB_CONFIG": str(folder / "empty.toml")}


def empty_redis() -> None:
    """Forget every counter in the harness's Redis database (REDIS_DB: nobody else's)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@contextmanager
def accounts_of(database_url: str, data_dir: Path) -> Iterator[Accounts]:
    """The Accounts of the records database every node shares, closed on exit."""
    records = open_records(Settings(data_dir=data_dir, database_url=database_url, log_level="WARNING"))
    try:
        yield Accounts(records)
    finally:
        records.close()


def publisher_token(database_url: str, data_dir: Path) -> str:
    """A real API token of a new publisher of land_relations (which writes `cadastre`)."""
    with accounts_of(database_url, data_dir) as accounts:
        name = f"aigerim_{uuid.uuid4().hex[:8]}"
        accounts.add_user(name, role=Role.publisher, department="land_relations")
        return accounts.create_token(name)


# processes ------------------------------------------------------------------------------------------


def node_environment(
    database_url: str, replica_urls: Sequence[str] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The GEOHUB_* settings every node runs with (data folder and port are each node's own)."""
    env = {
        "GEOHUB_DATABASE_URL": database_url,
        "GEOHUB_HOST": "127.0.0.1",
        "GEOHUB_WORKERS": "2",
        "GEOHUB_LOG_LEVEL": "WARNING",
        "GEOHUB_TRUSTED_PROXIES": "1",  # nginx; links follow the request (no GEOHUB_PUBLIC_URL)
        "GEOHUB_AUTH__RATE_LIMIT_STORAGE_URI": REDIS_URL,
        # every test client is 127.0.0.1: the anonymous limit would stop a load test, not a person
        "GEOHUB_AUTH__ANONYMOUS_RATE_LIMIT": "100000/minute",
    }
    if replica_urls:
        unknown = unknown_environment_keys({REPLICA_URLS_ENV: ""})
        assert not unknown, f"GeoHub has no {REPLICA_URLS_ENV} setting: fix REPLICA_URLS_ENV"
        env[REPLICA_URLS_ENV] = json.dumps(list(replica_urls))
    return env | dict(extra or {})


def sync_layers(folder: Path, settings: Mapping[str, str], *layers: str) -> None:
    """`geohub etl sync LAYERS` from the demo sources into the database `settings` name: a few
    layers in a few seconds, where the whole demo takes ~10 s."""
    env = _clean_environment() | _empty_config(folder) | dict(settings) | {"GEOHUB_DATA_DIR": str(folder)}
    synced = subprocess.run(
        [GEOHUB, "etl", "sync", *layers], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert synced.returncode == 0, synced.stdout[-2000:] + synced.stderr[-2000:]


def start_node(stack: ExitStack, name: str, data_dir: Path, settings: Mapping[str, str]) -> Node:
    """`geohub serve` with `settings` on a free port, in its own process group; not waited for."""
    port = _free_port()
    env = _clean_environment() | _empty_config(data_dir) | dict(settings)
    env |= {"GEOHUB_DATA_DIR": str(data_dir), "GEOHUB_PORT": str(port)}
    log = data_dir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    node = Node(name, port, data_dir, process, log)
    stack.callback(node.stop)
    return node


def render_cluster_config(listen: str, nodes: Sequence[str], user: str) -> str:
    """config/nginx-cluster.conf with its placeholders filled: one `server` line per node."""
    written: list[str] = []
    for line in CLUSTER_CONFIG.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.lstrip().startswith("server @NODE_"):
            if "@NODE_1@" in line:
                written.extend(line.replace("@NODE_1@", node) for node in nodes)
            continue
        written.append(line)
    text = "".join(written).replace("@LISTEN@", listen).replace("@USER@", user)
    directives = [line.split("#", 1)[0] for line in text.splitlines()]
    assert not [line for line in directives if re.search(r"@[A-Z0-9_]+@", line)], "a placeholder is unfilled"
    return text


def start_nginx(stack: ExitStack, folder: Path, nodes: Sequence[Node]) -> Nginx:
    """nginx in the foreground with the cluster config in front of `nodes`; not waited for."""
    assert NGINX is not None
    port = _free_port()
    prefix = folder / "nginx"
    (prefix / "logs").mkdir(parents=True)
    config = folder / "nginx-cluster.conf"
    config.write_text(
        render_cluster_config(f"127.0.0.1:{port}", [n.address for n in nodes], getpass.getuser())
    )
    with (prefix / "logs" / "stderr.log").open("wb") as sink:
        process = subprocess.Popen(
            [NGINX, "-p", f"{prefix}/", "-c", str(config), "-g", "daemon off;"],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    proxy = Nginx(port, prefix, process)
    stack.callback(proxy.stop)
    return proxy


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until `url` answers 200; the process's log if it exits or START_TIMEOUT_S pass first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args!r} exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered {url}:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def start_cluster(
    stack: ExitStack,
    folder: Path,
    database_url: str,
    *,
    nodes: int = 2,
    replica_urls: Sequence[str] = (),
    settings: Mapping[str, str] | None = None,
) -> Cluster:
    """`nodes` nodes over `database_url` (its data already loaded), nginx in front, all ready.

    `replica_urls`: read replicas of that database, given to every node; `settings`: more GEOHUB_*
    variables for every node (a module's own limits, say)."""
    empty_redis()
    stack.callback(empty_redis)
    env = node_environment(database_url, replica_urls, settings)
    started = [start_node(stack, name, folder / f"node-{name}", env) for name in "abcdefgh"[:nodes]]
    proxy = start_nginx(stack, folder, started)
    for node in started:
        wait_until_ready(f"{node.base}/readyz", node.process, node.log)
    wait_until_ready(f"{proxy.base}/healthz", proxy.process, proxy.prefix / "logs" / "stderr.log")
    token = publisher_token(database_url, folder)
    return Cluster(started, proxy, database_url, token, env)


# reading what the nodes serve ------------------------------------------------------------------------

LAYER = "cadastre"  # written by land_relations, publisher_token's department


class Reader(Protocol):
    """A node or nginx: anything with `get(path, **headers)`."""

    def get(self, path: str, **headers: str) -> requests.Response: ...


def a_parcel(reader: Reader) -> dict[str, Any]:
    """A feature of LAYER in central Almaty, as GeoJSON."""
    answer = reader.get(f"/collections/{LAYER}/items?f=json&limit=1&bbox=76.90,43.22,76.96,43.27")
    assert answer.status_code == 200, answer.text
    features: list[dict[str, Any]] = answer.json()["features"]
    assert features
    return features[0]


def tile_of(feature: dict[str, Any], z: int) -> morecantile.Tile:
    """The zoom `z` tile a feature's representative point lies in."""
    point = shape(feature["geometry"]).representative_point()
    return WEB_MERCATOR_QUAD.tile(point.x, point.y, z)


def tiles_url(reader: Reader, tileset: str) -> str:
    """The tile URL template of the tileset's TileJSON, with its version token (`?v=`)."""
    document = reader.get(f"/tiles/{tileset}.json").json()
    url: str = document["tiles"][0]
    return url


def version_token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["v"][0]
