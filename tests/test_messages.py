"""The error catalogue: every template renders in every language whatever text fills it."""

from __future__ import annotations

import re

import pytest

from geohub.messages import DETAILS, localize_detail

FILLS = ["{", "}", "{name}", "{0}", "%s", "\\1", "'", "almaly"]


@pytest.mark.parametrize("template", list(DETAILS))
def test_every_template_renders_whatever_fills_it(template: str) -> None:
    for fill in FILLS:
        english = re.sub(r"\{\w+\}", fill.replace("\\", "\\\\"), template)
        for language in ("kk", "ru", "en"):
            assert isinstance(localize_detail(english, language), str)


@pytest.mark.parametrize("template", list(DETAILS))
def test_every_translation_uses_only_its_templates_placeholders(template: str) -> None:
    names = set(re.findall(r"\{(\w+)\}", template))
    for language, translation in DETAILS[template].items():
        assert set(re.findall(r"\{(\w+)\}", translation)) <= names, language


def test_a_message_with_json_braces_is_translated() -> None:
    english = 'Give the version to restore as a positive whole number: {"version": 3}.'
    assert localize_detail(english, "ru").endswith('{"version": 3}.')
