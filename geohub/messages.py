"""Translatable messages: an English msgid with parameters, rendered in kk, ru or en on demand.

Code never writes a user-facing sentence as a finished string. It writes
`tr("There is no layer '{layer}'.", layer=layer_id)`: a `Message` that keeps the msgid (the
English template, as gettext does) apart from its parameters. The text is made when the
answer is written, in the language the client asked for, from the gettext catalogues in
`geohub/locale/<lang>/LC_MESSAGES/messages.po` (`pybabel extract -F geohub/locale/messages.cfg
-k tr -k N_` finds every msgid). Numbers and dates among the parameters are formatted the
way the language writes them.

With STRICT_GEOHUB_MESSAGES set (the test suite sets it), rendering a message also renders it
in every language and raises `MissingTranslation` when one has no translation, so every error
path a test runs is checked in kk, ru and en.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("kk", "ru", "en")
STRICT_VARIABLE = "STRICT_GEOHUB_MESSAGES"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class MissingTranslation(LookupError):
    """A msgid the kk or ru catalogue does not translate (raised only in strict mode)."""


@dataclass(frozen=True, init=False)
class Message:
    """A msgid and the values its {placeholders} take; equal messages hash alike."""

    msgid: str
    _params: tuple[tuple[str, Any], ...]

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "msgid", msgid)
        object.__setattr__(self, "_params", tuple(sorted((params or {}).items())))

    @property
    def params(self) -> dict[str, Any]:
        """The values of the placeholders."""
        return dict(self._params)

    def render(self, language: str) -> str:
        """The message in `language`; English when the language or the msgid is unknown."""
        return fill(translate(self.msgid, language), self.params, language)

    def to_json(self) -> dict[str, Any]:
        """The message as stored in a report, to be rendered again in any language."""
        return {"msgid": self.msgid, "params": {k: _storable(v) for k, v in self._params}}

    def __str__(self) -> str:
        return self.render("en")


@dataclass(frozen=True, init=False)
class Listing:
    """Several messages shown as one parameter, separated by semicolons."""

    items: tuple[Message, ...]

    def __init__(self, items: Sequence[Message]) -> None:
        object.__setattr__(self, "items", tuple(items))

    def render(self, language: str) -> str:
        """Each item in `language`, joined by '; '."""
        return "; ".join(item.render(language) for item in self.items)


def tr(msgid: str, /, **params: Any) -> Message:
    """Mark `msgid` for translation and bind its parameters."""
    return Message(msgid, params)


def N_(msgid: str) -> str:
    """Mark a constant (an error title) for extraction; it is translated where it is shown."""
    return msgid


def render(text: str | Message, language: str) -> str:
    """Text as it is (already made) or a Message rendered in `language`."""
    return text.render(language) if isinstance(text, Message) else text


def from_json(stored: Any) -> Message | None:
    """A Message stored by `Message.to_json`, None for anything else."""
    if isinstance(stored, dict) and set(stored) == {"msgid", "params"} and isinstance(stored["msgid"], str):
        params = stored["params"] if isinstance(stored["params"], dict) else {}
        return Message(stored["msgid"], {k: _param_from_json(v) for k, v in params.items()})
    return None


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"date"} and isinstance(value["date"], str):
        return date.fromisoformat(value["date"])  # a day, shown in the reader's language
    if isinstance(value, list) and value and all(from_json(v) is not None for v in value):
        return Listing([m for m in map(from_json, value) if m is not None])
    return from_json(value) or value


def known_message(value: Any) -> Message:
    """A Message from another process (the upload reader): only a msgid GeoHub itself has."""
    message = from_json(value)
    if message is None or message.msgid not in _catalogue("en"):
        return tr("The file cannot be read.")
    return message


def encoded(message: Message) -> str:
    """A message as one line of text for a database column (JSON), rendered again by `decoded`."""
    return json.dumps(message.to_json(), ensure_ascii=False)


def decoded(text: str, language: str) -> str:
    """What `encoded` wrote, in `language`; any other text (an older record) as it is."""
    if text.startswith("{"):
        try:
            message = from_json(json.loads(text))
        except ValueError:
            message = None
        if message is not None:
            return message.render(language)
    return text


def stored(value: Any) -> Any:
    """`value` with every Message in it (nested in lists and dicts) in its stored JSON form."""
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, dict):
        return {k: stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [stored(v) for v in value]
    return value


def localized(value: Any, language: str) -> Any:
    """`value` (as `stored` made it) with every stored or live Message rendered in `language`."""
    if isinstance(value, Message):
        return value.render(language)
    message = from_json(value)
    if message is not None:
        return message.render(language)
    if isinstance(value, dict):
        return {k: localized(v, language) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localized(v, language) for v in value]
    return value


def translate(msgid: str, language: str) -> str:
    """The catalogue's translation of `msgid`, the msgid itself when there is none."""
    if os.environ.get(STRICT_VARIABLE):
        check_translated(msgid)
    return _catalogue(language).get(msgid) or msgid


def fill(template: str, params: Mapping[str, Any], language: str) -> str:
    """`template` with each {name} replaced by its value formatted for `language`.

    Other braces (a JSON example in a message) and names without a value are left as written.
    """
    locale = language if language in LANGUAGES else "en"

    def value(match: re.Match[str]) -> str:
        name = match[1]
        return _format(params[name], locale) if name in params else match[0]

    return _PLACEHOLDER.sub(value, template)


def check_translated(msgid: str) -> None:
    """Raise MissingTranslation unless kk and ru translate `msgid` with the same placeholders."""
    wanted = set(_PLACEHOLDER.findall(msgid))
    for language in ("kk", "ru"):
        translation = _catalogue(language).get(msgid)
        if not translation:
            raise MissingTranslation(f"no {language} translation for {msgid!r}")
        if set(_PLACEHOLDER.findall(translation)) != wanted:
            raise MissingTranslation(f"the {language} translation of {msgid!r} has other placeholders")


def catalogue(language: str) -> dict[str, str]:
    """msgid → translation for `language` (a copy; empty for a language GeoHub does not speak)."""
    return dict(_catalogue(language))


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.is_file():
        return {}
    with path.open("rb") as po:
        parsed = read_po(po, locale=language, domain="messages")
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string and not m.fuzzy}


def _format(value: Any, locale: str) -> str:
    if isinstance(value, Message | Listing):
        return value.render(locale)
    if isinstance(value, bool) or not isinstance(value, int | float | datetime | date):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value, format="medium", locale=locale)
    if isinstance(value, date):
        return format_date(value, format="medium", locale=locale)
    return format_decimal(value, locale=locale)


def _storable(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, Listing):
        return [item.to_json() for item in value.items]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    return str(value)
