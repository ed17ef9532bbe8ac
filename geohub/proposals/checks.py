"""What keeps a proposed definition from becoming a layer, every problem at once, each a message.

The proposal's JSON is checked field by field first (so each problem names its field and says what
to do in the reader's language), then turned into the real `LayerDefinition`, whose own rules
(the key is required and not restricted, …) are the last word.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from geohub.errors import FieldError
from geohub.layers.models import (
    INTERNAL_COLUMNS,
    LABELS_SUFFIX,
    LANGUAGES,
    SLUG,
    AttributeType,
    GeometryType,
    LayerDefinition,
)
from geohub.messages import Message, tr
from geohub.proposals.inference import attribute_name
from geohub.styles.templates import MINZOOM, PALETTE, TEMPLATE_IDS, TEMPLATES, template_for

FIELDS = (
    "id",
    "title",
    "description",
    "keywords",
    "geometry_type",
    "key",
    "attributes",
    "access",
    "style",
    "license",
    "attribution",
)
ATTRIBUTE_FIELDS = ("name", "column", "title", "type", "required", "restricted", "description")
ACCESS = ("public", "restricted")
# an attribute type and the column types (inferred from the file's values) that can fill it
FITTING_COLUMNS = {
    "string": {"string", "integer", "number", "boolean", "date", "datetime"},
    "integer": {"integer"},
    "number": {"integer", "number"},
    "boolean": {"boolean"},
    "date": {"date", "string"},
    "datetime": {"datetime", "date", "string"},
}
_GEOMETRY_FAMILY = {g: template_for(g).id for g in GeometryType}


@dataclass(frozen=True)
class Context:
    """What a definition is checked against: the file, the department, the ids already taken."""

    department: str
    file: Mapping[str, Any]
    taken_ids: Collection[str]  # layers (seed and approved), reserved words, style and tileset ids
    proposed_ids: Collection[str]  # other open proposals' ids


@dataclass
class Checked:
    """The problems found, and the layer once there are none."""

    errors: list[FieldError] = field(default_factory=list)
    layer: LayerDefinition | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # file column -> attribute, where they differ

    def add(self, where: str, message: Message) -> None:
        if not any(error.field == where for error in self.errors):
            self.errors.append(FieldError(where, message))


def check_definition(definition: Any, context: Context) -> Checked:
    """Every problem of `definition`; when there is none, the LayerDefinition it makes."""
    checked = Checked()
    if not isinstance(definition, dict):
        checked.add("definition", tr("Send the definition as a JSON object."))
        return checked
    for name in sorted(set(definition) - set(FIELDS)):
        checked.add(name, tr("Unknown field: GeoHub does not read it."))
    _check_id(definition.get("id"), context, checked)
    for name in ("title", "description"):
        _check_text(definition.get(name), name, checked)
    _check_keywords(definition.get("keywords", []), checked)
    geometry = _check_geometry(definition.get("geometry_type"), context, checked)
    attributes = _check_attributes(definition.get("attributes"), context, checked)
    _check_key(definition.get("key"), attributes, context, checked)
    _choice(definition.get("access", "public"), "access", ACCESS, checked)
    _check_style(definition.get("style"), geometry, checked)
    _check_license(definition.get("license"), checked)
    if not _filled(definition.get("attribution")):
        checked.add("attribution", tr("Required: say whose data it is (shown under the map)."))
    if not checked.errors:
        _make_layer(definition, attributes, context, checked)
    return checked


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _choice(value: Any, where: str, choices: Collection[str], checked: Checked) -> str | None:
    if value in choices:
        return str(value)
    checked.add(where, tr("Choose one of: {choices}.", choices=", ".join(choices)))
    return None


def _check_id(value: Any, context: Context, checked: Checked) -> None:
    if not _filled(value):
        checked.add("id", tr("Required: the layer's id, as its URLs will show it."))
    elif not SLUG.match(value) or value.endswith(LABELS_SUFFIX):
        checked.add(
            "id",
            tr(
                "Write the id in lowercase Latin letters, digits and _, starting with a letter "
                "(2 to 63 characters, not ending in _labels)."
            ),
        )
    elif value in context.taken_ids:
        checked.add(
            "id", tr("The id '{id}' is taken by a layer, a style or a route; choose another.", id=value)
        )
    elif value in context.proposed_ids:
        checked.add("id", tr("Another open proposal already asks for the id '{id}'.", id=value))


def _check_text(value: Any, where: str, checked: Checked) -> None:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        checked.add(where, tr("Required: write it in Kazakh, Russian and English."))
        return
    for name in sorted(set(value) - set(LANGUAGES)):
        checked.add(f"{where}.{name}", tr("Unknown field: GeoHub does not read it."))
    for language in LANGUAGES:
        if not _filled(value.get(language)):
            checked.add(f"{where}.{language}", tr("Required: write it in Kazakh, Russian and English."))


def _check_keywords(value: Any, checked: Checked) -> None:
    if not isinstance(value, list) or not all(_filled(word) for word in value):
        checked.add("keywords", tr("Give a list of words (it may be empty)."))


def _check_geometry(value: Any, context: Context, checked: Checked) -> GeometryType | None:
    chosen = _choice(value, "geometry_type", [str(g) for g in GeometryType], checked)
    if chosen is None:
        return None
    geometry = GeometryType(chosen)
    found = context.file.get("geometryType")
    if found and _GEOMETRY_FAMILY[GeometryType(found)] != _GEOMETRY_FAMILY[geometry]:
        checked.add("geometry_type", tr("The file holds {found} geometries; choose that type.", found=found))
        return None
    return geometry


def _columns(context: Context) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in context.file.get("columns", [])}


def _inferred_names(context: Context) -> dict[str, str]:
    """Attribute name -> the file column it was made from (as inference named them)."""
    taken: set[str] = set()
    return {attribute_name(name, taken): name for name in _columns(context)}


def _check_attributes(value: Any, context: Context, checked: Checked) -> list[dict[str, Any]]:
    """The attributes that have no problem, each with the file column that fills it."""
    if not isinstance(value, list) or not value:
        checked.add("attributes", tr("Keep at least one attribute."))
        return []
    seen: set[str] = set()
    good = []
    for index, attribute in enumerate(value):
        where = f"attributes.{index}"
        if not isinstance(attribute, dict):
            checked.add(where, tr("Send each attribute as a JSON object."))
            continue
        before = len(checked.errors)
        for name in sorted(set(attribute) - set(ATTRIBUTE_FIELDS)):
            checked.add(f"{where}.{name}", tr("Unknown field: GeoHub does not read it."))
        _check_attribute_name(attribute.get("name"), where, seen, checked)
        column = _check_column(attribute, where, context, checked)
        for flag in ("required", "restricted"):
            if not isinstance(attribute.get(flag, False), bool):
                checked.add(f"{where}.{flag}", tr("Choose true or false."))
        if attribute.get("title") is not None:
            _check_text(attribute["title"], f"{where}.title", checked)
        if not isinstance(attribute.get("description", ""), str):
            checked.add(f"{where}.description", tr("Write it as text."))
        if len(checked.errors) == before:
            good.append({**attribute, "column": column})
    return good


def _check_attribute_name(name: Any, where: str, seen: set[str], checked: Checked) -> None:
    if not isinstance(name, str) or not SLUG.match(name) or name in INTERNAL_COLUMNS:
        checked.add(
            f"{where}.name",
            tr(
                "Write the name in lowercase Latin letters, digits and _, starting with a letter; "
                "not fid, geom or feature_id."
            ),
        )
    elif name in seen:
        checked.add(f"{where}.name", tr("Two attributes are called '{name}'.", name=name))
    else:
        seen.add(name)


def _check_column(attribute: dict[str, Any], where: str, context: Context, checked: Checked) -> str | None:
    """The file column filling the attribute (its `column`, else the one its name came from), checked
    to fit its type and, when required, to have a value in every feature."""
    columns, name, given = _columns(context), attribute.get("name"), attribute.get("column")
    name = name if isinstance(name, str) else None
    column = given if isinstance(given, str) and given else _inferred_names(context).get(name or "")
    if column is None and name in columns:
        column = name
    kind = _choice(attribute.get("type", "string"), f"{where}.type", [str(t) for t in AttributeType], checked)
    if column not in columns:
        checked.add(
            f"{where}.column" if given else f"{where}.name",
            tr("No column of the file fills this attribute."),
        )
        return None
    found = columns[column]
    has_values = found["nulls"] < context.file.get("features", 0)
    if kind is not None and has_values and found["type"] not in FITTING_COLUMNS[kind]:
        checked.add(
            f"{where}.type",
            tr(
                "The column holds values of type {found}; they cannot be stored as {kind}.",
                found=found["type"],
                kind=kind,
            ),
        )
    if attribute.get("required") is True and found["nulls"]:
        checked.add(
            f"{where}.required",
            tr(
                "Features of the file without a value here: {count}; it cannot be required.",
                count=found["nulls"],
            ),
        )
    return str(column)


def _check_key(value: Any, attributes: list[dict[str, Any]], context: Context, checked: Checked) -> None:
    attribute = next((a for a in attributes if a.get("name") == value), None)
    if not _filled(value) or attribute is None:
        checked.add("key", tr("Choose the attribute that identifies each feature."))
        return
    if attribute.get("restricted") or attribute.get("required") is not True:
        checked.add("key", tr("The key must be required and public: it names each feature in every URL."))
        return
    column = _columns(context).get(attribute["column"], {})
    if not column.get("unique"):
        checked.add("key", tr("The key's values must be present and different in every feature of the file."))


def _check_style(value: Any, geometry: GeometryType | None, checked: Checked) -> None:
    if not isinstance(value, dict):
        checked.add("style.template", tr("Choose one of: {choices}.", choices=", ".join(TEMPLATE_IDS)))
        return
    for name in sorted(set(value) - {"template", "colour"}):
        checked.add(f"style.{name}", tr("Unknown field: GeoHub does not read it."))
    template = _choice(value.get("template"), "style.template", TEMPLATE_IDS, checked)
    if template is not None and geometry is not None and template != template_for(geometry).id:
        drawn = next(t for t in TEMPLATES if t.id == template)
        checked.add(
            "style.template",
            tr(
                "The {template} template does not draw {geometry} geometries; use {fitting}.",
                template=drawn.id,
                geometry=str(geometry),
                fitting=template_for(geometry).id,
            ),
        )
    if value.get("colour") not in PALETTE:
        checked.add(
            "style.colour", tr("Choose a colour of the palette: {colours}.", colours=", ".join(PALETTE))
        )


def _check_license(value: Any, checked: Checked) -> None:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        checked.add("license.name", tr("Required: the licence's name and the address of its text."))
        return
    if not _filled(value.get("name")):
        checked.add("license.name", tr("Required: the licence's name and the address of its text."))
    url = value.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        checked.add("license.url", tr("Give a web address starting with https:// or http://."))


def _make_layer(
    definition: dict[str, Any], attributes: list[dict[str, Any]], context: Context, checked: Checked
) -> None:
    """The LayerDefinition itself: its own validators have the last word."""
    data = {
        "id": definition["id"],
        "title": definition["title"],
        "description": definition["description"],
        "keywords": definition.get("keywords", []),
        "department": context.department,
        "license": definition["license"],
        "attribution": definition["attribution"].strip(),
        "geometry_type": definition["geometry_type"],
        "key": definition["key"],
        "attributes": [
            {k: v for k, v in attribute.items() if k != "column" and v is not None}
            for attribute in attributes
        ],
        "access": definition.get("access", "public"),
        "template": definition["style"],
        "zoom": {"min": MINZOOM[definition["style"]["template"]], "max": 22},
    }
    try:
        checked.layer = LayerDefinition.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "definition"
            checked.add(where.replace("template.", "style."), tr("Not valid: {reason}", reason=error["msg"]))
        return
    checked.mapping = {a["column"]: a["name"] for a in attributes if a["column"] != a["name"]}


def field_problems(errors: list[FieldError], language: str) -> list[dict[str, str]]:
    """The errors as the API lists them, in `language`."""
    return [error.to_json(language) for error in errors]
