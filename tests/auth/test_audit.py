"""The audit log on both records backends: entries written, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geohub.auth.audit import AuditLog
from geohub.auth.principal import ANONYMOUS, Principal, Role
from geohub.errors import InvalidRequestError
from geohub.records import RecordsDatabase

PUBLISHER = Principal(user="aigerim", role=Role.publisher, department="land_relations")


def test_entry_says_who_what_when_and_from_where(records: RecordsDatabase) -> None:
    audit = AuditLog(records)
    before = datetime.now(UTC)
    entry_id = audit.record(PUBLISHER, "layer.publish", "cadastre", {"version": 3, "note": "Жер"}, "10.0.0.7")
    [entry] = audit.entries()
    assert entry.id == entry_id
    assert (entry.user, entry.role, entry.action, entry.layer_id) == (
        "aigerim",
        "publisher",
        "layer.publish",
        "cadastre",
    )
    assert entry.detail == {"version": 3, "note": "Жер"}
    assert entry.remote_addr == "10.0.0.7"
    assert before - timedelta(seconds=1) <= entry.at <= datetime.now(UTC)
    assert entry.to_json()["at"].endswith("Z")


def test_entries_filter_by_layer_and_user_and_page_newest_first(records: RecordsDatabase) -> None:
    audit = AuditLog(records)
    key_user = Principal(api_key="0123456789abcdef")
    for number in range(5):
        audit.record(PUBLISHER, "feature.edit", "cadastre", {"n": number}, None)
    audit.record(ANONYMOUS, "user.add", None, {"user": "marat", "via": "cli"}, None)
    audit.record(key_user, "report.create", "green_spaces", {}, "10.0.0.8")
    assert [e.action for e in audit.entries(limit=2)] == ["report.create", "user.add"]
    cadastre = audit.entries(layer_id="cadastre", limit=3)
    assert [e.detail["n"] for e in cadastre] == [4, 3, 2]
    rest = audit.entries(layer_id="cadastre", before_id=cadastre[-1].id)
    assert [e.detail["n"] for e in rest] == [1, 0]
    assert len(audit.entries(user="aigerim")) == 5
    assert audit.entries(user="nobody") == []
    assert audit.entries(layer_id="green_spaces")[0].api_key == "0123456789abcdef"


@pytest.mark.parametrize("limit", [0, -1, 1001])
def test_entries_limit_is_checked(records: RecordsDatabase, limit: int) -> None:
    with pytest.raises(InvalidRequestError):
        AuditLog(records).entries(limit=limit)


def test_action_is_required(records: RecordsDatabase) -> None:
    with pytest.raises(ValueError):
        AuditLog(records).record(PUBLISHER, "", None, {}, None)
