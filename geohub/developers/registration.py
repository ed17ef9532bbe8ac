"""Registering an app: its name, a confirmed e-mail (typed twice, never sent anything), the terms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from geohub.auth.keys import MAX_APP_NAME_CHARS, AppKeys
from geohub.auth.tokens import KEY_PREFIX, parse_secret
from geohub.errors import FieldError, InvalidRequestError
from geohub.messages import tr

MAX_EMAIL_CHARS = 200
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")  # a shape check: nothing is sent to it


class AppRegistration(BaseModel):
    """The body of `POST /developers/apps`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    app: str = Field(min_length=1, max_length=MAX_APP_NAME_CHARS, description="The app's name.")
    email: str = Field(
        min_length=3,
        max_length=MAX_EMAIL_CHARS,
        description="Who to contact about the app; never sent anything.",
    )
    emailAgain: str = Field(max_length=MAX_EMAIL_CHARS, description="The same e-mail, typed again.")
    acceptTerms: bool = Field(description="The developer accepts the terms of use (must be true).")


@dataclass(frozen=True)
class RegisteredApp:
    """A new key (its plaintext, shown once) and what it was given."""

    key: str
    key_id: str
    app: str
    rate_limit: str
    created_at: datetime


def check_registration(registration: AppRegistration) -> None:
    """InvalidRequestError naming each field that is wrong: e-mails that differ, terms not accepted."""
    errors = []
    if not registration.app.strip():
        errors.append(FieldError("app", tr("Give the app a name.")))
    email = registration.email.strip()
    if not EMAIL.fullmatch(email):
        errors.append(FieldError("email", tr("This does not look like an e-mail address.")))
    elif registration.emailAgain.strip().lower() != email.lower():
        errors.append(FieldError("emailAgain", tr("The two e-mail addresses differ.")))
    if not registration.acceptTerms:
        errors.append(FieldError("acceptTerms", tr("Accept the terms of use to get a key.")))
    if errors:
        raise InvalidRequestError(tr("The app could not be registered: see the fields."), errors)


def register_app(keys: AppKeys, registration: AppRegistration, rate_limit: str) -> RegisteredApp:
    """A key for the app with the default rate limit; the e-mail is stored as its confirmed contact."""
    check_registration(registration)
    plaintext = keys.create(registration.app, rate_limit=rate_limit, contact=registration.email.strip())
    parsed = parse_secret(plaintext, KEY_PREFIX)
    assert parsed is not None  # create() hands out well-formed keys
    key_id = parsed.id
    stored = keys.get(key_id)
    return RegisteredApp(plaintext, key_id, stored.app, stored.rate_limit, stored.created_at)
