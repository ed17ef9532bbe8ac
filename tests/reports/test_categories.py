"""Report categories from config/report_categories.yaml, and the lifecycle table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from geohub.errors import ConfigurationError
from geohub.layers.registry import LayerRegistry
from geohub.records import utc_now
from geohub.reports.categories import CATEGORIES_FILE, load_categories
from geohub.reports.model import FINAL, OPEN, TRANSITIONS, Mover, Status, mover_of
from geohub.reports.tracking import new_tracking_id, normal_tracking_id

REQUIRED = {
    "road_damage",
    "illegal_dump",
    "overflowing_bin",
    "broken_street_light",
    "park_or_tree_damage",
    "parking_violation",
    "blocked_pavement",
    "inaccessible_entrance",
    "blocked_or_missing_ramp",
    "missing_kerb_ramp",
    "broken_elevator",
}


def test_the_city_categories_load_and_route_to_known_departments(registry: LayerRegistry) -> None:
    categories = load_categories(registry.departments)
    assert {c.code for c in categories} >= REQUIRED
    for category in categories:
        assert category.routing.department_for(None) in registry.departments
        assert category.title.kk and category.title.ru and category.title.en
    assert {c.code for c in categories if c.accessibility} >= {"inaccessible_entrance", "broken_elevator"}
    entrance = categories.get("inaccessible_entrance")
    assert entrance is not None
    assert entrance.routing.department_for("medeu") == "architecture"
    assert entrance.routing.department_for("almaly") == entrance.routing.default == "social_welfare"


def test_an_unknown_department_stops_loading(registry: LayerRegistry, tmp_path: Path) -> None:
    path = tmp_path / "report_categories.yaml"
    text = CATEGORIES_FILE.read_text(encoding="utf-8").replace("default: natural_resources", "default: parks")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigurationError, match=r"report_categories.yaml: categories\.1\.routing: .*'parks'"
    ):
        load_categories(registry.departments, path)
    path.write_text("categories:\n  - code: x\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"categories\.0\.code"):
        load_categories(registry.departments, path)


def test_the_lifecycle_follows_itsm() -> None:
    assert mover_of(Status.registered, Status.accepted) is Mover.staff
    assert mover_of(Status.in_progress, Status.resolved) is Mover.staff
    assert mover_of(Status.resolved, Status.closed) is Mover.citizen
    assert mover_of(Status.resolved, Status.reopened) is Mover.citizen
    assert mover_of(Status.reopened, Status.in_progress) is Mover.staff
    assert mover_of(Status.registered, Status.resolved) is None
    for status in OPEN:
        assert mover_of(status, Status.rejected) is mover_of(status, Status.duplicate) is Mover.staff
    assert not any(current in FINAL for current, _ in TRANSITIONS)  # closed, rejected, duplicate are final


def test_tracking_ids_are_short_and_forgiving() -> None:
    tracking_id = new_tracking_id()
    assert len(tracking_id) == 10 and normal_tracking_id(tracking_id.lower()) == tracking_id
    assert normal_tracking_id("7k3m-9q2x-tb") == "7K3M9Q2XTB"
    assert normal_tracking_id("ABCDEFGHIO") == "ABCDEFGH10"  # I and O read as 1 and 0
    assert normal_tracking_id("UUUUUUUUUU") is None and normal_tracking_id("short") is None


def test_overdue_is_open_and_past_the_target(registry: LayerRegistry) -> None:
    from geohub.reports.model import Report

    now = utc_now()
    report = Report(
        "7K3M9Q2XTB", "overflowing_bin", "", 76.9, 43.2, None, None, "energy_utilities", Status.in_progress,
        now - timedelta(hours=30), now, now - timedelta(hours=6), None, 0, "ru", None, None, None,
    )  # fmt: skip
    assert report.is_overdue(now)
    assert not report.is_overdue(now - timedelta(hours=7))
    assert not Report(**{**report.__dict__, "status": Status.resolved}).is_overdue(now)
