"""The bodies and query parameters of GeoHub's own routes, as pydantic models for /openapi.

Field names are the wire names (camelCase where the API writes camelCase). These models describe
what the handlers read and write; the handlers keep their own checks (a bad value is a 400
problem+json either way). Nothing here imports a GeoHub package, so any routes module may use them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Language = Literal["kk", "ru", "en"]
ImportStatus = Literal[
    "running",
    "dry_run",
    "validated",
    "published",
    "no_changes",
    "rejected",
    "superseded",
    "failed",
    "interrupted",
]  # publishing/imports.py STATUSES (a test keeps the two equal)
OnInvalid = Literal["ask", "reject", "skip"]
ImportMode = Literal["replace", "upsert", "append", "delete"]  # etl/modes.py MODES


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# problems ---------------------------------------------------------------------------------
class FieldProblem(_Model):
    """One invalid field of a request."""

    field: str
    message: str


class Problem(_Model):
    """RFC 7807 problem details: every 4xx and 5xx answer of GeoHub."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, for the user, in the request's language.")
    instance: str = Field(description="The path of the request.")
    errors: list[FieldProblem] | None = Field(None, description="The invalid fields, on validation errors.")
    requestId: str | None = Field(None, description="The request's id in the server log.")


# queries ----------------------------------------------------------------------------------
class TileQuery(_Model):
    """`v`: the tileset's version token, as TileJSON's `tiles` URLs carry it."""

    v: str | None = Field(
        None,
        description="The tileset's version token (from its TileJSON). The current one: the tile may be "
        "cached for a year (`immutable`); another: the current tile, `max-age=60`; none: `max-age=60` "
        "and revalidation by ETag.",
    )


class LanguageQuery(_Model):
    """`lang`: the language of titles and messages (else Accept-Language)."""

    lang: Language | None = None


class ItemsQuery(_Model):
    """What GeoHub adds to pygeoapi's items parameters: filtering, datetime, sorting, hits."""

    filter: str | None = Field(None, description="CQL2 filter (text, or JSON with filter-lang=cql2-json).")
    filter_lang: Literal["cql2-text", "cql2-json"] = Field("cql2-text", alias="filter-lang")
    filter_crs: str | None = Field(None, alias="filter-crs", json_schema_extra={"format": "uri"})
    datetime: str | None = Field(None, description="RFC 3339 instant or interval (start/end, '..' open).")
    sortby: str | None = Field(
        None, pattern=r"^[+-]?[A-Za-z_]", description="Comma-separated properties, '-' for descending."
    )
    resulttype: Literal["results", "hits"] = "results"


class ImportsQuery(_Model):
    """A page of a layer's import history."""

    limit: int | None = Field(None, ge=1, le=200)
    before: int | None = Field(None, ge=1, description="Only imports older than this one.")


class AuditQuery(_Model):
    """A page of the audit log."""

    layer: str | None = None
    user: str | None = None
    limit: int | None = Field(None, ge=1, le=1000)
    before: int | None = Field(None, ge=0, description="Only entries older than this one.")
    lang: Language | None = None


class DepartmentAuditQuery(_Model):
    """A page of a department's audit trail: the entries about its layers."""

    department: str | None = Field(None, description="Admins: whose trail (default: every department's).")
    layer: str | None = Field(None, description="Only this layer's entries.")
    limit: int | None = Field(None, ge=1, le=1000)
    before: int | None = Field(None, ge=0, description="Only entries older than this one.")
    lang: Language | None = None


# publishing -------------------------------------------------------------------------------
class ImportUpload(_Model):
    """A file to import, as multipart/form-data."""

    file: bytes | None = Field(
        None,
        description="GeoPackage, GeoJSON, zipped Shapefile, CSV (lon/lat or WKT), KML… Required, "
        "except for a delete given its keys in `keys`.",
    )
    crs: str | None = Field(None, description="Source CRS when the file has none or a wrong one.")
    layer: str | None = Field(None, description="Layer inside the file, when it holds several.")
    dryRun: bool = Field(False, description="Report only; store nothing.")
    onInvalid: OnInvalid = Field(
        "ask",
        description="Invalid rows: stage and wait for a decision (ask), refuse the import (reject), "
        "or leave them out (skip).",
    )
    publish: bool = Field(False, description="Publish at once when no decision is pending.")
    mode: ImportMode = Field(
        "replace",
        description="replace: the file is the whole layer; upsert: its features replace or add by the "
        "layer's key, the others stay; append: its features are added (a key the layer has is a row "
        "error); delete: the keys it lists (its key column) are removed.",
    )
    keys: str | None = Field(
        None, description="Delete mode only, instead of a file: the keys to remove, comma or line separated."
    )
    confirmRemoval: bool = Field(
        False,
        description="Agree to remove more than `etl.replace_guard_share` of the layer's live features "
        "(without it such an import is kept validated, not published).",
    )
    mapping: str | None = Field(
        None,
        description='JSON object of source column -> attribute, e.g. {"recycling_": "recycling_type"}; '
        "on top of the layer's `source.fields` and saved mapping.",
    )
    ignore: str | None = Field(
        None, description='Source columns deliberately dropped: a JSON array (["remarks"]) or a comma list.'
    )
    saveMapping: bool = Field(
        False, description="Save mapping and ignore as the layer's: its later uploads use them by default."
    )


class RowProblem(_Model):
    """Why one row of an import is invalid."""

    row: str
    key: str | None = None
    field: str
    reason: str


class ImportCounts(_Model):
    read: int
    valid: int
    invalid: int
    repaired: int


class ImportChanges(_Model):
    added: int
    changed: int
    removed: int
    unchanged: int
    addedKeys: list[str]
    changedKeys: list[str]
    removedKeys: list[str]


class ImportKeys(_Model):
    """The keys the import adds, changes and removes (sorted, at most 200 each)."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    truncated: bool = Field(description="True when a list holds only the first 200 keys.")


class ImportGuard(_Model):
    """The replace guard: the share of the live features the import removes."""

    removedShare: float
    removed: int
    live: int = Field(description="The live version's features.")
    threshold: float = Field(description="etl.replace_guard_share")
    needsConfirmation: bool = Field(description="Publishing needs confirmRemoval: true.")
    confirmed: bool


class ColumnSuggestion(_Model):
    """An attribute an unmapped column probably meant."""

    attribute: str
    reason: Literal["truncated", "case", "similar"] = Field(
        description="truncated: a Shapefile cut the name to 10 characters; case: the same name in "
        "another case; similar: a small edit distance."
    )
    distance: int = Field(description="Characters to change, ignoring case.")


class UnmappedColumnReport(_Model):
    """A source column whose values reach no attribute."""

    column: str
    suggestions: list[ColumnSuggestion] = Field(description="Best first; empty: it blocks nothing.")
    message: str


class ImportColumns(_Model):
    """How the source's columns met the layer's attributes."""

    unmapped: list[UnmappedColumnReport]
    unfilled: list[str] = Field(description="Attributes no column fills (derived ones aside).")
    mapping: dict[str, str] = Field(description="Source column -> attribute, where the names differ.")
    ignored: list[str]
    needsMapping: bool = Field(
        description="Publishing waits until each column with a suggestion is mapped or ignored."
    )
    savedMapping: bool = Field(description="The layer's saved mapping was applied.")


class MappingChoice(_Model):
    """A column mapping: source column -> attribute, and source columns deliberately dropped."""

    mapping: dict[str, str] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)


class LayerMapping(MappingChoice):
    """A layer's saved column mapping."""

    layer: str
    updatedAt: AwareDatetime | None
    updatedBy: str | None


class ImportRecord(_Model):
    """An import and its report."""

    id: int
    layer: str
    status: ImportStatus
    createdAt: AwareDatetime
    finishedAt: AwareDatetime | None
    user: str | None
    source: str
    sourceCrs: str
    baseVersion: int | None
    stagedVersion: int | None
    publishedVersion: int | None
    message: str
    counts: ImportCounts | None = None
    problems: list[RowProblem] | None = None
    problemsTotal: int | None = None
    repairedRows: list[str] | None = None
    changes: ImportChanges | None = None
    dryRun: bool | None = None
    onInvalid: OnInvalid | None = None
    schedule: ImportSchedule | None = None
    conflict: ImportConflictMark | None = None
    mode: ImportMode | None = None
    keys: ImportKeys | None = None
    guard: ImportGuard | None = None
    columns: ImportColumns | None = None


class ImportSchedule(_Model):
    """The layer's scheduled source and what its next sync does to this import."""

    source: str
    schedule: str = Field(description="Five-field cron expression, read in Almaty time.")
    nextSync: AwareDatetime
    message: str


class ImportConflictMark(_Model):
    """A sync import stopped by a conflict (publishing/conflicts.py); `open` while it waits."""

    id: int
    open: bool = False


class ConflictVersion(_Model):
    """The person's version the sync did not publish over."""

    version: int
    action: str = Field(description="layer.publish, layer.rollback or feature.create|replace|update|delete")
    by: str | None
    at: AwareDatetime | None


class SyncConflict(_Model):
    """A sync that met a version a person published or edited after the last sync."""

    id: int
    layer: str
    status: Literal["open", "resolved"]
    detectedAt: AwareDatetime
    mine: ConflictVersion
    import_: int = Field(alias="import", description="The sync's staged import.")
    resolution: Literal["take-source", "keep-mine"] | None
    resolvedBy: str | None
    resolvedAt: AwareDatetime | None
    message: str


class ConflictList(_Model):
    """A layer's sync conflicts, newest first."""

    layer: str
    conflicts: list[SyncConflict]


class ConflictResolution(_Model):
    """take-source publishes the source's data; keep-mine keeps the person's version."""

    choice: Literal["take-source", "keep-mine"]
    confirmRemoval: bool = Field(
        False,
        description="take-source: agree that the source's data removes more than the replace guard allows.",
    )


class ImportHistory(_Model):
    """A layer's imports, newest first, without their per-row problems."""

    layer: str
    imports: list[ImportRecord]


class PublishChoice(_Model):
    """What to do with the invalid rows of the import being published."""

    invalidRows: Literal["reject", "skip"] = "reject"
    confirmRemoval: bool = Field(
        False, description="Agree to remove more than `etl.replace_guard_share` of the live features."
    )
    mapping: dict[str, str] | None = Field(
        None,
        description="The mapping the import was read with "
        "(another needs a new upload: 409 mapping-needs-upload).",
    )
    ignore: list[str] | None = Field(
        None, description="Unmapped columns to leave out, so it may be published."
    )


class Version(_Model):
    version: int
    createdAt: AwareDatetime
    featureCount: int
    extent: list[float] | None = Field(description="minx, miny, maxx, maxy (lon/lat)")
    current: bool
    note: str


class VersionList(_Model):
    """Every stored version of a layer, newest first."""

    layer: str
    versions: list[Version]


class ChangedFeature(_Model):
    """A feature an import adds, changes or removes, as GeoJSON; `properties.change` says which."""

    type: Literal["Feature"]
    id: str
    geometry: dict[str, object] | None
    properties: dict[str, object]


class ChangeCounts(_Model):
    added: int
    changed: int
    removed: int


class ImportChangeCollection(_Model):
    """A GeoJSON FeatureCollection of an import's changes: added and changed features as staged,
    removed ones as they were; at most 200 of each kind (`truncated` when the report cut a list)."""

    type: Literal["FeatureCollection"]
    features: list[ChangedFeature]
    counts: ChangeCounts = Field(description="How many features the import adds, changes and removes in all.")
    truncated: bool


class RollbackRequest(_Model):
    """The version to publish again."""

    version: int = Field(ge=1)


class PublishedVersion(_Model):
    layer: str
    version: int
    featureCount: int


class FeatureInput(_Model):
    """A GeoJSON Feature (or, to create several, a FeatureCollection) in lon/lat WGS 84."""

    type: Literal["Feature", "FeatureCollection"]
    id: str | int | None = None
    geometry: dict[str, object] | None = None
    properties: dict[str, object] | None = None
    features: list[dict[str, object]] | None = None


class CreatedFeatures(_Model):
    """The new features' ids and the version that holds them."""

    created: list[str]
    version: int


# auth -------------------------------------------------------------------------------------
class Token(_Model):
    """A bearer token, shown once."""

    token: str
    expires_at: AwareDatetime | None


class Whoami(_Model):
    """Who a request acts for."""

    user: str | None
    role: Literal["admin", "publisher", "moderator"] | None
    department: str | None
    apiKey: str | None
    signedIn: bool


class AuditEntry(_Model):
    id: int
    at: AwareDatetime
    user: str | None
    role: str | None
    apiKey: str | None
    action: str
    layer: str | None
    detail: dict[str, object]
    remoteAddr: str | None


class AuditPage(_Model):
    """A page of audit entries and the next page's link."""

    entries: list[AuditEntry]
    next: str | None


class AppKey(_Model):
    id: str
    app: str
    contact: str
    rateLimit: str = Field(description="As `limits` writes it: `1000/hour`, `10 per minute`.")
    createdAt: AwareDatetime
    revoked: bool
    requestsToday: int
    requestsTotal: int


class AppKeyList(_Model):
    """Every app key with its rate limit and use."""

    keys: list[AppKey]


# health -----------------------------------------------------------------------------------
class Liveness(_Model):
    status: Literal["ok"]


class ReplicaHealth(_Model):
    """One read replica as the node last found it."""

    server: str = Field(description="host:port/database, without credentials")
    healthy: bool = Field(description="whether reads go to it")
    state: str = Field(description="healthy, lagging, unreachable (why), not a standby (promoted?)…")


class Readiness(_Model):
    """Whether the store answers and which layers have no published data."""

    status: Literal["ready", "unavailable"]
    storage: str
    layers: int | None = None
    layersWithoutData: list[str] | None = None
    replicas: list[ReplicaHealth] | None = Field(
        None, description="with GEOHUB_DATABASE_REPLICA_URLS: each read replica's health"
    )
    detail: str | None = None
