"""Tracking ids and citizen secrets.

A tracking id is 10 characters of Crockford base32 (50 random bits): short to read out, no I, L,
O or U to mistake, case-insensitive. The secret that lets a citizen confirm or reopen is 128
random bits, shown once; only its argon2 hash is stored and checked (constant time).
"""

from __future__ import annotations

import re
import secrets

from geohub.auth.tokens import hash_secret, verify_secret

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
    return secret, hash_secret(secret)


def secret_matches(stored_hash: str, secret: str) -> bool:
    return 0 < len(secret) <= MAX_SECRET_CHARS and verify_secret(stored_hash, secret)
