"""Import modes: how an upload combines with the live version, and the replace guard.

- replace: the upload is the whole new version (what a declared source's sync does);
- upsert: the upload's features replace or add by the layer's key, the others stay;
- append: the upload's features are added; a key the layer has already is a row error;
- delete: the listed keys are removed; a key the layer does not have is a row error.

The combined version is what gets diffed, stored and published, so versions, rollback,
digests and tile invalidation work the same in every mode. A version that removes more than
`etl.replace_guard_share` of the live features needs the publisher's confirmation.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from geohub.errors import ConflictError, InvalidDataError, InvalidRequestError
from geohub.etl.digest import LayerChanges, Snapshot
from geohub.etl.validate import RowProblem, Validated
from geohub.layers.models import LayerDefinition
from geohub.messages import N_, tr
from geohub.sources.source_data import SourceData
from geohub.storage.base import FeatureTable

Mode = Literal["replace", "upsert", "append", "delete"]
MODES: tuple[Mode, ...] = ("replace", "upsert", "append", "delete")
MAX_KEYS_FIELD = 100_000  # keys one `keys` field may list (a larger delete comes as a file)


class RemovalNeedsConfirmationError(ConflictError):
    title, slug = N_("Removal needs confirmation"), "removal-needs-confirmation"


def parse_mode(value: str | None) -> Mode:
    """The import mode from a request or the command line (replace when none is given)."""
    if value in (None, ""):
        return "replace"
    if value not in MODES:
        raise InvalidRequestError(
            tr("mode must be replace, upsert, append or delete, not '{value}'.", value=value)
        )
    return value


def parse_keys(text: str) -> list[str]:
    """Keys separated by commas or line breaks, blanks dropped, each once, in the given order."""
    keys = list(dict.fromkeys(k.strip() for k in re.split(r"[,\r\n]+", text) if k.strip()))
    if not keys:
        raise InvalidRequestError(tr("keys lists no key: separate the keys by commas or line breaks."))
    if len(keys) > MAX_KEYS_FIELD:
        raise InvalidRequestError(
            tr("keys lists more than {count} keys; send them as a file.", count=MAX_KEYS_FIELD)
        )
    return keys


def keys_source(keys: list[str], key: str) -> SourceData:
    """Keys typed in (the `keys` field) as a source of one column and no geometry."""
    return SourceData(np.full(len(keys), None, dtype=object), {key: list(keys)})


def deletion_rows(layer: LayerDefinition, data: SourceData, base: Snapshot) -> tuple[Validated, list[str]]:
    """The keys a delete import names (its key column), checked against the live version:
    the known ones to remove, the unknown or blank ones as row problems."""
    column = _key_column(layer, data)
    live = set(base.keys.tolist())
    problems, deletes, seen = [], [], set()
    for index, value in enumerate(column):
        key = None if value is None else str(value).strip()
        if not key:
            reason = tr("is empty: no feature to delete")
        elif key not in live:
            reason = tr("is not a key of the layer: nothing to delete")
        else:
            if key not in seen:
                seen.add(key)
                deletes.append(key)
            continue
        problems.append(RowProblem(data.row_label(index), key or None, layer.key, reason))
    empty = FeatureTable(np.array([], dtype=object), {a.name: [] for a in layer.attributes})
    validated = Validated(empty, problems, invalid_rows=len(problems), total=len(column))
    return validated, deletes


def without_existing(layer: LayerDefinition, validated: Validated, base: Snapshot) -> Validated:
    """An append's valid rows without those whose key the layer has already (row problems)."""
    keys = np.array([str(k) for k in validated.table.columns[layer.key]], dtype=object)
    existing = np.isin(keys, base.keys) if len(base) and len(keys) else np.zeros(len(keys), dtype=bool)
    if not existing.any():
        return validated
    kept = np.flatnonzero(~existing)
    table = FeatureTable(
        validated.table.geometries[kept],
        {name: [values[i] for i in kept.tolist()] for name, values in validated.table.columns.items()},
    )
    reason = tr("is already a key of the layer: append adds new features only (use upsert to replace)")
    problems = [
        RowProblem(tr("key {key}", key=key), key, layer.key, reason) for key in keys[existing].tolist()
    ]
    return replace(
        validated,
        table=table,
        problems=validated.problems + problems,
        invalid_rows=validated.invalid_rows + len(problems),
    )


def keys_report(changes: LayerChanges, limit: int) -> dict[str, Any]:
    """The report's `keys` section: the keys added, changed and removed (sorted, at most `limit` each)."""
    return {
        "added": changes.added_keys[:limit],
        "changed": changes.changed_keys[:limit],
        "removed": changes.removed_keys[:limit],
        "truncated": max(changes.added, changes.changed, changes.removed) > limit,
    }


def guard_report(changes: LayerChanges, live: int, threshold: float, confirmed: bool) -> dict[str, Any]:
    """The report's `guard` section: the share of the live features the import removes."""
    share = changes.removed / live if live else 0.0
    return {
        "removedShare": round(share, 4),
        "removed": changes.removed,
        "live": live,
        "threshold": threshold,
        "needsConfirmation": share > threshold,
        "confirmed": confirmed,
    }


def removal_refusal(layer_id: str, guard: dict[str, Any]) -> RemovalNeedsConfirmationError:
    """The 409 for a publication that removes too much without confirmation."""
    return RemovalNeedsConfirmationError(
        tr(
            "Publishing would remove {removed} of the {live} features of layer '{layer}' ({share} %), "
            "more than the {threshold} % allowed without confirmation. Check the keys removed in the "
            "report, then publish again with confirmRemoval: true.",
            removed=guard["removed"],
            live=guard["live"],
            layer=layer_id,
            share=_percent(guard["removedShare"]),
            threshold=_percent(guard["threshold"]),
        )
    )


def _percent(share: float) -> str:
    return f"{share * 100:.1f}".removesuffix(".0")


def _key_column(layer: LayerDefinition, data: SourceData) -> list[Any]:
    fields = layer.source.fields if layer.source is not None else {}
    name = fields.get(layer.key, layer.key)
    by_lower = {column.lower(): column for column in data.columns}
    found = name if name in data.columns else by_lower.get(name.lower(), by_lower.get(layer.key.lower()))
    if found is None:
        raise InvalidDataError(
            tr(
                "A delete import lists the keys to remove in the column '{field}'; the file has: {fields}.",
                field=name,
                fields=", ".join(sorted(data.columns)) or "-",
            )
        )
    return data.columns[found]
