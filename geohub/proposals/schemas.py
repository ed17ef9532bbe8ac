"""The bodies of the layer proposals API, as pydantic models for /openapi (wire names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geohub.openapi.models import FieldProblem

ProposalStatus = Literal["draft", "submitted", "approved", "rejected", "withdrawn"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Texts(_Model):
    kk: str
    ru: str
    en: str


class LayerTemplate(_Model):
    id: Literal["points", "lines", "areas"]
    geometryTypes: list[str]
    title: Texts


class LayerTemplates(_Model):
    """The style templates and palette colours a new layer may use."""

    templates: list[LayerTemplate]
    colours: list[str] = Field(description="Hex colours keeping a 3:1 contrast with the basemap's ground.")


class ProposedAttribute(_Model):
    name: str
    column: str | None = Field(None, description="The file column that fills it (default: its name).")
    title: Texts | None = None
    type: Literal["string", "integer", "number", "boolean", "date", "datetime"] = "string"
    required: bool = False
    restricted: bool = Field(False, description="Hidden from anonymous readers.")
    description: str = ""


class ProposedStyle(_Model):
    template: Literal["points", "lines", "areas"]
    colour: str


class ProposedLicense(_Model):
    name: str
    url: str


class ProposedDefinition(_Model):
    """A proposed layer: what a file in layers/ would say, without department and source."""

    id: str
    title: Texts
    description: Texts
    keywords: list[str] = []
    geometry_type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    key: str | None
    attributes: list[ProposedAttribute]
    access: Literal["public", "restricted"] = "public"
    style: ProposedStyle
    license: ProposedLicense
    attribution: str


class FileColumn(_Model):
    name: str
    type: str
    nulls: int
    unique: bool
    samples: list[Any]


class ProposalFile(_Model):
    name: str
    features: int
    bbox: list[float] | None
    geometryType: str
    columns: list[FileColumn]


class Proposal(_Model):
    """A layer proposal and what still keeps it from being submitted (`problems`)."""

    id: int
    status: ProposalStatus
    department: str
    proposedBy: str
    created: str
    updated: str
    decidedBy: str | None
    decided: str | None
    reason: str | None
    layer: str | None = Field(description="The layer it became, once approved.")
    definition: ProposedDefinition
    file: ProposalFile
    problems: list[FieldProblem]


class ProposalList(_Model):
    proposals: list[Proposal]


class ProposalUpload(_Model):
    """The multipart form of `POST /layer-proposals`."""

    file: bytes = Field(description="The file: GeoPackage, GeoJSON, zipped Shapefile, KML or CSV.")
    crs: str | None = Field(None, description="The file's CRS when it does not say.")
    layer: str | None = Field(None, description="The layer inside a file holding several.")
    department: str | None = Field(None, description="Admins: the department the layer is for.")


class DefinitionUpdate(_Model):
    definition: ProposedDefinition


class Rejection(_Model):
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the department.")


class ProposalsQuery(_Model):
    status: ProposalStatus | None = None
