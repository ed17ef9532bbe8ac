"""How every `geohub` command reports a failure: one line on stderr, exit status 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError

from geohub.errors import ConfigurationError, GeoHubError
from geohub.settings import describe_settings_error

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
            fail(error.detail)

    return wrapper  # type: ignore[return-value]


def fail(message: str) -> NoReturn:
    click.echo(f"geohub: error: {message}", err=True)
    sys.exit(2)
