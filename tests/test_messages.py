"""The message catalogue: every msgid the code marks is translated into kk and ru, with the same
placeholders; messages render whatever fills them; numbers follow the language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from geohub.i18n import negotiate_language
from geohub.messages import (
    LOCALE_DIR,
    Listing,
    Message,
    MissingTranslation,
    check_translated,
    decoded,
    encoded,
    known_message,
    localized,
    stored,
    tr,
)

PACKAGE = Path(__file__).resolve().parents[1] / "geohub"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
FILLS = ["{", "}", "{name}", "{0}", "%s", "\\1", "'", "almaly"]


def _extracted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, lineno, msgid, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords={"tr": None, "N_": None}
    ):
        found.setdefault(str(msgid), []).append(f"geohub/{filename}:{lineno}")
    return found


EXTRACTED = _extracted()


def _catalogue(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_marked_message_is_in_the_catalogue_and_translated(language: str) -> None:
    catalogue = _catalogue(language)
    untranslated = [
        f"{msgid!r} ({where[0]})" for msgid, where in EXTRACTED.items() if not catalogue.get(msgid)
    ]
    assert not untranslated, (
        f"no {language} translation (run `make messages`, then translate):\n" + "\n".join(untranslated)
    )


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_catalogue_holds_no_message_the_code_no_longer_has(language: str) -> None:
    stale = sorted(set(_catalogue(language)) - set(EXTRACTED))
    assert not stale, "run `make messages` to drop: " + "; ".join(stale)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_translation_has_its_msgids_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    for msgid in EXTRACTED:
        assert set(PLACEHOLDER.findall(catalogue.get(msgid, msgid))) == set(PLACEHOLDER.findall(msgid)), msgid


def test_kazakh_and_russian_are_not_copies_of_english() -> None:
    kk, ru = _catalogue("kk"), _catalogue("ru")
    # names and codes read the same in every language
    same = {msgid for msgid in EXTRACTED if not re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", msgid))}
    copied = [m for m in EXTRACTED if m not in same and (kk.get(m) == m or ru.get(m) == m)]
    assert not copied
    assert not [m for m in EXTRACTED if m not in same and kk.get(m) == ru.get(m)]


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    calls = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                calls.append((f"{path.relative_to(PACKAGE.parent)}:{node.lineno}", node))
    return calls


def test_babel_extracts_every_msgid_the_code_has() -> None:
    """What pybabel sees is what runs: a msgid it cannot read (a parenthesised concatenation)
    would never reach the catalogue."""
    written = {
        call.args[0].value
        for name in ("tr", "N_")
        for _, call in _calls(name)
        if call.args and isinstance(call.args[0], ast.Constant)
    }
    assert written - set(EXTRACTED) == set()


def test_every_tr_call_has_a_literal_msgid_and_exactly_its_parameters() -> None:
    faults = []
    for where, call in _calls("tr"):
        msgid = call.args[0] if call.args else None
        if not isinstance(msgid, ast.Constant) or not isinstance(msgid.value, str):
            faults.append(f"{where}: the msgid must be a plain string literal (no f-string)")
            continue
        wanted = set(PLACEHOLDER.findall(msgid.value))
        given = {k.arg for k in call.keywords}
        if None not in given and wanted != given:
            faults.append(f"{where}: placeholders {sorted(wanted)}, parameters {sorted(given)}")  # type: ignore[type-var]
    assert not faults, "\n".join(faults)


def _error_classes() -> set[str]:
    names = {"GeoHubError"}
    grew = True
    sources = [ast.parse(p.read_text()) for p in PACKAGE.rglob("*.py")]
    while grew:
        grew = False
        for tree in sources:
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in names
                    and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)
                ):
                    names.add(node.name)
                    grew = True
    return names


def test_no_error_is_raised_with_finished_english_text() -> None:
    """A GeoHubError (or FieldError) gets a Message, so it can be said in the reader's language."""
    faults = []
    classes = _error_classes() | {"FieldError"}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes:
                position = 1 if node.func.id == "FieldError" else 0
                text = node.args[position] if len(node.args) > position else None
                if isinstance(text, ast.JoinedStr | ast.Constant) and not (
                    isinstance(text, ast.Constant) and text.value is None
                ):
                    faults.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.func.id}")
    assert not faults, "write tr(...):\n" + "\n".join(faults)


@pytest.mark.parametrize("msgid", sorted(EXTRACTED))
def test_every_message_renders_in_every_language_whatever_fills_it(msgid: str) -> None:
    names = set(PLACEHOLDER.findall(msgid))
    for fill in FILLS:
        message = Message(msgid, dict.fromkeys(names, fill))
        for language in ("kk", "ru", "en"):
            text = message.render(language)
            assert isinstance(text, str)
            if names:
                assert fill in text


def test_a_message_with_json_braces_keeps_them() -> None:
    message = tr('Give the version to restore as a positive whole number: {"version": 3}.')
    assert message.render("ru").endswith('{"version": 3}.')


def test_numbers_and_dates_follow_the_language() -> None:
    message = tr(
        "{valid} valid and {invalid} invalid of {total} rows; {added} added, {changed} changed, "
        "{removed} removed, {unchanged} unchanged.",
        valid=12345,
        invalid=0,
        total=12345,
        added=1,
        changed=2,
        removed=3,
        unchanged=1234567,
    )
    assert message.render("en").startswith("12,345 valid")
    assert "12\u00a0345" in message.render("ru")
    assert "1\u00a0234\u00a0567" in message.render("kk")
    assert "2,5" in Message("{amount} per second", {"amount": 2.5}).render("ru")
    assert Message("{amount} per second", {"amount": True}).render("en") == "True per second"  # not 1


def test_nested_messages_and_listings_render_in_one_language() -> None:
    reason = tr("is not a whole number")
    fault = tr("{row}: {field} {reason}", row=tr("line {number}", number=17), field="levels", reason=reason)
    assert fault.render("en") == "line 17: levels is not a whole number"
    ru = fault.render("ru")
    assert "17" in ru and "levels" in ru and "line" not in ru
    both = Listing([fault, fault]).render("kk")
    assert both.count(";") == 1 and "line" not in both


def test_stored_messages_render_again_in_any_language_and_unknown_ones_are_refused() -> None:
    report = {"problems": [{"row": tr("feature {number}", number=3), "reason": tr("is required")}], "n": 2}
    kept = stored(report)
    assert localized(kept, "en") == {"problems": [{"row": "feature 3", "reason": "is required"}], "n": 2}
    assert localized(kept, "ru")["problems"][0]["reason"] != "is required"
    text = encoded(tr("Rejected by the publisher."))
    assert decoded(text, "en") == "Rejected by the publisher."
    assert decoded(text, "kk") != decoded(text, "en")
    assert decoded("an older plain message", "ru") == "an older plain message"
    assert decoded("{not json", "ru") == "{not json"
    assert (
        known_message({"msgid": "Anything an attacker writes", "params": {}}).msgid
        == "The file cannot be read."
    )
    assert known_message("x").msgid == "The file cannot be read."


def test_strict_checking_names_a_message_without_translation() -> None:
    with pytest.raises(MissingTranslation):
        check_translated("A sentence no catalogue holds.")
    check_translated("Rejected by the publisher.")


@pytest.mark.parametrize(
    ("header", "lang", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", None, "ru"),
        ("kk-KZ", None, "kk"),
        ("de, ru;q=0.1", None, "ru"),
        ("RU;q=0.5, EN;q=0.6", None, "en"),
        ("ru;q=0, kk;q=0.2", None, "kk"),
        ("*", None, "en"),
        ("de-DE", None, "en"),
        (";;;q=x,,", None, "en"),
        ("", None, "en"),
        (None, None, "en"),
        ("ru", "kk", "kk"),
        ("ru", "KK-kz", "kk"),
        ("kk", "fr", "kk"),
    ],
)
def test_language_negotiation(header: str | None, lang: str | None, expected: str) -> None:
    assert negotiate_language(header, lang) == expected
