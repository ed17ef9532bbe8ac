"""config/nginx-cluster.conf: read as text (what it promises), and run in front of two plain HTTP
servers standing in for nodes (whom it retries): a read that meets a node which took the request
and closed the connection is answered by the other node; a write (POST, PUT, PATCH, DELETE) never
is, although nginx's own rule would send a PUT or DELETE on."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from geohub.security_headers import SECURITY_HEADERS
from geohub.settings import EtlSettings
from tests.cluster.harness import CLUSTER_CONFIG, NGINX, Nginx, render_cluster_config, wait_until_ready
from tests.features.conftest import _free_port
from tests.tiles.test_nginx_config import directives, headers_by_block

READS = ("GET", "HEAD", "OPTIONS")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
WRITE_GATE = "if ($request_method !~ ^(GET|HEAD|OPTIONS)$)"


def _args(name: str) -> list[list[str]]:
    return [args[1:] for _, args in directives(CLUSTER_CONFIG) if args[0] == name]


def test_one_upstream_names_every_node_with_passive_health_checks_and_keepalive() -> None:
    upstream = [(blocks, args) for blocks, args in directives(CLUSTER_CONFIG) if "upstream geohub" in blocks]
    servers = [args for _, args in upstream if args[0] == "server"]
    assert [s[1] for s in servers] == ["@NODE_1@", "@NODE_2@"]
    for server in servers:
        assert any(a.startswith("max_fails=") for a in server), server
        assert any(a.startswith("fail_timeout=") for a in server), server
    assert {args[0] for _, args in upstream} >= {"keepalive", "zone"}
    rendered = render_cluster_config(
        "8080", ["10.0.0.11:8000", "10.0.0.12:8000", "10.0.0.13:8000"], "www-data"
    )
    assert rendered.count("server 10.0.0.1") == 3  # one line per node, however many


def test_reads_are_retried_on_the_next_node_within_bounds_and_writes_never() -> None:
    assert _args("proxy_next_upstream") == [["error", "timeout", "http_502", "http_503", "http_504"], ["off"]]
    assert not [args for _, args in directives(CLUSTER_CONFIG) if "non_idempotent" in args]
    assert len(_args("proxy_next_upstream_tries")) == 1 and len(_args("proxy_next_upstream_timeout")) == 1
    found = directives(CLUSTER_CONFIG)
    write = [args for blocks, args in found if blocks[-1:] == ("location @write",)]
    assert ["proxy_next_upstream", "off"] in write
    proxying = {blocks[2] for blocks, args in found if args[0] == "proxy_pass" and len(blocks) == 3}
    gated = {blocks[2] for blocks, args in found if blocks[3:] == (WRITE_GATE,) and args == ["return", "418"]}
    assert proxying - {"location @write"} == gated  # every other way to a node sends writes to @write
    assert ["error_page", "418", "=", "@write"] in [args for _, args in found]


def test_tiles_and_documents_are_cached_by_url_but_never_for_credentials() -> None:
    found = directives(CLUSTER_CONFIG)
    cached = {blocks for blocks, args in found if args[0] == "proxy_cache"}
    assert len(cached) == 2  # the tile location and the TileJSON/style/glyph/sprite one
    for blocks in cached:
        here = {args[0]: args[1:] for b, args in found if b == blocks}
        assert "$request_uri" in here["proxy_cache_key"][0]  # the query string, `v` with it
        assert here["proxy_cache_bypass"] == here["proxy_no_cache"]
        assert "proxy_cache_valid" not in here and "proxy_ignore_headers" not in here  # GeoHub's say
    maps = {block for blocks, _ in found for block in blocks if block.startswith("map ")}
    assert 'map "$http_authorization$http_x_api_key$arg_key" $geohub_personal' in maps


def test_every_block_that_sets_headers_sets_geohubs_security_headers_always() -> None:
    added = headers_by_block(CLUSTER_CONFIG)
    assert ("http", "server") in added and len(added) >= 6
    for blocks, headers in added.items():
        security = {name: value for name, value in headers.items() if name in SECURITY_HEADERS}
        assert {name: value for name, (value, _) in security.items()} == SECURITY_HEADERS, blocks
        assert all(always for _, always in security.values()), blocks
    cached = {blocks for blocks, args in directives(CLUSTER_CONFIG) if args[0] == "proxy_cache"}
    assert all("X-Cache-Status" in added[blocks] for blocks in cached)


def test_forwarded_headers_and_body_limit_are_the_one_machine_configs() -> None:
    set_headers = {args[0] for args in _args("proxy_set_header")}
    assert {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"} <= set_headers
    assert _args("client_max_body_size") == [[f"{EtlSettings().max_upload_bytes // 1024**2}m"]]


# run in front of two stand-in nodes --------------------------------------------------------------


class _Answering(BaseHTTPRequestHandler):
    """A node that answers everything 200 and counts what it got."""

    got: Counter[str]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.got[self.command] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *_: object) -> None:
        pass


def _closing_node(listener: socket.socket) -> None:
    """A node that dies holding each request: reads it, then closes the connection unanswered."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)


@dataclass
class StandIns:
    nginx: Nginx
    got: Counter[str]
    closing: str


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIns]:
    if NGINX is None:
        pytest.skip("nginx is not installed (`make system-deps` installs it)")
    folder = tmp_path_factory.mktemp("nginx-policy")
    got: Counter[str] = Counter()
    handler = type("Answering", (_Answering,), {"got": got})
    answering = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    closing = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=answering.serve_forever, daemon=True).start()
    threading.Thread(target=_closing_node, args=(closing,), daemon=True).start()
    nodes = [f"127.0.0.1:{closing.getsockname()[1]}", f"127.0.0.1:{answering.server_address[1]}"]
    port = _free_port()
    # max_fails=0: a failed node is never left out, so round robin keeps sending it half the requests
    config = render_cluster_config(f"127.0.0.1:{port}", nodes, getpass.getuser())
    (folder / "nginx.conf").write_text(config.replace("max_fails=1", "max_fails=0"))
    (folder / "nginx" / "logs").mkdir(parents=True)
    assert NGINX is not None
    process = subprocess.Popen(
        [NGINX, "-p", f"{folder}/nginx/", "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = Nginx(port, folder / "nginx", process)
    try:
        wait_until_ready(f"{proxy.base}/healthz", process, folder / "nginx" / "logs" / "error.log")
        yield StandIns(proxy, got, nodes[0])
    finally:
        proxy.stop()
        answering.shutdown()
        closing.close()
        shutil.rmtree(folder / "nginx" / "cache", ignore_errors=True)


def test_a_read_the_first_node_dropped_is_answered_by_the_next(stand_ins: StandIns) -> None:
    before = stand_ins.got.copy()
    paths = {method: f"/collections?probe={uuid.uuid4().hex}" for method in READS}
    for method, path in paths.items():
        answers = [requests.request(method, stand_ins.nginx.base + path, timeout=30) for _ in range(4)]
        assert [a.status_code for a in answers] == [200] * 4, method
        assert stand_ins.got[method] - before[method] == 4, method
    for method, path in paths.items():  # nginx writes its log at least every second: read it once
        entries = stand_ins.nginx.log_lines(path, 4)
        assert any(e["upstream"].startswith(stand_ins.closing + ", ") for e in entries), (method, entries)


def test_a_write_the_first_node_dropped_is_never_sent_to_another(stand_ins: StandIns) -> None:
    before = stand_ins.got.copy()
    paths = {method: f"/collections/parks/items?probe={uuid.uuid4().hex}" for method in WRITES}
    refused: dict[str, int] = {}
    for method, path in paths.items():
        url = stand_ins.nginx.base + path
        answers = [requests.request(method, url, json={}, timeout=30) for _ in range(4)]
        turned_away = [a for a in answers if a.status_code == 503]
        assert turned_away, method
        assert all(a.headers["Content-Type"] == "application/problem+json" for a in turned_away), method
        assert stand_ins.got[method] - before[method] == 4 - len(turned_away), method  # one node each
        refused[method] = len(turned_away)
    for method, path in paths.items():
        entries = stand_ins.nginx.log_lines(path, 4)
        tried = [e["upstream"] for e in entries if e["status"] == "503"]
        assert tried == [stand_ins.closing] * refused[method], (method, entries)  # on that node alone
