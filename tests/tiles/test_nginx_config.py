"""config/nginx.conf read as text: the same security headers as GeoHub in every block that sets
headers, no server version, and the same body limit as GeoHub's largest upload."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from geohub.security_headers import SECURITY_HEADERS
from geohub.settings import PROJECT_ROOT, EtlSettings

CONFIG = PROJECT_ROOT / "config" / "nginx.conf"
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def directives(config: Path = CONFIG) -> list[tuple[tuple[str, ...], list[str]]]:
    """Every directive with the blocks it is in, e.g. (("http", "server", "location = /x"), [args])."""
    found: list[tuple[tuple[str, ...], list[str]]] = []
    blocks: list[str] = []
    for raw in config.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("return") else raw.strip()
        if not line:
            continue
        if line.endswith("{"):
            blocks.append(line[:-1].strip())
        elif line == "}":
            blocks.pop()
        elif line.endswith(";"):
            found.append((tuple(blocks), shlex.split(line[:-1])))
    assert blocks == [], "unbalanced braces"
    return found


def headers_by_block(config: Path = CONFIG) -> dict[tuple[str, ...], dict[str, tuple[str, bool]]]:
    """The headers each block adds: name -> (value, with `always`)."""
    added: dict[tuple[str, ...], dict[str, tuple[str, bool]]] = {}
    for blocks, args in directives(config):
        if args[0] == "add_header":
            added.setdefault(blocks, {})[args[1]] = (args[2], args[3:] == ["always"])
    return added


def test_nginx_accepts_bodies_as_large_as_geohubs_largest_upload() -> None:
    sizes = [args[1] for _, args in directives() if args[0] == "client_max_body_size"]
    assert len(sizes) == 1
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", sizes[0].lower()).groups()  # type: ignore[union-attr]
    assert int(number) * _SIZE_UNITS[unit] == EtlSettings().max_upload_bytes


def test_every_block_that_sets_headers_sets_geohubs_security_headers_always() -> None:
    added = headers_by_block()
    server = ("http", "server")
    assert server in added  # inherited by the proxied locations, which add none of their own
    assert len(added) >= 5  # the server, the tile location and the three error locations
    for blocks, headers in added.items():
        security = {name: value for name, value in headers.items() if name in SECURITY_HEADERS}
        assert {name: value for name, (value, _) in security.items()} == SECURITY_HEADERS, blocks
        assert all(always for _, always in security.values()), blocks  # errors and 304s too


def test_geohubs_own_copies_are_hidden_and_the_version_is_not_told() -> None:
    found = directives()
    hidden = {args[1] for blocks, args in found if args[0] == "proxy_hide_header"}
    assert hidden >= set(SECURITY_HEADERS)
    assert ["server_tokens", "off"] in [args for _, args in found]


def test_nginx_waits_for_an_upload_longer_than_geohub_may_read_it() -> None:
    """An upload's answer may come after etl.read_timeout_s of reading: nginx must not give up first."""
    timeouts = {blocks[-1]: args[1] for blocks, args in directives() if args[0] == "proxy_read_timeout"}
    imports = next(value for block, value in timeouts.items() if "/imports" in block)
    assert int(imports.removesuffix("s")) > EtlSettings().read_timeout_s + 60


def test_nginx_sets_every_forwarded_header_geohub_believes() -> None:
    """Behind nginx (trusted_proxies 1) GeoHub believes X-Forwarded-For/-Proto/-Host/-Port: nginx sets
    each itself, so a client's own values never reach GeoHub."""
    set_headers = {args[1] for _, args in directives() if args[0] == "proxy_set_header"}
    assert {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"} <= set_headers
