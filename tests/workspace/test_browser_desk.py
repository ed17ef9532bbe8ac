"""The report desk in Chromium (scenarios/desk.cjs): the queue, a report's case and the staff's actions."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from geohub.messages import fill, translate
from tests.workspace.conftest import scenario


def _text(msgid: str, language: str = "ru", **params: Any) -> str:
    return fill(translate(msgid, language), params, language)


def _department_name(run: dict[str, Any], department: str, language: str) -> str:
    return str(run["server"].services.registry.departments[department].name.in_language(language))


def _desk(run: dict[str, Any]) -> dict[str, Any]:
    return scenario(run, "desk")


def test_the_filed_report_is_in_the_moderators_queue_with_a_scoped_table(
    workspace_run: dict[str, Any],
) -> None:
    result = _desk(workspace_run)
    assert result["filed"]["status"] == 201
    queue = result["moderatorQueue"]
    assert {result["filed"]["id"], result["filed"]["other"]} <= set(queue["tracking"])
    assert queue["departmentFilter"] is True
    assert _text("Department") in queue["departments"]
    header_count = len(queue["departments"])
    assert queue["scopes"] == ["col"] * header_count + ["row"] * len(queue["tracking"])
    assert queue["caption"] == _text(
        "Reports {first}–{last} of {total}",
        first=1,
        last=len(queue["tracking"]),
        total=len(queue["tracking"]),
    )


def test_a_status_count_shows_only_that_status(workspace_run: dict[str, Any]) -> None:
    picked = _desk(workspace_run)["countPicked"]
    assert picked["filter"] == "registered"  # the form follows
    assert picked["statuses"] and set(picked["statuses"]) == {"dk-status dk-status-registered"}


def test_the_filters_outlive_a_reload(workspace_run: dict[str, Any]) -> None:
    assert _desk(workspace_run)["filterAfterReload"] == "all"


def test_the_case_shows_the_description_as_text_the_photo_and_the_map(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    case, report = result["case"], result["filed"]["id"]
    assert case["heading"].startswith(_text("Report {id}: {category}", id=report, category="").rstrip())
    assert case["focused"] == "H1"
    assert case["description"] == "Яма на тротуаре у остановки, <b>глубокая</b>"  # markup stays text
    assert case["descriptionLang"] == "ru"
    assert case["photoAlt"] == _text("Photo {n} of report {id}", n=1, id=report)
    assert case["mapLabel"] == _text("Map of the place of report {id}", id=report)
    assert case["facts"][_text("Citizen's contact (private)")] == "citizen@example.kz"


def test_the_photo_opens_at_full_size_by_keyboard_and_the_focus_comes_back(
    workspace_run: dict[str, Any],
) -> None:
    result = _desk(workspace_run)
    photo = result["photo"]
    assert photo["alt"] == _text("Photo {n} of report {id}", n=1, id=result["filed"]["id"])
    assert photo["width"] == 320  # the photo itself, not its thumbnail
    assert photo["focused"] == _text("Close the photo")
    assert photo["focusBack"] is True


def test_the_case_offers_only_the_lifecycles_moves(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    assert result["case"]["status"] == "registered"
    assert result["case"]["moves"] == ["accepted", "rejected", "duplicate"]
    assert result["accepted"]["moves"] == ["in_progress", "rejected", "duplicate"]
    assert result["case"]["actions"] == [
        _text("Change the status"),
        _text("Reply to the citizen"),
        _text("Assign to a department"),
        _text("Merge into another report"),
        _text("Description and photos for the public"),
    ]


def test_a_moderator_assigns_the_report_to_a_department(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    assigned, report = result["assigned"], result["filed"]["id"]
    department = _department_name(workspace_run, "natural_resources", "ru")
    assert assigned["facts"][_text("Department")] == department
    assert assigned["notice"] == _text(
        "Report {id} is assigned to {department}.", id=report, department=department
    )
    assert assigned["noticeRole"] == "status"
    assert "dk-notice" in assigned["focused"]


def test_a_reply_to_the_citizen_is_in_the_history(workspace_run: dict[str, Any]) -> None:
    replied = _desk(workspace_run)["replied"]
    assert replied["notice"] == _text("The reply is sent.")
    assert any("Спасибо, передали в управление природных ресурсов." in entry for entry in replied["history"])


def test_a_moderator_makes_the_description_and_photos_public(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    report = result["filed"]["id"]
    assert result["case"]["facts"][_text("Public description and photos")] == _text(
        "Not approved: only staff see them"
    )
    approved = result["approved"]
    assert approved["notice"] == _text("The description and photos of report {id} are public.", id=report)
    assert approved["facts"][_text("Public description and photos")] == _text("Approved by a moderator")
    base = workspace_run["server"].base_url
    with urllib.request.urlopen(f"{base}/reports/{report}/photos/1", timeout=30) as answer:  # anyone now
        assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"


def test_rejecting_without_a_reason_is_refused_beside_the_field(workspace_run: dict[str, Any]) -> None:
    refused = _desk(workspace_run)["rejectWithoutReason"]
    assert refused == {
        "field": "comment",
        "error": [_text("Write why the report is rejected.")],
        "focused": True,
    }


def test_a_move_is_said_and_shown(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    accepted = result["accepted"]
    assert accepted["status"] == "accepted"
    status = _text("Accepted")
    assert accepted["notice"] == _text(
        "Report {id} is now: {status}.", id=result["filed"]["id"], status=status
    )


def test_a_change_made_meanwhile_reloads_the_case_and_says_so(workspace_run: dict[str, Any]) -> None:
    conflict = _desk(workspace_run)["conflict"]
    assert conflict["noticeRole"] == "alert"
    assert conflict["notice"].startswith(
        _text("Someone changed this report meanwhile; it has been reloaded. Check it and try again.")
    )
    assert conflict["status"] == "in_progress"  # what the other moderator did, read again
    assert "dk-notice" in conflict["focused"]


def test_a_moderator_merges_a_duplicate_after_a_confirmation(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    merged, report, other = result["merged"], result["filed"]["id"], result["filed"]["other"]
    assert merged["dialog"]["text"] == _text(
        "Merge report {id} into report {into}? This report becomes a duplicate.", id=other, into=report
    )
    assert merged["dialog"]["focused"] == _text("Cancel")
    assert merged["status"] == "duplicate"
    assert merged["notice"] == _text("Report {id} is merged into report {into}.", id=other, into=report)
    assert merged["facts"][_text("Duplicate of")] == report
    # a duplicate is no longer moved, assigned or merged
    assert merged["actions"] == [
        _text("Reply to the citizen"),
        _text("Description and photos for the public"),
    ]
    assert result["publisherCase"]["facts"][_text("Supporters", "kk")] == "1"  # the other report's citizen


def test_a_publisher_sees_only_the_departments_queue(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    queue = result["publisherQueue"]
    assert result["filed"]["id"] in queue["tracking"]
    assert result["filed"]["other"] not in queue["tracking"]
    assert queue["departmentFilter"] is False
    assert _text("Department", "kk") not in queue["departments"]
    department = _department_name(workspace_run, "natural_resources", "kk")
    assert queue["intro"] == _text(
        "Reports for {department}, the soonest due first.", "kk", department=department
    )
    assert result["publisherOtherCase"] == 403


def test_the_publisher_resolves_the_report_in_kazakh(workspace_run: dict[str, Any]) -> None:
    result = _desk(workspace_run)
    report = result["filed"]["id"]
    assert result["publisherCase"]["heading"].startswith(report)  # "<id> хабарламасы: …"
    assert result["toActions"] == _text("Work on the report", "kk")  # a phone's shortcut past the history
    assert result["resolved"]["status"] == "resolved"
    assert result["resolved"]["notice"] == _text(
        "Report {id} is now: {status}.", "kk", id=report, status=_text("Resolved", "kk")
    )
    with urllib.request.urlopen(f"{workspace_run['server'].base_url}/reports/{report}", timeout=30) as answer:
        public = json.load(answer)
    assert public["status"] == "resolved"
    assert public["department"]["id"] == "natural_resources"
    assert [entry["kind"] for entry in public["history"]].count("reply") == 1  # shown as the city's, publicly
