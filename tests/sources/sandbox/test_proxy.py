"""The allow-list proxy a remote source's reader goes through: one host and port, nothing else."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from geohub.sources.sandbox.proxy import AllowedOrigin, allow_list_proxy


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[int, int]]:
    """Two local HTTP servers: the allowed one and another; (allowed port, other port)."""
    _Counting.hits = []
    started = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting) for _ in range(2)]
    for server in started:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield started[0].server_address[1], started[1].server_address[1]
    for server in started:
        server.shutdown()
        server.server_close()


def _ask(proxy_port: int, head: str, then: str = "") -> bytes:
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=10) as conn:
        conn.sendall(head.encode())
        answer = b""
        if then:
            answer = conn.recv(4096)
            conn.sendall(then.encode())
        while block := conn.recv(4096):
            answer += block
    return answer


def test_only_the_allowed_origin_is_forwarded(servers: tuple[int, int]) -> None:
    allowed, other = servers
    origin = AllowedOrigin.of(f"http://127.0.0.1:{allowed}/wfs?key=secret")
    with allow_list_proxy(origin) as port:
        forwarded = _ask(port, f"GET http://127.0.0.1:{allowed}/a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = _ask(port, f"GET http://127.0.0.1:{other}/c HTTP/1.1\r\nHost: x\r\n\r\n")
        named = _ask(port, f"GET http://localhost:{allowed}/d HTTP/1.1\r\nHost: x\r\n\r\n")
        tunnel = _ask(
            port,
            f"CONNECT 127.0.0.1:{allowed} HTTP/1.1\r\n\r\n",
            then="GET /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        no_tunnel = _ask(port, f"CONNECT 127.0.0.1:{other} HTTP/1.1\r\n\r\n")
    assert forwarded.startswith(b"HTTP/1.0 200") and forwarded.endswith(b"hello")
    assert refused.startswith(b"HTTP/1.1 403") and no_tunnel.startswith(b"HTTP/1.1 403")
    assert named.startswith(b"HTTP/1.1 403")  # another name for the host is another host
    assert tunnel.startswith(b"HTTP/1.1 200 Connection established") and tunnel.endswith(b"hello")
    assert _Counting.hits == ["/a?b=1", "/e"]
    assert origin.refused == [
        f"http://127.0.0.1:{other}/c",
        f"http://localhost:{allowed}/d",
        f"127.0.0.1:{other}",
    ]
