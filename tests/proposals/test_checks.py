"""Every problem a proposed definition can have is found, all at once, with its field and a message
in Kazakh, Russian and English; a definition without problems is a real LayerDefinition."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from geohub.layers.models import Department, LayerDefinition, Text
from geohub.proposals.checks import Context, check_definition
from geohub.proposals.inference import file_summary, geometry_type, suggested_definition
from geohub.sources.read import read_upload
from tests.proposals.conftest import TITLES
from tests.proposals.files import geojson_file

DEPARTMENT = Department(id="natural_resources", name=Text(kk="Табиғат", ru="Природа", en="Nature"))
Change = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def proposed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    path = geojson_file(tmp_path_factory.mktemp("checks"))
    data = read_upload(path, filename=path.name)
    geometry = geometry_type(data, path.name)
    summary = {**file_summary(data, path.name), "geometryType": str(geometry)}
    return summary, {**suggested_definition(summary, geometry, DEPARTMENT), **TITLES}


def _check(proposed: tuple[dict[str, Any], dict[str, Any]], change: Change | None = None) -> Any:
    summary, definition = proposed
    definition = copy.deepcopy(definition)
    if change is not None:
        change(definition)
    context = Context(
        "natural_resources", summary, taken_ids={"cadastre", "city", "api"}, proposed_ids={"trees"}
    )
    return check_definition(definition, context)


def _set(path: str, value: Any) -> Change:
    def change(definition: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = definition
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _attribute(which: str, /, **values: Any) -> Change:
    def change(definition: dict[str, Any]) -> None:
        attribute = next(a for a in definition["attributes"] if a["name"] == which)
        attribute.update(values)

    return change


CASES: dict[str, tuple[Change, str]] = {
    "no id": (_set("id", ""), "id"),
    "id not a slug": (_set("id", "Street Trees"), "id"),
    "id of label points": (_set("id", "trees_labels"), "id"),
    "id of a layer": (_set("id", "cadastre"), "id"),
    "id of the city style": (_set("id", "city"), "id"),
    "id of a route": (_set("id", "api"), "id"),
    "id of an open proposal": (_set("id", "trees"), "id"),
    "title without Kazakh": (_set("title.kk", " "), "title.kk"),
    "description without Russian": (_set("description.ru", ""), "description.ru"),
    "title not an object": (_set("title", "Trees"), "title"),
    "keywords not a list": (_set("keywords", "trees"), "keywords"),
    "unknown geometry type": (_set("geometry_type", "Circle"), "geometry_type"),
    "geometry type not the file's": (_set("geometry_type", "Polygon"), "geometry_type"),
    "no attributes": (_set("attributes", []), "attributes"),
    "attribute name not a slug": (_attribute("species", name="Species"), "attributes.1.name"),
    "attribute named twice": (_attribute("species", name="planted", column="Species"), "attributes.3.name"),
    "attribute of no column": (_attribute("species", column="species_name"), "attributes.1.column"),
    "text column as integer": (_attribute("species", type="integer"), "attributes.1.type"),
    "unknown attribute type": (_attribute("species", type="colour"), "attributes.1.type"),
    "required yet empty in the file": (_attribute("inspector_note", required=True), "attributes.4.required"),
    "restricted not a flag": (_attribute("species", restricted="yes"), "attributes.1.restricted"),
    "attribute title without Russian": (
        _attribute("species", title={"kk": "Түрі", "ru": "", "en": "Species"}),
        "attributes.1.title.ru",
    ),
    "no key": (_set("key", None), "key"),
    "key not unique": (_set("key", "species"), "key"),
    "key restricted": (_attribute("tree_id", restricted=True), "key"),
    "unknown access": (_set("access", "secret"), "access"),
    "unknown template": (_set("style.template", "heatmap"), "style.template"),
    "template of another geometry": (_set("style.template", "areas"), "style.template"),
    "colour off the palette": (_set("style.colour", "#ffff00"), "style.colour"),
    "licence without a name": (_set("license.name", ""), "license.name"),
    "licence address not a web one": (_set("license.url", "javascript:alert(1)"), "license.url"),
    "no attribution": (_set("attribution", " "), "attribution"),
    "unknown field": (_set("colour", "#1b7837"), "colour"),
}


def test_the_completed_suggestion_is_a_layer(proposed: tuple[dict[str, Any], dict[str, Any]]) -> None:
    checked = _check(proposed)
    assert checked.errors == []
    assert isinstance(checked.layer, LayerDefinition)
    assert checked.layer.department == "natural_resources"
    assert checked.layer.template is not None and checked.layer.template.template == "points"
    assert checked.mapping == {"Species": "species"}
    assert checked.layer.zoom.min == 12  # points: no city-wide specks in low-zoom tiles


@pytest.mark.parametrize("case", CASES)
def test_each_problem_names_its_field(case: str, proposed: tuple[dict[str, Any], dict[str, Any]]) -> None:
    change, field = CASES[case]
    checked = _check(proposed, change)
    assert field in [error.field for error in checked.errors]
    assert checked.layer is None
    error = next(e for e in checked.errors if e.field == field)
    texts = {language: error.to_json(language)["message"] for language in ("kk", "ru", "en")}
    assert len(set(texts.values())) == 3, texts  # written in each language


def test_every_problem_is_found_at_once(proposed: tuple[dict[str, Any], dict[str, Any]]) -> None:
    def many(definition: dict[str, Any]) -> None:
        _set("id", "Bad Id")(definition)
        _set("title.kk", "")(definition)
        _set("style.colour", "#000001")(definition)
        _set("license.url", "ftp://x")(definition)

    fields = {error.field for error in _check(proposed, many).errors}
    assert {"id", "title.kk", "style.colour", "license.url"} <= fields


def test_a_definition_that_is_no_object_is_one_problem() -> None:
    context = Context("natural_resources", {}, taken_ids=set(), proposed_ids=set())
    assert [e.field for e in check_definition(["id"], context).errors] == ["definition"]


def test_an_empty_object_lists_every_required_field() -> None:
    context = Context("natural_resources", {"columns": []}, taken_ids=set(), proposed_ids=set())
    fields = {e.field for e in check_definition({}, context).errors}
    assert {
        "id",
        "title.kk",
        "title.ru",
        "title.en",
        "description.en",
        "geometry_type",
        "attributes",
        "key",
    } <= fields
    assert {"style.template", "license.name", "license.url", "attribution"} <= fields


GARBAGE = [None, 7, 1.5, True, "x", [], ["x", 1], {}, {"kk": 1}, [{"name": []}]]


@pytest.mark.parametrize("value", GARBAGE, ids=repr)
def test_any_json_in_any_field_is_a_problem_never_a_crash(
    value: Any, proposed: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    summary, definition = proposed
    fields = [*definition, "style.template", "style.colour", "license.url", "title.kk"]
    attribute_fields = ["name", "column", "title", "type", "required", "restricted", "description"]
    changes = [_set(field, value) for field in fields]
    changes += [_attribute("species", **{field: value}) for field in attribute_fields]
    for change in changes:
        checked = _check(proposed, change)
        assert (checked.layer is None) == bool(checked.errors)
    context = Context("natural_resources", summary, taken_ids=set(), proposed_ids=set())
    assert check_definition({"attributes": [value], "key": value, "style": value}, context).errors
