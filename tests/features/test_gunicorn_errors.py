"""Requests gunicorn refuses before the app sees them, sent over raw sockets to a real `geohub serve`:
problem+json with the security headers, and no answer names the server software."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from geohub.security_headers import SECURITY_HEADERS
from tests.features.conftest import LiveServers

MALFORMED = {
    "uri-too-long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "content-length-not-a-number": (
        b"POST /collections HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        400,
    ),
    "content-length-twice": (
        b"POST /collections HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        400,
    ),
    "header-name-with-space": (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
    "header-too-large": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "too-many-headers": (
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
        431,
    ),
    "request-line-garbage": (b"GARBAGE\r\n\r\n", 400),
    "http-version-unknown": (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    "transfer-encoding-unknown": (
        b"POST /collections HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: bogus\r\n\r\n0\r\n\r\n",
        400,
    ),
}


def _exchange(base_url: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers (lower-case names) and body of the answer."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=15) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer or not _complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            return len(body) >= int(line.split(":", 1)[1])
    return False


@pytest.fixture(scope="module")
def base_url(live_servers: LiveServers) -> str:
    return live_servers.one("geopackage").base_url  # gunicorn answers these the same on any backend


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_gunicorn_refusals_are_problem_json(base_url: str, case: str) -> None:
    data, expected = MALFORMED[case]
    status, headers, body = _exchange(base_url, data)
    assert status == expected
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == expected
    assert problem["type"].startswith("https://") and problem["title"] and problem["detail"]
    assert "<html" not in body.decode("utf-8").lower()
    assert "server" not in headers
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value


def test_gunicorn_refusal_speaks_the_readers_language(base_url: str) -> None:
    data = b"POST /collections HTTP/1.1\r\nHost: x\r\nAccept-Language: ru\r\nContent-Length: abc\r\n\r\n"
    status, headers, body = _exchange(base_url, data)
    problem = json.loads(body)
    assert status == 400
    assert headers["content-language"] == "ru"
    assert problem["title"] == "Некорректный запрос"
    assert problem["detail"] == "В запросе есть заголовок, не являющийся корректным HTTP."


@pytest.mark.parametrize("path", ["/healthz", "/collections", "/no/such/page"])
def test_no_answer_names_the_server_software(base_url: str, path: str) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    status, headers, _ = _exchange(base_url, request.encode())
    assert status in (200, 404)
    assert "server" not in headers
