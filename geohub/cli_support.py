"""What every `geohub` command shares: its services for one run, and failures as one line on
stderr with exit status 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError

from geohub.errors import ConfigurationError, GeoHubError
from geohub.i18n import DEFAULT_LANGUAGE
from geohub.layers.models import LANGUAGES
from geohub.services import Services
from geohub.settings import describe_settings_error, load_settings

Command = TypeVar("Command", bound=Callable[..., Any])


def reports_errors(command: Command) -> Command:
    """Turn configuration, settings and GeoHub errors into one line on stderr and exit 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ValidationError as error:
            fail(describe_settings_error(error))
        except (ConfigurationError, ValueError, FileNotFoundError) as error:
            fail(str(error))
        except GeoHubError as error:
            fail(error.message.render(cli_language()))

    return wrapper  # type: ignore[return-value]


def cli_language() -> str:
    """The operator's language from the locale environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
    kk or ru when it names one, else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            language = value[:2].lower()
            return language if language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def fail(message: str) -> NoReturn:
    click.echo(f"geohub: error: {message}", err=True)
    sys.exit(2)


@contextmanager
def opened_services() -> Iterator[Services]:
    """Services for one command with the live layers (the seed and the approved ones), closed at
    the end (a PostgreSQL pool must not outlive it)."""
    services = Services.from_settings(load_settings())
    try:
        services.load_live_layers()
        yield services
    finally:
        services.close()
