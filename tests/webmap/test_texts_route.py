"""The route panel's page config: every routing profile, titled in the page language, with the
limits the router itself applies by default (so the form's prefilled values are the API's)."""

from __future__ import annotations

import pytest

from geohub.messages import LANGUAGES
from geohub.routing.profiles import LIMIT_PARAMETERS, PROFILES
from geohub.webmap.texts_route import PROFILE_TEXTS, TEXTS, routing_profiles


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_profile_is_offered_with_the_routers_default_limits(language: str) -> None:
    offered = routing_profiles(language)
    assert [p["id"] for p in offered] == list(PROFILES)
    for profile in offered:
        defaults = PROFILES[profile["id"]].limits()
        assert set(profile["limits"]) == set(LIMIT_PARAMETERS)
        assert profile["limits"] == {name: defaults[name] for name in LIMIT_PARAMETERS}
        assert profile["speed"] == PROFILES[profile["id"]].speed_m_s
        assert profile["title"] and profile["description"]


def test_profiles_are_titled_in_the_page_language() -> None:
    titles = {language: {p["id"]: p["title"] for p in routing_profiles(language)} for language in LANGUAGES}
    assert titles["en"]["manual_wheelchair"] == "Manual wheelchair"
    assert titles["ru"]["manual_wheelchair"] == "Механическая кресло-коляска"
    assert titles["kk"]["manual_wheelchair"] == "Механикалық кресло-арба"
    assert set(PROFILE_TEXTS) == set(PROFILES)


def test_every_limit_has_a_label_in_the_form() -> None:
    assert {f"route.limit.{name}" for name in LIMIT_PARAMETERS} <= set(TEXTS)
