"""The answers of the developers' JSON endpoints, as pydantic models for /openapi."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class RegisteredAppKey(_Model):
    """A new app key, shown once: keep it."""

    key: str = Field(description="`ghk_<id>_<secret>`: use as `?key=` or in the `X-API-Key` header.")
    keyId: str
    app: str
    rateLimit: str = Field(description="As `limits` writes it: `1000/hour`.")
    rateLimitText: str = Field(description="The limit in words, in the request's language.")
    createdAt: AwareDatetime


class DayUsage(_Model):
    day: str = Field(description="A UTC day, `2026-12-07`.")
    requests: int


class AppKeyUsage(_Model):
    """A key's requests per day, the last 30 UTC days, oldest first."""

    keyId: str
    app: str
    rateLimit: str
    rateLimitText: str
    today: int
    total: int = Field(description="Requests in the 30 days.")
    days: list[DayUsage]
