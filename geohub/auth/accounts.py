"""Accounts: users with a role and department, their API tokens, sign-in, and app keys.

Everything is stored in the records database (`geohub/records.py`): passwords, tokens and keys
only as argon2 hashes. Each token or key is checked against its row on every use, so revoking a
token, disabling a user or a token's expiry takes effect on the next request; a small cache
(`tokens.VerifiedCache`) only saves repeating the argon2 computation for the same token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from geohub.auth.keys import AppKey, AppKeys, KeyUsage
from geohub.auth.principal import Principal, Role
from geohub.auth.tables import ACCOUNT_TABLES
from geohub.auth.tokens import (
    TOKEN_PREFIX,
    VerifiedCache,
    hash_password,
    hash_secret,
    new_secret,
    parse_secret,
    password_needs_rehash,
    spend_password_time,
    verify_password,
)
from geohub.errors import ConflictError, InvalidRequestError, NotFoundError, UnauthorizedError
from geohub.records import RecordsDatabase, ensure_tables, from_stamp, to_stamp, utc_now

USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")  # used with fullmatch
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
MAX_TOKEN_DAYS = 3650
LAST_USED_RESOLUTION = timedelta(minutes=5)  # last_used_at is written at most this often per token
SIGN_IN_FAILED = "The user name or password is wrong."


@dataclass(frozen=True)
class User:
    """An account (never its password hash)."""

    name: str
    role: Role
    department: str | None
    disabled: bool
    created_at: datetime
    has_password: bool

    def principal(self) -> Principal:
        """The principal a request signed in as this user acts for."""
        return Principal(user=self.name, role=self.role, department=self.department)


@dataclass(frozen=True)
class TokenInfo:
    """A token's row: whose, what kind (`api` or `session`), when, and whether it still works."""

    id: str
    user: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    last_used_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the plaintext (shown once), its id and expiry."""

    token: str
    id: str
    expires_at: datetime | None


def check_department(department: str | None, departments: Collection[str]) -> None:
    """InvalidRequestError unless `department` is unset or one of the registry's departments."""
    if department is not None and department not in departments:
        choices = ", ".join(sorted(departments))
        raise InvalidRequestError(f"There is no department '{department}'; use one of: {choices}.")


def token_id_of(token: str) -> str | None:
    """The id part of a well-formed token (nothing is verified)."""
    parsed = parse_secret(token, TOKEN_PREFIX)
    return parsed.id if parsed else None


class Accounts:
    """Users, tokens and app keys in the records database; creates its tables when missing."""

    def __init__(
        self,
        records: RecordsDatabase,
        *,
        clock: Callable[[], datetime] = utc_now,
        sign_in_lifetime: timedelta = timedelta(hours=12),
    ) -> None:
        self._records = records
        self._clock = clock
        self.sign_in_lifetime = sign_in_lifetime
        self._verified = VerifiedCache()
        ensure_tables(records, ACCOUNT_TABLES)
        self.keys = AppKeys(records, clock)

    # users

    def add_user(self, name: str, *, role: Role, department: str | None, password: str | None = None) -> User:
        """A new account; ConflictError when the name is taken. Publishers need a department."""
        role = _check_user(name, role, department)
        password_hash = None if password is None else hash_password(_check_password(password))
        with self._records.transaction() as cursor:
            inserted = cursor.execute(
                "INSERT INTO users (name, role, department, password_hash, created_at) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING RETURNING name",
                (name, role.value, department, password_hash, to_stamp(self._clock())),
            ).fetchone()
        if inserted is None:
            raise ConflictError(f"There is already a user '{name}'.")
        return self.get_user(name)

    def get_user(self, name: str) -> User:
        """The user called `name`, or NotFoundError."""
        row = self._records.fetchone(f"SELECT {_USER_COLUMNS} FROM users WHERE name = %s", (name,))
        if row is None:
            raise NotFoundError(f"There is no user '{name}'.")
        return _user(row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        rows = self._records.fetchall(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")
        return [_user(row) for row in rows]

    def disable_user(self, name: str) -> User:
        """Disable an account: its tokens stop working on the next request, sign-in is refused."""
        return self._set_disabled(name, True)

    def enable_user(self, name: str) -> User:
        """Enable a disabled account again (its unrevoked, unexpired tokens work again)."""
        return self._set_disabled(name, False)

    def _set_disabled(self, name: str, disabled: bool) -> User:
        self.get_user(name)
        with self._records.transaction() as cursor:
            cursor.execute("UPDATE users SET disabled = %s WHERE name = %s", (disabled, name))
        return self.get_user(name)

    def set_password(self, name: str, password: str) -> None:
        """Set or replace a user's password."""
        self.get_user(name)
        password_hash = hash_password(_check_password(password))
        with self._records.transaction() as cursor:
            cursor.execute("UPDATE users SET password_hash = %s WHERE name = %s", (password_hash, name))

    # tokens

    def issue_token(self, user_name: str, *, expires: timedelta | None, kind: str = "api") -> IssuedToken:
        """A new token for an enabled user; the plaintext is in the result and nowhere else."""
        user = self.get_user(user_name)
        if user.disabled:
            raise ConflictError(f"User '{user_name}' is disabled.")
        now = self._clock()
        expires_at = None if expires is None else now + expires
        parsed, plaintext = new_secret(TOKEN_PREFIX)
        with self._records.transaction() as cursor:
            cursor.execute(
                "INSERT INTO user_tokens (id, user_name, kind, hash, created_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    parsed.id,
                    user_name,
                    kind,
                    hash_secret(parsed.secret),
                    to_stamp(now),
                    None if expires_at is None else to_stamp(expires_at),
                ),
            )
        return IssuedToken(plaintext, parsed.id, expires_at)

    def create_token(self, user_name: str, *, expires_days: int | None = None) -> str:
        """A new API token (plaintext, returned once); never expires unless `expires_days` is given."""
        if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
            raise InvalidRequestError(f"expires_days must be a whole number from 1 to {MAX_TOKEN_DAYS}.")
        expires = None if expires_days is None else timedelta(days=expires_days)
        return self.issue_token(user_name, expires=expires).token

    def sign_in_token(self, name: str, password: str) -> IssuedToken:
        """A short-lived session token for a name and password; UnauthorizedError otherwise."""
        row = None
        if len(password) <= MAX_PASSWORD_CHARS and USER_NAME.fullmatch(name):
            row = self._records.fetchone("SELECT password_hash, disabled FROM users WHERE name = %s", (name,))
        if row is None or row[0] is None:
            spend_password_time(password[:MAX_PASSWORD_CHARS])  # as slow as a wrong password
            raise UnauthorizedError(SIGN_IN_FAILED)
        if not verify_password(str(row[0]), password) or row[1]:
            raise UnauthorizedError(SIGN_IN_FAILED)
        if password_needs_rehash(str(row[0])):
            self.set_password(name, password)
        return self.issue_token(name, expires=self.sign_in_lifetime, kind="session")

    def sign_in(self, name: str, password: str) -> str:
        """A new short-lived token (plaintext) for a name and password; UnauthorizedError otherwise."""
        return self.sign_in_token(name, password).token

    def authenticate_token(self, token: str) -> Principal | None:
        """Who the token acts for; None for an unknown, revoked or expired token or a disabled user."""
        parsed = parse_secret(token, TOKEN_PREFIX)
        if parsed is None:
            return None
        row = self._records.fetchone(
            "SELECT t.hash, t.expires_at, t.revoked, t.last_used_at, u.name, u.role, u.department, "
            "u.disabled FROM user_tokens t JOIN users u ON u.name = t.user_name WHERE t.id = %s",
            (parsed.id,),
        )
        if row is None or row[2] or row[7]:
            return None
        now = self._clock()
        expires_at = from_stamp(row[1])
        if expires_at is not None and expires_at <= now:
            return None
        if not self._verified.verify(token, str(row[0]), parsed.secret):
            return None
        last_used = from_stamp(row[3])
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            with self._records.transaction() as cursor:
                cursor.execute(
                    "UPDATE user_tokens SET last_used_at = %s WHERE id = %s", (to_stamp(now), parsed.id)
                )
        return Principal(user=str(row[4]), role=Role(row[5]), department=row[6])

    def list_tokens(self, user_name: str | None = None) -> list[TokenInfo]:
        """Tokens (all, or one user's), newest first."""
        where, params = ("WHERE user_name = %s", (user_name,)) if user_name else ("", ())
        rows = self._records.fetchall(
            f"SELECT {_TOKEN_COLUMNS} FROM user_tokens {where} ORDER BY created_at DESC, id", params
        )
        return [_token(row) for row in rows]

    def get_token(self, token_id: str) -> TokenInfo:
        """The token with this id, or NotFoundError."""
        row = self._records.fetchone(f"SELECT {_TOKEN_COLUMNS} FROM user_tokens WHERE id = %s", (token_id,))
        if row is None:
            raise NotFoundError(f"There is no token '{token_id}'.")
        return _token(row)

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token by id; it stops working on the next request."""
        self.get_token(token_id)
        with self._records.transaction() as cursor:
            cursor.execute("UPDATE user_tokens SET revoked = %s WHERE id = %s", (True, token_id))
        return self.get_token(token_id)

    # app keys (see keys.py)

    def create_key(self, app: str, *, rate_limit: str = "1000/hour", contact: str = "") -> str:
        """A new app developer key (plaintext, returned once)."""
        return self.keys.create(app, rate_limit=rate_limit, contact=contact)

    def authenticate_key(self, key: str) -> AppKey | None:
        """The key's row when `key` is current; None when unknown, malformed or revoked."""
        return self.keys.authenticate(key)

    def revoke_key(self, key_id: str) -> AppKey:
        """Revoke an app key by id."""
        return self.keys.revoke(key_id)

    def list_keys(self) -> list[KeyUsage]:
        """Every app key with its usage today and in all."""
        return self.keys.list_usage()

    def count_key_use(self, key_id: str, requests: int = 1) -> None:
        """Count a key's requests (written in batches; `flush_usage` writes now)."""
        self.keys.usage.count(key_id, requests)

    def flush_usage(self) -> None:
        """Write pending key usage counts."""
        self.keys.usage.flush()


_USER_COLUMNS = "name, role, department, disabled, created_at, password_hash IS NOT NULL"
_TOKEN_COLUMNS = "id, user_name, kind, created_at, expires_at, revoked, last_used_at"


def _check_user(name: str, role: Role | str, department: str | None) -> Role:
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise InvalidRequestError(
            f"'{name}' is not a user name: use 2 to 63 lowercase letters, digits, '.', '_' or '-'."
        )
    try:
        role = Role(role)
    except ValueError:
        raise InvalidRequestError(f"'{role}' is not a role; use admin, publisher or moderator.") from None
    if role is Role.publisher and not department:
        raise InvalidRequestError("A publisher needs a department.")
    return role


def _check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidRequestError(
            f"A password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."
        )
    return password


def _user(row: tuple[object, ...]) -> User:
    created = from_stamp(str(row[4]))
    assert created is not None
    return User(
        name=str(row[0]),
        role=Role(str(row[1])),
        department=None if row[2] is None else str(row[2]),
        disabled=bool(row[3]),
        created_at=created,
        has_password=bool(row[5]),
    )


def _token(row: tuple[object, ...]) -> TokenInfo:
    created = from_stamp(str(row[3]))
    assert created is not None
    return TokenInfo(
        id=str(row[0]),
        user=str(row[1]),
        kind=str(row[2]),
        created_at=created,
        expires_at=None if row[4] is None else from_stamp(str(row[4])),
        revoked=bool(row[5]),
        last_used_at=None if row[6] is None else from_stamp(str(row[6])),
    )
