"""The password rule (length, variety, not the account's name) and generated one-time passwords.

Passwords are stored only as argon2 hashes (`tokens.hash_password`). A generated password is
shown once, to the administrator who created or reset the account, and never logged.
"""

from __future__ import annotations

import secrets

from geohub.errors import InvalidRequestError
from geohub.messages import tr

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
MIN_DISTINCT_CHARS = 5
# no 0/O, 1/l/I: a generated password is read off a screen and typed once
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP_CHARS = 4, 4


def check_password(password: str, user_name: str | None = None) -> str:
    """The password if it is strong enough; InvalidRequestError saying why not."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidRequestError(
            tr(
                "A password needs {min_password_chars} to {max_password_chars} characters.",
                min_password_chars=MIN_PASSWORD_CHARS,
                max_password_chars=MAX_PASSWORD_CHARS,
            )
        )
    if len(set(password)) < MIN_DISTINCT_CHARS:
        raise InvalidRequestError(
            tr(
                "A password needs at least {min_distinct_chars} different characters.",
                min_distinct_chars=MIN_DISTINCT_CHARS,
            )
        )
    if user_name and user_name.lower() in password.lower():
        raise InvalidRequestError(tr("A password may not contain the user name."))
    return password


def new_password(user_name: str | None = None) -> str:
    """A random one-time password like `x7Kp-3mQa-Zt9e-Hb2w` (about 93 bits) that passes the rule."""
    while True:
        groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_CHARS)) for _ in range(_GROUPS))
        password = "-".join(groups)
        if len(set(password)) >= MIN_DISTINCT_CHARS and not (
            user_name and user_name.lower() in password.lower()
        ):
            return password
