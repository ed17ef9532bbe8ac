"""The bodies and queries of the admin accounts, tokens and keys API, as pydantic models.

Wire names (camelCase), for the handlers and for /openapi alike. Inputs refuse unknown fields
and values of another JSON type (`"disabled": "yes"` is a 400, not true).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from geohub.auth.accounts import MAX_TOKEN_DAYS
from geohub.auth.keys import MAX_APP_NAME_CHARS
from geohub.auth.passwords import MAX_PASSWORD_CHARS, MIN_DISTINCT_CHARS, MIN_PASSWORD_CHARS
from geohub.openapi.models import AppKey, Language

RoleName = Literal["admin", "publisher", "moderator"]
# free text stored as given: no control characters (PostgreSQL's text cannot even hold a NUL)
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
DEFAULT_TOKEN_DAYS = 90
_NAME = Field(
    min_length=2, max_length=63, description="2 to 63 of a-z, 0-9, '.', '_', '-'; starts with a-z or 0-9."
)
_DEPARTMENT = Field(
    None,
    min_length=1,
    max_length=100,
    pattern=NO_CONTROL_CHARACTERS,
    description="A department id; publishers need one.",
)
_PASSWORD_RULE = f"{MIN_PASSWORD_CHARS}+ characters, {MIN_DISTINCT_CHARS}+ different ones, not the user name."


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AccountInput(_Input):
    """The body of `POST /admin/accounts`."""

    name: str = _NAME
    role: RoleName
    department: str | None = _DEPARTMENT
    password: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_PASSWORD_CHARS,
        description="Leave out for a generated one-time password, returned once as `initialPassword`. "
        + _PASSWORD_RULE,
    )


class AccountChange(_Input):
    """The body of `PATCH /admin/accounts/{name}`: any of the fields; `department: null` clears it."""

    role: RoleName | None = None
    department: str | None = _DEPARTMENT
    disabled: bool | None = Field(None, description="true revokes every token of the account at once.")


class PasswordReset(_Input):
    """The body of `POST /admin/accounts/{name}/password` (may be empty: a password is generated)."""

    password: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_PASSWORD_CHARS,
        description="Leave out for a generated one. " + _PASSWORD_RULE,
    )


class TokenInput(_Input):
    """The body of `POST /admin/accounts/{name}/tokens` (may be empty)."""

    expiresDays: int | None = Field(
        DEFAULT_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, description="Days until it expires; null: never."
    )


class KeyInput(_Input):
    """The body of `POST /admin/keys`."""

    app: str = Field(min_length=1, max_length=MAX_APP_NAME_CHARS, pattern=NO_CONTROL_CHARACTERS)
    contact: str = Field(
        "",
        max_length=MAX_APP_NAME_CHARS,
        pattern=NO_CONTROL_CHARACTERS,
        description="Who to ask about the app.",
    )
    rateLimit: str = Field("1000/hour", min_length=1, max_length=100, examples=["1000/hour", "10 per minute"])


class KeyChange(_Input):
    """The body of `PATCH /admin/keys/{id}`: a new rate limit, or revoked (true) / working again (false)."""

    rateLimit: str | None = Field(None, min_length=1, max_length=100)
    revoked: bool | None = None


class TokensQuery(BaseModel):
    """`GET /admin/tokens`: one account's tokens, only those that still work."""

    account: str | None = Field(None, max_length=63)
    active: Literal["true", "false"] | None = Field(None, description="true: not revoked and not expired.")
    lang: Language | None = None


# answers ----------------------------------------------------------------------------------
class Account(BaseModel):
    """An account as administrators see it (never its password or tokens)."""

    name: str
    role: RoleName
    department: str | None
    disabled: bool
    hasPassword: bool = Field(description="false: it signs in only with tokens an admin creates.")
    createdAt: AwareDatetime
    lastSignInAt: AwareDatetime | None
    lastTokenUseAt: AwareDatetime | None = Field(description="Any of its tokens, to within 5 minutes.")


class AccountList(BaseModel):
    accounts: list[Account]


class CreatedAccount(BaseModel):
    """A new account, and its generated password when none was given (shown this once)."""

    account: Account
    initialPassword: str | None


class ResetPassword(BaseModel):
    """The account after a reset, and the generated password when none was given (shown this once)."""

    account: Account
    password: str | None


class TokenRow(BaseModel):
    """A token's row (never the token)."""

    id: str
    account: str
    kind: Literal["api", "session"] = Field(description="session: made by signing in.")
    createdAt: AwareDatetime
    expiresAt: AwareDatetime | None
    lastUsedAt: AwareDatetime | None
    revoked: bool
    active: bool = Field(description="Not revoked, not expired, its account not disabled.")


class TokenList(BaseModel):
    tokens: list[TokenRow]


class CreatedToken(TokenRow):
    """A new API token: `token` is shown this once."""

    token: str


class CreatedKey(AppKey):
    """A new app key: `key` is shown this once."""

    key: str
