"""Which source columns reach no attribute, which attributes no column fills, and likely matches.

Pure: no Flask, no storage. A column fills an attribute by, in this order: the publisher's
mapping (source column -> attribute), the layer's `source.fields` (attribute -> source field),
the same name, the same name in another case. A column that fills nothing is *unmapped*; when
it resembles an attribute no column fills (a Shapefile's 10-character cut, another case, a
small edit distance) it gets suggestions, and publishing waits for a mapping or an ignore.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from geohub.errors import ConflictError, FieldError, InvalidRequestError
from geohub.layers.models import LayerDefinition
from geohub.messages import Listing, Message, stored, tr
from geohub.sources.delimited import LAT_NAMES, LON_NAMES, WKT_NAMES, X_NAMES, Y_NAMES

SHAPEFILE_NAME_LENGTH = 10  # a .dbf field name holds at most 10 characters
SHORT_NAME = 8  # up to this long, one character off is similar (`operatr`); `name_de` is not `name_en`
MAX_SIMILAR_DISTANCE = 2  # longer names
MIN_SIMILAR_RATIO = 0.8  # difflib's ratio: `operatr`/`operator` 0.93
MAX_SUGGESTIONS = 3
# columns that hold the geometry or GDAL's own row numbers, never an attribute's values
NOT_ATTRIBUTES = frozenset(
    ("fid", "ogc_fid", "wkb_geometry", *WKT_NAMES, *LON_NAMES, *LAT_NAMES, *X_NAMES, *Y_NAMES)
)
Reason = Literal["truncated", "case", "similar"]
REASONS: tuple[Reason, ...] = ("truncated", "case", "similar")
_REASON_ORDER: dict[str, int] = {"case": 0, "truncated": 1, "similar": 2}


class ColumnsNeedMappingError(ConflictError):
    """Publishing would drop columns that look like attributes, and nobody said to."""

    slug = "columns-need-mapping"


class MappingNeedsUploadError(ConflictError):
    """A mapping given at publish time would fill attributes with values the staged version lacks."""

    slug = "mapping-needs-upload"


@dataclass(frozen=True)
class ColumnChoices:
    """What a publisher chose: source column -> attribute, and columns deliberately dropped."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.mapping or self.ignore)

    def over(self, saved: ColumnChoices) -> ColumnChoices:
        """These choices on top of `saved` ones: a column or attribute named here wins."""
        targets = set(self.mapping.values())
        kept = {
            column: attribute
            for column, attribute in saved.mapping.items()
            if column not in self.ignore and column not in self.mapping and attribute not in targets
        }
        return ColumnChoices({**kept, **self.mapping}, (saved.ignore - set(self.mapping)) | self.ignore)

    def to_json(self) -> dict[str, Any]:
        return {"mapping": dict(sorted(self.mapping.items())), "ignore": sorted(self.ignore)}


@dataclass(frozen=True)
class Suggestion:
    """An attribute a column probably meant, and why."""

    attribute: str
    reason: Reason
    distance: int

    def to_json(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "reason": self.reason, "distance": self.distance}

    def explained(self) -> Message:
        if self.reason == "truncated":
            return tr("{attribute} (a Shapefile cuts names to 10 characters)", attribute=self.attribute)
        if self.reason == "case":
            return tr("{attribute} (the same name in another case)", attribute=self.attribute)
        return tr("{attribute} (a similar name)", attribute=self.attribute)


@dataclass(frozen=True)
class UnmappedColumn:
    """A source column whose values reach no attribute."""

    column: str
    suggestions: tuple[Suggestion, ...] = ()

    def message(self) -> Message:
        """What the report says of it, in the reader's language."""
        if not self.suggestions:
            return tr("Column {column} fills no attribute; its values are not imported.", column=self.column)
        return tr(
            "Column {column} fills no attribute; did you mean {suggestions}?",
            column=self.column,
            suggestions=_listed(s.explained() for s in self.suggestions),
        )

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> UnmappedColumn:
        """An entry of a stored report's `columns.unmapped`."""
        suggestions = tuple(
            Suggestion(str(s["attribute"]), s["reason"], int(s["distance"]))
            for s in entry.get("suggestions", ())
            if s.get("reason") in REASONS
        )
        return cls(str(entry["column"]), suggestions)

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "suggestions": [s.to_json() for s in self.suggestions],
            "message": self.message(),
        }


@dataclass(frozen=True)
class ColumnMatch:
    """How a source's columns meet a layer's attributes."""

    sources: dict[str, str]  # attribute -> the source column that fills it
    unmapped: tuple[UnmappedColumn, ...]
    unfilled: tuple[str, ...]
    ignored: tuple[str, ...]
    saved_mapping: bool = False
    recomputed: tuple[str, ...] = ()  # columns named like a derived attribute: worked out again, not read

    @property
    def mapping(self) -> dict[str, str]:
        """Source column -> attribute, for each column that fills an attribute of another name."""
        renamed = ((column, attribute) for attribute, column in self.sources.items() if column != attribute)
        return dict(sorted(renamed))

    @property
    def blocking(self) -> tuple[UnmappedColumn, ...]:
        """The unmapped columns that look like attributes (they have a suggestion)."""
        return tuple(u for u in self.unmapped if u.suggestions)

    @property
    def needs_mapping(self) -> bool:
        return bool(self.blocking)

    def to_json(self) -> dict[str, Any]:
        """The report's `columns` section (Messages still to be stored or rendered)."""
        return {
            "unmapped": [u.to_json() for u in self.unmapped],
            "unfilled": list(self.unfilled),
            "mapping": self.mapping,
            "ignored": list(self.ignored),
            "recomputed": list(self.recomputed),
            "needsMapping": self.needs_mapping,
            "savedMapping": self.saved_mapping,
        }


def match_columns(
    layer: LayerDefinition,
    columns: Sequence[str],
    choices: ColumnChoices | None = None,
    *,
    saved: ColumnChoices | None = None,
) -> ColumnMatch:
    """Which column fills each attribute, what is left over, and what it probably meant.

    `choices` are this import's own (every column they name must exist); `saved` are the layer's
    saved ones, used under them where their columns exist."""
    choices = choices or ColumnChoices()
    check_choices(layer, choices)
    missing = sorted((set(choices.mapping) | choices.ignore) - set(columns))
    if missing:
        raise InvalidRequestError(
            tr(
                "The file has no column {columns} (it has: {present}).",
                columns=", ".join(missing),
                present=", ".join(columns) or "-",
            )
        )
    effective = choices.over(_present(saved, columns, layer)) if saved else choices
    sources = _sources(layer, columns, effective)
    used = set(sources.values())
    fillable = [a.name for a in layer.attributes if a.name not in _derived(layer)]
    unfilled = tuple(name for name in fillable if name not in sources)
    leftover = [
        c for c in columns if c not in used and c not in effective.ignore and c.lower() not in NOT_ATTRIBUTES
    ]
    derived = _derived(layer)
    recomputed = tuple(c for c in leftover if c in derived)  # e.g. area_m2 of a file exported from GeoHub
    unmapped = tuple(UnmappedColumn(c, suggest(c, unfilled)) for c in leftover if c not in derived)
    ignored = tuple(c for c in columns if c in effective.ignore)
    saved_used = bool(saved) and effective != choices
    return ColumnMatch(sources, unmapped, unfilled, ignored, saved_mapping=saved_used, recomputed=recomputed)


def check_choices(layer: LayerDefinition, choices: ColumnChoices) -> None:
    """InvalidRequestError unless each mapping names one of the layer's own attributes (not a
    derived one), no two columns go to one attribute, and no column is both mapped and ignored."""
    derived = _derived(layer)
    errors: list[FieldError] = []
    for column, attribute in sorted(choices.mapping.items()):
        if layer.attribute(attribute) is None:
            errors.append(
                FieldError(
                    "mapping",
                    tr(
                        "{column}: layer '{layer}' has no attribute '{attribute}' (it has: {attributes}).",
                        column=column,
                        layer=layer.id,
                        attribute=attribute,
                        attributes=", ".join(a.name for a in layer.attributes if a.name not in derived),
                    ),
                )
            )
        elif attribute in derived:
            errors.append(
                FieldError(
                    "mapping",
                    tr(
                        "{column}: '{attribute}' is derived from the geometry; no column fills it.",
                        column=column,
                        attribute=attribute,
                    ),
                )
            )
    targets = list(choices.mapping.values())
    for attribute in sorted({a for a in targets if targets.count(a) > 1}):
        columns = sorted(c for c, a in choices.mapping.items() if a == attribute)
        errors.append(
            FieldError(
                "mapping",
                tr(
                    "Columns {columns} are all mapped to '{attribute}'; map one column to each attribute.",
                    columns=", ".join(columns),
                    attribute=attribute,
                ),
            )
        )
    both = sorted(set(choices.mapping) & choices.ignore)
    if both:
        errors.append(
            FieldError(
                "ignore",
                tr("Columns {columns} are both mapped and ignored.", columns=", ".join(both)),
            )
        )
    if errors:
        raise InvalidRequestError(tr("The column mapping cannot be used."), errors)


def parse_choices(mapping: Any, ignore: Any) -> ColumnChoices:
    """Choices as a request gives them: `mapping` a JSON object (or its text) of source column
    -> attribute, `ignore` a JSON array (or its text, or a comma list); None for either is none."""
    if isinstance(mapping, str):
        mapping = _json_text(mapping.strip() or "{}", "mapping")
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in mapping.items()
    ):
        raise InvalidRequestError(
            tr(
                "mapping must be a JSON object of source column to attribute, like "
                '{"recycling_": "recycling_type"}.'
            )
        )
    if isinstance(ignore, str):
        text = ignore.strip()
        ignore = _json_text(text, "ignore") if text.startswith("[") else [c.strip() for c in text.split(",")]
    if ignore is None:
        ignore = []
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        raise InvalidRequestError(
            tr('ignore must be a JSON array of source columns, like ["remarks"], or a comma list.')
        )
    return ColumnChoices(dict(mapping), frozenset(c for c in ignore if c))


def _json_text(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidRequestError(tr("{name} is not valid JSON.", name=name)) from None


def suggest(column: str, attributes: Iterable[str]) -> tuple[Suggestion, ...]:
    """The attributes `column` probably meant, best first: another case, a Shapefile's cut, a
    small edit distance."""
    found = []
    for attribute in attributes:
        reason = _resemblance(column, attribute)
        if reason is not None:
            found.append(Suggestion(attribute, reason, edit_distance(column.lower(), attribute.lower())))
    found.sort(key=lambda s: (_REASON_ORDER[s.reason], s.distance, s.attribute))
    return tuple(found[:MAX_SUGGESTIONS])


def edit_distance(a: str, b: str) -> int:
    """Characters to insert, delete or replace to turn `a` into `b` (difflib's alignment)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def _resemblance(column: str, attribute: str) -> Reason | None:
    lower = column.lower()
    if lower == attribute.lower():
        return "case"
    cut = len(column) == SHAPEFILE_NAME_LENGTH < len(attribute)
    if cut and attribute.lower().startswith(lower):
        return "truncated"
    ratio = difflib.SequenceMatcher(None, lower, attribute.lower(), autojunk=False).ratio()
    most = 1 if len(attribute) <= SHORT_NAME else MAX_SIMILAR_DISTANCE
    if ratio >= MIN_SIMILAR_RATIO and edit_distance(lower, attribute.lower()) <= most:
        return "similar"
    return None


def _sources(layer: LayerDefinition, columns: Sequence[str], choices: ColumnChoices) -> dict[str, str]:
    """attribute -> source column: the mapping, then `source.fields`, the same name, another case
    (only when one column has it); an ignored or mapped column fills nothing else."""
    fields = layer.source.fields if layer.source is not None else {}
    sources = {attribute: column for column, attribute in choices.mapping.items()}
    taken = set(choices.mapping) | choices.ignore
    free = [c for c in columns if c not in taken]
    by_lower: dict[str, list[str]] = {}
    for column in free:
        by_lower.setdefault(column.lower(), []).append(column)
    derived = _derived(layer)
    for attribute in layer.attributes:
        if attribute.name in sources or attribute.name in derived:
            continue
        wanted = fields.get(attribute.name, attribute.name)
        same_case = by_lower.get(wanted.lower(), [])
        found = wanted if wanted in free else (same_case[0] if len(same_case) == 1 else None)
        if found is not None:
            sources[attribute.name] = found
    return sources


def _present(saved: ColumnChoices, columns: Sequence[str], layer: LayerDefinition) -> ColumnChoices:
    """Saved choices for the columns this source has and the attributes the layer still has."""
    names = set(columns)
    attributes = {a.name for a in layer.attributes} - _derived(layer)
    return ColumnChoices(
        {c: a for c, a in saved.mapping.items() if c in names and a in attributes},
        frozenset(saved.ignore & names),
    )


def _derived(layer: LayerDefinition) -> set[str]:
    return set(layer.source.derive) if layer.source is not None else set()


def _listed(messages: Iterable[Message]) -> Listing:
    return Listing(list(messages))


def columns_refusal(section: Mapping[str, Any] | None, import_id: int) -> ColumnsNeedMappingError | None:
    """The 409 for publishing an import whose report (`columns` section, stored) still has
    unmapped columns that look like attributes; None when nothing blocks."""
    blocking = [u for u in _unmapped(section) if u.suggestions]
    if not blocking:
        return None
    return ColumnsNeedMappingError(
        tr(
            "Import {id} has columns that fill no attribute but look like attributes: {columns}. "
            "Map them (upload again with the mapping) or publish with them in ignore.",
            id=str(import_id),
            columns=", ".join(u.column for u in blocking),
        ),
        [FieldError(u.column, u.message()) for u in blocking],
    )


def with_choices(
    layer: LayerDefinition, section: Mapping[str, Any], choices: ColumnChoices, import_id: int
) -> dict[str, Any]:
    """A stored `columns` section with choices made at publish time: ignores move unmapped
    columns to `ignored`; a mapping must be the one the import already used, since its staged
    version holds no values of the columns it left out (409 `mapping-needs-upload`)."""
    check_choices(layer, choices)
    used: dict[str, str] = dict(section.get("mapping") or {})
    unmapped = {u.column: u for u in _unmapped(section)}
    ignored = list(section.get("ignored") or [])
    known = set(unmapped) | set(ignored) | set(used)
    unknown = sorted(c for c in (set(choices.mapping) | choices.ignore) if c not in known)
    if unknown:
        raise InvalidRequestError(
            tr(
                "Import {id} read no column {columns} that fills no attribute.",
                id=str(import_id),
                columns=", ".join(unknown),
            )
        )
    changed = sorted(c for c, a in choices.mapping.items() if used.get(c, c) != a)
    changed += sorted(c for c in choices.ignore if c in used or (c not in unmapped and c not in ignored))
    if changed:
        raise MappingNeedsUploadError(
            tr(
                "Import {id} was read without this mapping of {columns}, so its staged version lacks "
                "those values; upload the file again with the mapping.",
                id=str(import_id),
                columns=", ".join(changed),
            )
        )
    now_ignored = [c for c in unmapped if c in choices.ignore]
    remaining = [u for c, u in unmapped.items() if c not in choices.ignore]
    return {
        **section,
        "unmapped": stored([u.to_json() for u in remaining]),
        "ignored": ignored + now_ignored,
        "needsMapping": any(u.suggestions for u in remaining),
    }


def _unmapped(section: Mapping[str, Any] | None) -> list[UnmappedColumn]:
    return [UnmappedColumn.from_json(entry) for entry in (section or {}).get("unmapped", ())]
