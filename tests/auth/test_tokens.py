"""Secrets: the token format, argon2 hashes and the cache of verified tokens."""

from __future__ import annotations

import pytest

from geohub.auth.tokens import (
    KEY_PREFIX,
    TOKEN_PREFIX,
    VerifiedCache,
    hash_password,
    hash_secret,
    new_secret,
    parse_secret,
    verify_password,
    verify_secret,
)


def test_new_token_parses_back_to_its_parts() -> None:
    parsed, plaintext = new_secret(TOKEN_PREFIX)
    assert plaintext.startswith("ghp_")
    assert parse_secret(plaintext, TOKEN_PREFIX) == parsed
    assert parse_secret(plaintext, KEY_PREFIX) is None  # a token is not a key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ghp_",
        "ghp_0123456789abcdef_",
        "ghp_0123456789abcdef_short",
        "ghp_0123456789ABCDEF_" + "a" * 43,
        "ghp_0123456789abcdef_" + "a" * 42 + "!",
        "ghp_0123456789abcdef_" + "a" * 44,
        "Bearer ghp_0123456789abcdef_" + "a" * 43,
        "ghp_0123456789abcdef_" + "a" * 43 + "\n",
        "x" * 10_000,
    ],
)
def test_malformed_tokens_do_not_parse(text: str) -> None:
    assert parse_secret(text, TOKEN_PREFIX) is None


def test_hashes_are_argon2id_and_verify_only_the_right_secret() -> None:
    secret_hash, password_hash = hash_secret("s3cret"), hash_password("pass phrase!")
    assert secret_hash.startswith("$argon2id$") and password_hash.startswith("$argon2id$")
    assert "s3cret" not in secret_hash
    assert verify_secret(secret_hash, "s3cret") and not verify_secret(secret_hash, "s3cret ")
    assert verify_password(password_hash, "pass phrase!") and not verify_password(password_hash, "x")
    assert not verify_secret("not a hash", "s3cret")


def test_cache_remembers_only_the_hash_it_verified_against() -> None:
    cache = VerifiedCache()
    stored = hash_secret("right")
    assert cache.verify("token-1", stored, "right")
    assert len(cache) == 1
    assert cache.verify("token-1", stored, "wrong-but-cached")  # served from the cache, no argon2
    assert not cache.verify("token-1", hash_secret("right"), "wrong-but-cached")  # another row hash
    assert not cache.verify("token-2", stored, "wrong")
    assert len(cache) == 1  # failures are not remembered


def test_cache_is_bounded_and_expires() -> None:
    stored = hash_secret("s")
    bounded = VerifiedCache(max_entries=2)
    for name in ("a", "b", "c"):
        bounded.verify(name, stored, "s")
    assert len(bounded) == 2
    assert not bounded.verify("a", stored, "not s")  # evicted first
    expired = VerifiedCache(ttl_s=-1)
    expired.verify("a", stored, "s")
    assert not expired.verify("a", stored, "not s")
