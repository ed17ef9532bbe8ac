"""Attribute titles: an optional kk/ru/en label per attribute, given for every shipped attribute."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from geohub.layers.models import LANGUAGES, Attribute, Text
from geohub.layers.registry import LayerRegistry


def test_a_title_is_parsed_in_three_languages() -> None:
    attribute = Attribute.model_validate(
        {
            "name": "area_m2",
            "type": "number",
            "title": {"kk": "Ауданы, м²", "ru": "Площадь, м²", "en": "Area, m²"},
        }
    )
    assert attribute.title == Text(kk="Ауданы, м²", ru="Площадь, м²", en="Area, m²")
    assert [attribute.label(language) for language in LANGUAGES] == ["Ауданы, м²", "Площадь, м²", "Area, m²"]


def test_a_title_is_optional_and_the_name_stands_in_for_it() -> None:
    attribute = Attribute(name="roof_shape")
    assert attribute.title is None
    assert attribute.label("kk") == attribute.label("en") == "roof_shape"


@pytest.mark.parametrize(
    "title", [{"kk": "Аудан", "ru": "Район"}, {"kk": "", "ru": "Район", "en": "District"}]
)
def test_a_title_needs_all_three_languages(title: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Attribute.model_validate({"name": "district", "title": title})


def test_an_unknown_language_gets_the_english_label() -> None:
    attribute = Attribute(name="district", title=Text(kk="Аудан", ru="Район", en="District"))
    assert attribute.label("de") == "District"


def test_every_attribute_of_every_layer_is_titled_in_kazakh_russian_and_english(
    registry: LayerRegistry,
) -> None:
    untitled = [(layer.id, a.name) for layer in registry for a in layer.attributes if a.title is None]
    assert untitled == []
    for layer in registry:
        for attribute in layer.attributes:
            assert attribute.title is not None
            kk, ru, en = (attribute.title.in_language(language) for language in LANGUAGES)
            assert all(text.strip() == text and text for text in (kk, ru, en)), (layer.id, attribute.name)
            for text in (kk, ru):  # written in Cyrillic, not the English copied
                assert any("\u0400" <= c <= "\u04ff" for c in text), (layer.id, attribute.name, text)
            assert en != attribute.name, (layer.id, attribute.name)  # a label, not the column name again
