"""Tracking ids and citizen secrets.

A tracking id is 10 characters of Crockford base32 (50 random bits): short to read out, no I, L,
O or U to mistake, case-insensitive. The secret that lets a citizen confirm or reopen is 128
random bits, shown once; only its SHA-256 is stored, compared in constant time. A slow hash
(argon2, as for passwords) protects guessable secrets; 2^128 cannot be guessed, and argon2
would cost ~30 ms of every filing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_ID_CHARS = 10
MAX_SECRET_CHARS = 100
_TRACKING_ID = re.compile(rf"[{ALPHABET}]{{{TRACKING_ID_CHARS}}}")
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_tracking_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TRACKING_ID_CHARS))


def normal_tracking_id(text: str) -> str | None:
    """The id as stored (upper case, O read as 0, I and L as 1, no dashes); None if malformed."""
    if len(text) > 2 * TRACKING_ID_CHARS:
        return None
    normal = text.upper().replace("-", "").translate(_READ_AS)
    return normal if _TRACKING_ID.fullmatch(normal) else None


def new_report_secret() -> tuple[str, str]:
    """A fresh secret and its hash."""
    secret = secrets.token_urlsafe(16)
    return secret, _hash(secret)


def secret_matches(stored_hash: str, secret: str) -> bool:
    """Whether `secret` is the one `stored_hash` was made from (constant time)."""
    return 0 < len(secret) <= MAX_SECRET_CHARS and hmac.compare_digest(stored_hash, _hash(secret))


def _hash(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()
