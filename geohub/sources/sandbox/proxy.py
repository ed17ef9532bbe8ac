"""An HTTP forward proxy that lets a sandboxed reader reach one host and port, and nothing else.

A remote source (OGC API – Features, WFS) is read by GDAL, which follows the links the server
sends back: `next` pages, the operation URLs in a WFS's capabilities, redirects. The reader
process reaches the network only through this proxy (GDAL_HTTP_PROXY, and Landlock lets it
connect to no other port), and the proxy forwards a request only when its host and port are
those of the URL in the layer's definition: plain http by rewriting the request, https through
CONNECT. Anything else is answered 403 and remembered in `refused`.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

RELAY_BLOCK = 1 << 16
IDLE_S = 120.0
MAX_HEAD_BYTES = 64 * 1024


class _LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass
class AllowedOrigin:
    """The one host and port a reader may reach; what it tried beyond them."""

    host: str
    port: int
    refused: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, url: str) -> AllowedOrigin:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls((parts.hostname or "").lower(), port)

    def allows(self, host: str, port: int) -> bool:
        return host.lower().strip("[]") == self.host and port == self.port


@contextmanager
def allow_list_proxy(origin: AllowedOrigin) -> Iterator[int]:
    """A proxy on 127.0.0.1 for the duration of the block; yields its port."""

    class Handler(socketserver.StreamRequestHandler):
        rbufsize = 0  # unbuffered: nothing read past the head is left behind in a buffer

        def handle(self) -> None:
            _serve(self.connection, self.rfile, origin)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="geohub-source-proxy", daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _serve(client: socket.socket, reader: _LineReader, origin: AllowedOrigin) -> None:
    head = _read_head(reader)
    if head is None:
        return
    request_line, header_lines = head
    try:
        method, target, version = request_line.split(" ", 2)
    except ValueError:
        return _refuse(client, "400 Bad Request")
    if method == "CONNECT":
        return _tunnel(client, target, origin)
    try:
        parts = urlsplit(target)
        allowed = parts.scheme == "http" and origin.allows(parts.hostname or "", parts.port or 80)
    except ValueError:  # a port that is not a number
        allowed = False
    if not allowed:
        origin.refused.append(target)
        return _refuse(client, "403 Forbidden")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kept = [h for h in header_lines if not h.lower().startswith(("proxy-", "connection:"))]
    upstream = socket.create_connection((origin.host, origin.port), timeout=IDLE_S)
    request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
    upstream.sendall(request.encode("latin-1"))
    _relay(client, upstream)


def _tunnel(client: socket.socket, target: str, origin: AllowedOrigin) -> None:
    """CONNECT host:port (https): a byte tunnel to the allowed origin, else 403."""
    host, _, port = target.rpartition(":")
    if not port.isdigit() or not origin.allows(host, int(port)):
        origin.refused.append(target)
        return _refuse(client, "403 Forbidden")
    upstream = socket.create_connection((origin.host, origin.port), timeout=IDLE_S)
    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    _relay(client, upstream)


def _read_head(reader: _LineReader) -> tuple[str, list[str]] | None:
    lines: list[str] = []
    size = 0
    while True:
        raw = reader.readline(MAX_HEAD_BYTES)
        size += len(raw)
        if not raw or size > MAX_HEAD_BYTES:
            return None
        line = raw.decode("latin-1").rstrip("\r\n")
        if not line:
            break
        lines.append(line)
    return (lines[0], lines[1:]) if lines else None


def _refuse(client: socket.socket, status: str) -> None:
    client.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with upstream:
        sockets = [client, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], IDLE_S)
            if not readable:
                return
            for source in readable:
                block = source.recv(RELAY_BLOCK)
                if not block:
                    return
                (upstream if source is client else client).sendall(block)
