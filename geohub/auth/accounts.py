"""Accounts: users with a role and department, their API tokens, sign-in, and app keys.

Everything is stored in the records database (`geohub/records/`): passwords, tokens and keys
only as argon2 hashes. Each token or key is checked against its row on every use, so revoking a
token, disabling a user or a token's expiry takes effect on the next request; a small cache
(`tokens.VerifiedCache`) only saves repeating the argon2 computation for the same token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, case, false, func, select, update

from geohub.auth.keys import AppKey, AppKeys, KeyUsage, check_rate_limit
from geohub.auth.passwords import MAX_PASSWORD_CHARS, check_password, new_password
from geohub.auth.principal import Principal, Role
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
from geohub.messages import tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import app_keys, user_tokens, users

USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")  # used with fullmatch
MAX_TOKEN_DAYS = 3650
LAST_USED_RESOLUTION = timedelta(minutes=5)  # last_used_at is written at most this often per token
SIGN_IN_FAILED = tr("The user name or password is wrong.")
UNCHANGED: Any = object()  # update_user: leave this field as it is


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
class Activity:
    """When an account last signed in (its newest session token) and last used any token."""

    last_sign_in_at: datetime | None
    last_token_use_at: datetime | None


NO_ACTIVITY = Activity(None, None)


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
        raise InvalidRequestError(
            tr(
                "There is no department '{department}'; use one of: {choices}.",
                department=department,
                choices=choices,
            )
        )


def token_id_of(token: str) -> str | None:
    """The id part of a well-formed token (nothing is verified)."""
    parsed = parse_secret(token, TOKEN_PREFIX)
    return parsed.id if parsed else None


class Accounts:
    """Users, tokens and app keys in the records database."""

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
        self.keys = AppKeys(records, clock)

    # users

    def add_user(self, name: str, *, role: Role, department: str | None, password: str | None = None) -> User:
        """A new account; ConflictError when the name is taken. Publishers need a department."""
        role = _check_user(name, role, department)
        password_hash = None if password is None else hash_password(check_password(password, name))
        with self._records.transaction() as conn:
            inserted = conn.execute(
                self._records.insert(users)
                .values(
                    name=name,
                    role=role.value,
                    department=department,
                    password_hash=password_hash,
                    created_at=self._clock(),
                )
                .on_conflict_do_nothing(index_elements=[users.c.name])
                .returning(users.c.name)
            ).first()
        if inserted is None:
            raise ConflictError(tr("There is already a user '{name}'.", name=name))
        return self.get_user(name)

    def get_user(self, name: str) -> User:
        """The user called `name`, or NotFoundError."""
        row = self._records.fetchone(_USERS.where(users.c.name == name))
        if row is None:
            raise NotFoundError(tr("There is no user '{name}'.", name=name))
        return _user(row)

    def list_users(self) -> list[User]:
        """Every user, by name."""
        rows = self._records.fetchall(_USERS.order_by(users.c.name))
        return [_user(row) for row in rows]

    def activity(self) -> dict[str, Activity]:
        """Per user with any token: the last sign-in and the last use of any of its tokens."""
        signed_in = func.max(case((user_tokens.c.kind == "session", user_tokens.c.created_at)))
        rows = self._records.fetchall(
            select(user_tokens.c.user_name, signed_in, func.max(user_tokens.c.last_used_at)).group_by(
                user_tokens.c.user_name
            )
        )
        return {name: Activity(signed, used) for name, signed, used in (tuple(row) for row in rows)}

    def disable_user(self, name: str) -> User:
        """Disable an account: all its tokens are revoked at once and sign-in is refused."""
        return self.update_user(name, disabled=True)

    def enable_user(self, name: str) -> User:
        """Enable a disabled account again (it signs in anew: its old tokens stay revoked)."""
        return self.update_user(name, disabled=False)

    def update_user(
        self,
        name: str,
        *,
        role: Role | str | None = None,
        department: str | None = UNCHANGED,
        disabled: bool | None = None,
    ) -> User:
        """Change an account's role, department or disabled state in one transaction.

        Disabling revokes all the account's tokens. ConflictError for a change that would leave
        no enabled admin: the enabled admins' rows are locked first, always in the same order, so
        two admins demoting each other at the same moment cannot both succeed (nor deadlock).
        """
        with self._records.transaction() as conn:
            admins = _lock_admins(conn)
            before = self._locked_user(conn, name)
            after_role = _check_user(
                name,
                before.role if role is None else role,
                before.department if department is UNCHANGED else department,
            )
            after_disabled = before.disabled if disabled is None else disabled
            was_admin = before.role is Role.admin and not before.disabled
            if was_admin and (after_role is not Role.admin or after_disabled) and set(admins) <= {name}:
                raise ConflictError(
                    tr("'{name}' is the last active administrator: make another one first.", name=name)
                )
            values: dict[str, Any] = {"role": after_role.value, "disabled": after_disabled}
            if department is not UNCHANGED:
                values["department"] = department
            conn.execute(update(users).where(users.c.name == name).values(**values))
            if after_disabled and not before.disabled:
                conn.execute(update(user_tokens).where(user_tokens.c.user_name == name).values(revoked=True))
        return self.get_user(name)

    def _locked_user(self, conn: Connection, name: str) -> User:
        row = conn.execute(_USERS.where(users.c.name == name).with_for_update()).first()
        if row is None:
            raise NotFoundError(tr("There is no user '{name}'.", name=name))
        return _user(row)

    def set_password(self, name: str, password: str) -> None:
        """Set or replace a user's password."""
        self.get_user(name)
        password_hash = hash_password(check_password(password, name))
        with self._records.transaction() as conn:
            conn.execute(update(users).where(users.c.name == name).values(password_hash=password_hash))

    def reset_password(self, name: str, password: str | None = None) -> str | None:
        """Set `password`, or a generated one that is returned (once); the user's sign-ins end.

        Session tokens are revoked (whoever knew the old password is signed out); API tokens stay.
        """
        chosen = new_password(name) if password is None else password
        self.set_password(name, chosen)
        self._revoke_sessions(name, keep_token_id=None)
        return chosen if password is None else None

    def change_password(self, name: str, current: str, new: str, *, keep_token_id: str | None) -> None:
        """A user's own change: the current password is required; other sign-ins end."""
        row = self._records.fetchone(select(users.c.password_hash).where(users.c.name == name))
        stored = None if row is None else row.password_hash
        if stored is None or len(current) > MAX_PASSWORD_CHARS or not verify_password(stored, current):
            if stored is None:
                spend_password_time(current[:MAX_PASSWORD_CHARS])
            raise InvalidRequestError(tr("The current password is wrong."))
        if new == current:
            raise InvalidRequestError(tr("The new password must differ from the current one."))
        self.set_password(name, new)
        self._revoke_sessions(name, keep_token_id=keep_token_id)

    def _revoke_sessions(self, name: str, *, keep_token_id: str | None) -> None:
        condition = (user_tokens.c.user_name == name) & (user_tokens.c.kind == "session")
        if keep_token_id is not None:
            condition &= user_tokens.c.id != keep_token_id
        with self._records.transaction() as conn:
            conn.execute(update(user_tokens).where(condition).values(revoked=True))

    # tokens

    def issue_token(self, user_name: str, *, expires: timedelta | None, kind: str = "api") -> IssuedToken:
        """A new token for an enabled user; the plaintext is in the result and nowhere else."""
        user = self.get_user(user_name)
        if user.disabled:
            raise ConflictError(tr("User '{user_name}' is disabled.", user_name=user_name))
        now = self._clock()
        expires_at = None if expires is None else now + expires
        parsed, plaintext = new_secret(TOKEN_PREFIX)
        with self._records.transaction() as conn:
            conn.execute(
                user_tokens.insert().values(
                    id=parsed.id,
                    user_name=user_name,
                    kind=kind,
                    hash=hash_secret(parsed.secret),
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return IssuedToken(plaintext, parsed.id, expires_at)

    def create_token(self, user_name: str, *, expires_days: int | None = None) -> str:
        """A new API token (plaintext, returned once); never expires unless `expires_days` is given."""
        if expires_days is not None and not 1 <= expires_days <= MAX_TOKEN_DAYS:
            raise InvalidRequestError(
                tr(
                    "expires_days must be a whole number from 1 to {max_token_days}.",
                    max_token_days=MAX_TOKEN_DAYS,
                )
            )
        expires = None if expires_days is None else timedelta(days=expires_days)
        return self.issue_token(user_name, expires=expires).token

    def sign_in_token(self, name: str, password: str) -> IssuedToken:
        """A short-lived session token for a name and password; UnauthorizedError otherwise."""
        row = None
        if len(password) <= MAX_PASSWORD_CHARS and USER_NAME.fullmatch(name):
            row = self._records.fetchone(
                select(users.c.password_hash, users.c.disabled).where(users.c.name == name)
            )
        if row is None or row.password_hash is None:
            spend_password_time(password[:MAX_PASSWORD_CHARS])  # as slow as a wrong password
            raise UnauthorizedError(SIGN_IN_FAILED)
        if not verify_password(row.password_hash, password) or row.disabled:
            raise UnauthorizedError(SIGN_IN_FAILED)
        if password_needs_rehash(row.password_hash):
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
        row = self._records.fetchone(_TOKEN_CHECK, {"token_id": parsed.id})
        if row is None:
            return None
        secret_hash, expires_at, revoked, last_used_at, user_name, role, department, disabled = tuple(row)
        now = self._clock()
        if revoked or disabled or (expires_at is not None and expires_at <= now):
            return None
        if not self._verified.verify(token, secret_hash, parsed.secret):
            return None
        if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
            with self._records.transaction() as conn:
                conn.execute(
                    update(user_tokens).where(user_tokens.c.id == parsed.id).values(last_used_at=now)
                )
        return Principal(user=user_name, role=Role(role), department=department)

    def list_tokens(self, user_name: str | None = None, *, active_only: bool = False) -> list[TokenInfo]:
        """Tokens (all, or one user's; all, or only those that still work), newest first."""
        query = _TOKENS.where(user_tokens.c.user_name == user_name) if user_name else _TOKENS
        if active_only:
            now = self._clock()
            query = query.where(
                user_tokens.c.revoked == false(),
                user_tokens.c.expires_at.is_(None) | (user_tokens.c.expires_at > now),
            )
        rows = self._records.fetchall(query.order_by(user_tokens.c.created_at.desc(), user_tokens.c.id))
        return [_token(row) for row in rows]

    def get_token(self, token_id: str) -> TokenInfo:
        """The token with this id, or NotFoundError."""
        row = self._records.fetchone(_TOKENS.where(user_tokens.c.id == token_id))
        if row is None:
            raise NotFoundError(tr("There is no token '{token_id}'.", token_id=str(token_id)))
        return _token(row)

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token by id; it stops working on the next request."""
        self.get_token(token_id)
        with self._records.transaction() as conn:
            conn.execute(update(user_tokens).where(user_tokens.c.id == token_id).values(revoked=True))
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

    def update_key(
        self, key_id: str, *, rate_limit: str | None = None, revoked: bool | None = None
    ) -> AppKey:
        """Change a key's rate limit, or revoke it (True) or let it work again (False)."""
        self.keys.get(key_id)
        values: dict[str, Any] = {}
        if rate_limit is not None:
            values["rate_limit"] = check_rate_limit(rate_limit)
        if revoked is not None:
            values["revoked"] = revoked
        if values:
            with self._records.transaction() as conn:
                conn.execute(update(app_keys).where(app_keys.c.id == key_id).values(**values))
        return self.keys.get(key_id)

    def list_keys(self) -> list[KeyUsage]:
        """Every app key with its usage today and in all."""
        return self.keys.list_usage()

    def count_key_use(self, key_id: str, requests: int = 1) -> None:
        """Count a key's requests (written in batches; `flush_usage` writes now)."""
        self.keys.usage.count(key_id, requests)

    def flush_usage(self) -> None:
        """Write pending key usage counts."""
        self.keys.usage.flush()


_USERS = select(
    users.c.name,
    users.c.role,
    users.c.department,
    users.c.disabled,
    users.c.created_at,
    users.c.password_hash.is_not(None).label("has_password"),
)
_TOKENS = select(
    user_tokens.c.id,
    user_tokens.c.user_name,
    user_tokens.c.kind,
    user_tokens.c.created_at,
    user_tokens.c.expires_at,
    user_tokens.c.revoked,
    user_tokens.c.last_used_at,
)
# built once: it runs on every request with a token
_TOKEN_CHECK = (
    select(
        user_tokens.c.hash,
        user_tokens.c.expires_at,
        user_tokens.c.revoked,
        user_tokens.c.last_used_at,
        users.c.name,
        users.c.role,
        users.c.department,
        users.c.disabled,
    )
    .join_from(user_tokens, users, users.c.name == user_tokens.c.user_name)
    .where(user_tokens.c.id == bindparam("token_id"))
)


def _check_user(name: str, role: Role | str, department: str | None) -> Role:
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise InvalidRequestError(
            tr(
                "'{name}' is not a user name: use 2 to 63 lowercase letters, digits, '.', '_' or '-'.",
                name=name,
            )
        )
    try:
        role = Role(role)
    except ValueError:
        raise InvalidRequestError(
            tr("'{role}' is not a role; use admin, publisher or moderator.", role=role)
        ) from None
    if role is Role.publisher and not department:
        raise InvalidRequestError(tr("A publisher needs a department."))
    return role


def _lock_admins(conn: Connection) -> list[str]:
    """The enabled admins' names, their rows locked till commit in name order (PostgreSQL;
    SQLite's BEGIN IMMEDIATE already serializes writers)."""
    return list(
        conn.execute(
            select(users.c.name)
            .where(users.c.role == Role.admin.value, users.c.disabled == false())
            .order_by(users.c.name)
            .with_for_update()
        ).scalars()
    )


def _user(row: Row[Any]) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        department=row.department,
        disabled=bool(row.disabled),
        created_at=row.created_at,
        has_password=bool(row.has_password),
    )


def _token(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user=row.user_name,
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked=bool(row.revoked),
        last_used_at=row.last_used_at,
    )
