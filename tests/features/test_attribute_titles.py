"""Attribute titles reach people: the queryables, the schemas and the HTML item pages label each
property in the reader's language (kk, ru, en); descriptions, names and CSV headers stay as they are."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask.testing import FlaskClient

from geohub.features.provider import attribute_schema
from geohub.layers.models import Attribute
from geohub.layers.registry import LayerRegistry

LABELS = {  # cadastre: land_use, area_m2, district
    "kk": ("Жер пайдалану түрі", "Ауданы, м²", "Аудан"),
    "ru": ("Вид землепользования", "Площадь, м²", "Район"),
    "en": ("Land use", "Area, m²", "District"),
}


def _titles(document: dict[str, object], *names: str) -> tuple[str, ...]:
    properties = document["properties"]
    assert isinstance(properties, dict)
    return tuple(properties[name]["title"] for name in names)


@pytest.mark.parametrize("language", sorted(LABELS))
@pytest.mark.parametrize("path", ["/queryables", "/schema"])
def test_queryables_and_schema_title_each_property_in_the_asked_language(
    client: FlaskClient, path: str, language: str
) -> None:
    answer = client.get(f"/collections/cadastre{path}?lang={language}")
    assert answer.status_code == 200
    assert answer.headers["Content-Language"] == language
    document = answer.get_json()
    assert _titles(document, "land_use", "area_m2", "district") == LABELS[language]
    land_use = document["properties"]["land_use"]
    assert land_use["description"] == "Land use class (first of OSM landuse/leisure/amenity)"  # stays English
    assert "title" not in document["properties"]["geometry"]


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_geojson_schema_follows_accept_language(client: FlaskClient, language: str) -> None:
    document = client.get(
        "/collections/cadastre/schema/geojson", headers={"Accept-Language": language}
    ).get_json()
    inside = document["properties"]["properties"]
    assert _titles(inside, "land_use", "area_m2", "district") == LABELS[language]


def test_every_queryable_has_its_attributes_title(client: FlaskClient, registry: LayerRegistry) -> None:
    layer = registry.get("roads")
    document = client.get("/collections/roads/queryables?lang=ru").get_json()
    for attribute in layer.public_attributes():
        assert attribute.title is not None
        assert document["properties"][attribute.name]["title"] == attribute.title.ru


def test_an_attribute_without_title_is_titled_with_its_name() -> None:
    attribute = Attribute(name="roof_shape", description="Roof shape as tagged")
    assert attribute_schema(attribute, "kk") == {
        "type": "string",
        "title": "roof_shape",
        "description": "Roof shape as tagged",
    }


def test_csv_headers_and_filters_keep_the_attribute_names(client: FlaskClient) -> None:
    answer = client.get("/collections/cadastre/items?f=csv&limit=2&lang=kk&filter=district IS NOT NULL")
    assert answer.status_code == 200
    header = next(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert {"land_use", "area_m2", "district"} <= set(header)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_item_page_labels_properties_with_the_name_beside(client: FlaskClient, language: str) -> None:
    feature = client.get("/collections/cadastre/items?limit=1").get_json()["features"][0]
    page = client.get(f"/collections/cadastre/items/{feature['id']}?f=html&lang={language}")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    land_use, area, _ = LABELS[language]
    assert f"{land_use} land_use" in text
    assert f"{area} area_m2" in text


@pytest.mark.parametrize("path", ["/items?f=html&limit=3", "/queryables?f=html"])
def test_the_items_table_and_the_queryables_page_label_properties(client: FlaskClient, path: str) -> None:
    page = client.get(f"/collections/cadastre{path}&lang=ru")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "Вид землепользования" in text and "land_use" in text
    assert "Район" in text
