"""The `pages` catalogue: every string of the served templates is in it, translated into kk and ru."""

from __future__ import annotations

import re
from pathlib import Path

import pygeoapi
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, meta

from geohub.pages.catalogue import LOCALE_DIR, catalogue_path, page_translations
from geohub.pages.routes import TEMPLATES_DIR

PYGEOAPI_TEMPLATES = Path(pygeoapi.__file__).parent / "templates"
PYGEOAPI_API = Path(pygeoapi.__file__).parent / "api"
# The templates pygeoapi renders for the pages GeoHub serves (features/routes.py); what they
# extend, include or import is followed from their source.
SERVED_TEMPLATES = (
    "landing_page.html",
    "conformance.html",
    "collections/index.html",
    "collections/collection.html",
    "collections/queryables.html",
    "collections/items/index.html",
    "collections/items/item.html",
    "openapi/swagger.html",
    "openapi/redoc.html",
)
# Written the same in every language
PROPER_NAMES = {"JSON", "JSON-LD", "Swagger UI", "ReDoc"}
LINK_TITLE_COMMENT = "A link title pygeoapi writes in Python"
CYRILLIC = re.compile("[\u0400-\u04ff]")


def _catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _served_template_files() -> set[Path]:
    """Each served template as Jinja finds it (GeoHub's override first), with what it uses."""
    loader = FileSystemLoader([TEMPLATES_DIR, PYGEOAPI_TEMPLATES])
    environment = Environment(loader=loader, extensions=["jinja2.ext.i18n"])
    found: set[Path] = set()
    waiting = list(SERVED_TEMPLATES)
    while waiting:
        name = waiting.pop()
        source, filename, _ = loader.get_source(environment, name)
        if Path(filename) in found:
            continue
        found.add(Path(filename))
        waiting += [n for n in meta.find_referenced_templates(environment.parse(source)) if n]
    return found


def _extracted_msgids() -> set[str]:
    """The strings Babel extracts from the served templates with geohub/locale/pages.cfg."""
    with (LOCALE_DIR / "pages.cfg").open() as cfg:
        method_map, _ = parse_mapping_cfg(cfg)
    assert method_map == [("**.html", "jinja2")]
    msgids: set[str] = set()
    for path in _served_template_files():
        found = extract_from_file("jinja2", str(path), keywords={**DEFAULT_KEYWORDS, "trans": None})
        for _, message, _, _ in found:  # as `pybabel extract -F pages.cfg -k trans` does
            msgids.add(message if isinstance(message, str) else message[0])
    return msgids


def test_served_templates_are_geohubs_overrides_and_pygeoapis_own() -> None:
    files = _served_template_files()
    assert TEMPLATES_DIR / "_base.html" in files  # the page chrome: GeoHub's, not pygeoapi's
    assert PYGEOAPI_TEMPLATES / "_base.html" not in files
    assert PYGEOAPI_TEMPLATES / "landing_page.html" in files


def test_every_string_of_the_served_templates_is_in_the_catalogue() -> None:
    extracted = _extracted_msgids()
    assert "Items in this collection" in extracted
    for language in ("kk", "ru", "en"):
        missing = sorted(extracted - {m.id for m in _catalogue(language) if m.id})
        assert not missing, f"{language}/pages.po lacks {missing}: re-extract (see geohub/locale/pages.cfg)"


def test_catalogue_holds_no_string_the_pages_no_longer_show() -> None:
    extracted = _extracted_msgids()
    api_source = "".join(path.read_text() for path in PYGEOAPI_API.glob("*.py"))
    for message in _catalogue("en"):
        if not message.id or message.id in extracted:
            continue
        assert any(LINK_TITLE_COMMENT in comment for comment in message.auto_comments), message.id
        assert f"'{message.id}'" in api_source, f"pygeoapi no longer writes the link title {message.id!r}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_has_a_translation(language: str) -> None:
    catalogue = _catalogue(language)
    english = {m.id for m in _catalogue("en") if m.id}
    assert {m.id for m in catalogue if m.id} == english
    for message in catalogue:
        if not message.id:
            continue
        assert message.string, f"{language}: no translation of {message.id!r}"
        assert not message.fuzzy, f"{language}: fuzzy translation of {message.id!r}"
        assert message.string in PROPER_NAMES or CYRILLIC.search(str(message.string)), (
            f"{language}: {message.id!r} is left in English: {message.string!r}"
        )
    assert not [(m.id, errors) for m, errors in catalogue.check()]  # same placeholders as the msgid


def test_english_catalogue_is_its_own_msgids() -> None:
    assert all(m.string == m.id and not m.fuzzy for m in _catalogue("en") if m.id)


@pytest.mark.parametrize(
    "language,expected",
    [("kk", "Жинақтағы нысандар саны"), ("ru", "Объектов в коллекции"), ("en", "Items in this collection")],
)
def test_translations_are_read_from_the_po_file(language: str, expected: str) -> None:
    assert page_translations(language).gettext("Items in this collection") == expected
