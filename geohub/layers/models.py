"""Layer and Department models: what a definition file in `layers/` may say."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
RESERVED_IDS = frozenset(
    {
        "api",
        "tiles",
        "styles",
        "admin",
        "health",
        "healthz",
        "readyz",
        "collections",
        "conformance",
        "openapi",
        "static",
        "fonts",
        "sprites",
        "reports",
        "routing",
        "auth",
    }
)
INTERNAL_COLUMNS = frozenset({"fid", "geom", "feature_id"})
LABELS_SUFFIX = "_labels"  # `<id>_labels`: the MVT layer of a layer's label points
LANGUAGES = ("kk", "ru", "en")


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo in a definition stops start-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Kazakh, Russian and English."""

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def in_language(self, language: str) -> str:
        """The text in `language`, English when that language is unknown."""
        return getattr(self, language) if language in LANGUAGES else self.en


class Department(Strict):
    """A city department that owns layers."""

    id: str
    name: Text

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be a snake_case slug")
        return value


class AttributeType(StrEnum):
    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"


class GeometryType(StrEnum):
    point = "Point"
    multipoint = "MultiPoint"
    linestring = "LineString"
    multilinestring = "MultiLineString"
    polygon = "Polygon"
    multipolygon = "MultiPolygon"


class Attribute(Strict):
    """One attribute of a layer's schema."""

    name: str
    title: Text | None = Field(None, description="Its label in kk/ru/en, as forms and details cards show it.")
    type: AttributeType = AttributeType.string
    required: bool = False
    allowed_values: tuple[str | int | float, ...] | None = None
    description: str = ""
    restricted: bool = False
    minzoom: int = Field(0, ge=0, le=24, description="Lowest zoom whose tiles carry it.")
    indexed: bool = Field(False, description="Keep an index on it: for attributes people filter by.")

    @field_validator("name")
    @classmethod
    def _column_name(cls, value: str) -> str:
        if not SLUG.match(value) or value in INTERNAL_COLUMNS:
            raise ValueError(f"'{value}' must be a snake_case name and not one of {sorted(INTERNAL_COLUMNS)}")
        return value

    def label(self, language: str) -> str:
        """Its title in `language`, or its name when it has no title."""
        return self.title.in_language(language) if self.title else self.name


class TileRule(Strict):
    """Below `below_zoom`, tiles carry only the features whose `attribute` is one of `values`."""

    below_zoom: int = Field(ge=1, le=24)
    attribute: str
    values: tuple[str, ...] = Field(min_length=1)


class License(Strict):
    name: str
    url: str

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):  # pages link to it: no javascript:
            raise ValueError(f"'{value}' must be an http(s) URL")
        return value


SOURCE_KINDS = ("file", "url", "oapif", "wfs", "postgresql", "osm")


class Source(Strict):
    """Where a layer's features come from, how its fields map, and its CRS.

    kind `file`: `path` (relative to the data folder, or absolute), any format GDAL reads
    (GeoPackage, GeoJSON, zipped Shapefile, CSV with lon/lat or WKT columns, KML).
    kind `url`: a file at `url` (http/https), fetched and read like a file.
    kind `oapif` / `wfs`: an OGC API – Features or WFS endpoint at `url`, collection or type `layer`.
    kind `postgresql`: table or view `layer` (or `sql`) in the database at `url`; `env:NAME` takes
    the connection string from the environment variable NAME, so no password sits in a definition.
    kind `osm`: one layer of the OpenStreetMap build (`geohub etl import-osm`), `path` names the
    GeoPackage the build writes (as data/almaty/build.sh does).
    """

    kind: Literal["file", "url", "oapif", "wfs", "postgresql", "osm"] = "file"
    path: Path | None = Field(None, description="Relative to the data folder, or absolute.")
    url: str | None = Field(None, description="URL, endpoint or connection string (`env:NAME` allowed).")
    layer: str | None = None
    sql: str | None = Field(None, description="SQLite-dialect SQL run by GDAL over the file.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="Layer attribute -> source field, when names differ."
    )
    crs: str | None = Field(
        None,
        description="Source CRS when the data does not say (or says wrongly): EPSG:32643, a PROJ string…",
    )
    derive: tuple[Literal["area_m2", "district"], ...] = ()
    schedule: str | None = Field(None, description="Cron expression for scheduled syncs.")
    repair_geometry: bool = Field(
        True, description="Repair invalid geometries (make_valid) instead of rejecting them."
    )
    on_invalid: Literal["reject", "skip"] = Field(
        "reject", description="A sync with invalid rows: refuse it (reject) or publish the valid rows (skip)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        if self.layer and self.sql:
            raise ValueError("give either layer or sql, not both")
        if self.kind in ("file", "osm") and self.path is None:
            raise ValueError(f"a {self.kind} source needs a path")
        if self.kind in ("url", "oapif", "wfs", "postgresql") and not self.url:
            raise ValueError(f"a {self.kind} source needs a url")
        if self.kind in ("oapif", "wfs") and not self.layer:
            raise ValueError(f"a {self.kind} source needs the layer (collection or feature type) to read")
        if self.crs is not None:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                CRS.from_user_input(self.crs)
            except CRSError as exc:
                raise ValueError(f"crs '{self.crs}' is not a CRS pyproj knows: {exc}") from None
        if self.schedule is not None and len(self.schedule.split()) != 5:
            raise ValueError("schedule must be a five-field cron expression, like '0 3 * * *'")
        return self

    @property
    def label(self) -> str:
        """A short human name of the source: the file name, or the URL without credentials."""
        if self.path is not None:
            return self.path.name
        url = self.url or ""
        if url.startswith("env:"):
            return f"{self.kind} ({url})"
        if "@" in url:
            url = url.split("://", 1)[0] + "://…@" + url.rsplit("@", 1)[1]
        return f"{url} {self.layer or ''}".strip()


class Zoom(Strict):
    min: int = Field(0, ge=0, le=24)
    max: int = Field(22, ge=0, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> Zoom:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class TemplateStyle(Strict):
    """A layer drawn by a style template (geohub/styles/templates.py) rather than a style file."""

    template: Literal["points", "lines", "areas"]
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$", description="One of the templates' palette colours.")


class LayerDefinition(Strict):
    """A published layer: metadata, schema, key, access, style and ETL source."""

    id: str
    title: Text
    description: Text
    keywords: tuple[str, ...] = ()
    department: str
    group: Literal["thematic", "basemap"] = "thematic"
    license: License
    attribution: str = Field(min_length=1)
    geometry_type: GeometryType
    key: str = Field(description="Attribute that identifies a feature across updates.")
    temporal: str | None = Field(None, description="Date or datetime attribute `datetime` filters.")
    attributes: tuple[Attribute, ...] = Field(min_length=1)
    zoom: Zoom = Field(default_factory=Zoom)
    tile_rules: tuple[TileRule, ...] = Field(
        (), description="Feature rules per zoom: what low-zoom tiles leave out."
    )
    labels: tuple[str, ...] = Field(
        (),
        description="Polygon layers: the attributes of its label points, the MVT layer `<id>_labels` "
        "beside it holding one point per feature that has any of them (the centre of its largest "
        "inscribed circle), in one tile per zoom, so a name is drawn once, not in every tile the polygon "
        "touches. Empty: no label points.",
    )
    access: Literal["public", "restricted"] = "public"
    style: str | None = Field(None, description="Style id in styles/, when it has one.")
    template: TemplateStyle | None = Field(
        None,
        description="Drawn by a style template in a palette colour: the layer gets its own style "
        "`/styles/<id>.json` and a place in the `city` style (layers added as a service have one).",
    )
    stand_in: str | None = Field(
        None, description="Set when real data for the theme is missing: what stands in for it."
    )
    source: Source | None = None
    service: Literal["reports"] | None = Field(
        None,
        description="A GeoHub service publishes this layer from its own records (`reports`: the citizen "
        "reports); uploads, edits and syncs of it are refused. Its id is the service's name.",
    )

    @field_validator("id")
    @classmethod
    def _layer_slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be a snake_case slug (a-z, 0-9, _)")
        if value.endswith(LABELS_SUFFIX):
            raise ValueError(f"must not end in '{LABELS_SUFFIX}' (the name of a layer's label points)")
        return value

    @model_validator(mode="after")
    def _free_id(self) -> LayerDefinition:
        """A reserved route word names no layer, but a service's own layer is called as the service
        (the `reports` collection is the public face of /reports)."""
        if self.id in RESERVED_IDS and self.service != self.id:
            raise ValueError(f"id: '{self.id}' is a reserved route word")
        if self.service is not None and (self.service != self.id or self.source is not None):
            raise ValueError(
                f"the {self.service} service's layer must be called '{self.service}' and have no source"
            )
        return self

    @model_validator(mode="after")
    def _consistent_schema(self) -> LayerDefinition:
        names = [a.name for a in self.attributes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"attributes named twice: {', '.join(duplicates)}")
        key = self.attribute(self.key)
        if key is None:
            raise ValueError(f"key '{self.key}' is not one of the attributes")
        if not key.required or key.restricted:
            raise ValueError(f"key '{self.key}' must be required and not restricted")
        for rule in self.tile_rules:
            if self.attribute(rule.attribute) is None:
                raise ValueError(f"tile rule attribute '{rule.attribute}' is not one of the attributes")
        if self.temporal is not None:
            temporal = self.attribute(self.temporal)
            if temporal is None or temporal.type not in (AttributeType.date, AttributeType.datetime):
                raise ValueError(f"temporal '{self.temporal}' must name a date or datetime attribute")
        return self

    @model_validator(mode="after")
    def _label_points(self) -> LayerDefinition:
        for name in self.labels:
            if self.attribute(name) is None:
                raise ValueError(f"label attribute '{name}' is not one of the attributes")
        if self.labels and self.geometry_type not in (GeometryType.polygon, GeometryType.multipolygon):
            raise ValueError("labels: only polygon layers have label points")
        return self

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called `name`, if the schema has one."""
        return next((a for a in self.attributes if a.name == name), None)

    @property
    def label_layer(self) -> str | None:
        """The name of its label-point MVT layer, when it has one."""
        return f"{self.id}{LABELS_SUFFIX}" if self.labels else None

    @property
    def is_public(self) -> bool:
        return self.access == "public"

    def public_attributes(self) -> tuple[Attribute, ...]:
        """Attributes an anonymous reader may see."""
        return tuple(a for a in self.attributes if not a.restricted)


def layer_of(mvt_layer: str) -> str:
    """The id of the layer an MVT layer draws: `districts` for `districts` and `districts_labels`."""
    return mvt_layer.removesuffix(LABELS_SUFFIX)
