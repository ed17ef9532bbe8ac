"""Secrets: argon2 hashes of passwords, API tokens and app keys, and a cache of recent verifications.

Tokens look like `ghp_<id>_<secret>`, app keys `ghk_<id>_<secret>`: the id finds the row, argon2
verifies the secret against the row's hash. Only hashes are stored; the plaintext is shown once.

Verifying with argon2 costs tens of milliseconds, so `VerifiedCache` remembers, for a few minutes,
that a token (by its SHA-256) matched a given stored hash. It never decides on its own whether a
token is valid: the row is read on every request, so revoking a token, disabling a user or an
expiry takes effect on the very next request; the cache only skips the argon2 computation.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "ghp"
KEY_PREFIX = "ghk"
_ID_HEX_CHARS = 16
_SECRET_BYTES = 32
_SECRET_CHARS = 43  # base64url of 32 bytes, unpadded
_SECRET_PATTERN = re.compile(rf"(gh[pk])_([0-9a-f]{{{_ID_HEX_CHARS}}})_([A-Za-z0-9_-]{{{_SECRET_CHARS}}})")

# Passwords are guessable, so they get argon2-cffi's default (RFC 9106 low-memory) profile.
PASSWORD_HASHER = PasswordHasher()
# Token and key secrets are 256 random bits: no guessing to slow down, so a cheaper profile
# (OWASP's minimum: 19 MiB, 2 passes) keeps the first request with a new token quick.
SECRET_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class ParsedSecret:
    """A token or key split into its parts; nothing is known about its validity yet."""

    prefix: str
    id: str
    secret: str


def new_secret(prefix: str) -> tuple[ParsedSecret, str]:
    """A fresh id and secret, and the plaintext `<prefix>_<id>_<secret>` to hand out once."""
    while True:
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        if len(secret) == _SECRET_CHARS:  # always true for 32 bytes; guards the format
            break
    parsed = ParsedSecret(prefix, secrets.token_hex(_ID_HEX_CHARS // 2), secret)
    return parsed, f"{prefix}_{parsed.id}_{secret}"


def parse_secret(text: str, prefix: str) -> ParsedSecret | None:
    """The parts of a well-formed token or key with this prefix; None for anything else."""
    if len(text) > 80:
        return None
    match = _SECRET_PATTERN.fullmatch(text)
    if match is None or match.group(1) != prefix:
        return None
    return ParsedSecret(match.group(1), match.group(2), match.group(3))


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return PASSWORD_HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash`; False for a malformed hash."""
    return _verify(PASSWORD_HASHER, stored_hash, password)


def password_needs_rehash(stored_hash: str) -> bool:
    """Whether a password hash was made with weaker parameters than today's."""
    try:
        return PASSWORD_HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def hash_secret(secret: str) -> str:
    """An argon2id hash of a token or key secret."""
    return SECRET_HASHER.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Whether a token or key secret matches `stored_hash`."""
    return _verify(SECRET_HASHER, stored_hash, secret)


def _verify(hasher: PasswordHasher, stored_hash: str, plaintext: str) -> bool:
    try:
        return hasher.verify(stored_hash, plaintext)
    except (VerificationError, InvalidHashError):
        return False


# A valid hash to verify against when there is no row, so "no such user" costs the same time.
_DUMMY_PASSWORD_HASH = PASSWORD_HASHER.hash("geohub: no such account")


def spend_password_time(password: str) -> None:
    """Verify against a dummy hash: an unknown user takes as long to refuse as a wrong password."""
    _verify(PASSWORD_HASHER, _DUMMY_PASSWORD_HASH, password)


class VerifiedCache:
    """Recently verified (plaintext, stored hash) pairs, keyed by the plaintext's SHA-256.

    Bounded (least recently used entries go first) and short-lived. An entry holds the stored
    hash it was verified against, so a token whose row changed hash never matches a stale entry.
    """

    def __init__(self, ttl_s: float = 300.0, max_entries: int = 4096) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, plaintext: str, stored_hash: str, secret: str) -> bool:
        """Whether `secret` matches `stored_hash`, from the cache when `plaintext` was verified lately."""
        digest = hashlib.sha256(plaintext.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None and entry[0] > now and entry[1] == stored_hash:
                self._entries.move_to_end(digest)
                return True
        ok = verify_secret(stored_hash, secret)
        if ok:
            with self._lock:
                self._entries[digest] = (now + self.ttl_s, stored_hash)
                self._entries.move_to_end(digest)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return ok

    def __len__(self) -> int:
        return len(self._entries)
