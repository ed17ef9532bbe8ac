"""CountCache: a filter's match count is computed once per published table, oldest entries go first."""

from __future__ import annotations

from geohub.storage.counts import CountCache


def test_count_is_computed_once_per_key() -> None:
    cache = CountCache()
    calls: list[str] = []

    def count() -> int:
        calls.append("counted")
        return 42

    assert cache.get_or_count(("buildings_v1", "WHERE x = ?", "[1]"), count) == 42
    assert cache.get_or_count(("buildings_v1", "WHERE x = ?", "[1]"), count) == 42
    assert calls == ["counted"]


def test_a_new_version_table_is_counted_again() -> None:
    cache = CountCache()
    assert cache.get_or_count(("roads_v1", "", "[]"), lambda: 1) == 1
    assert cache.get_or_count(("roads_v2", "", "[]"), lambda: 2) == 2


def test_least_recently_used_entries_are_dropped() -> None:
    cache = CountCache(max_entries=2)
    cache.get_or_count("a", lambda: 1)
    cache.get_or_count("b", lambda: 2)
    cache.get_or_count("a", lambda: 99)  # a is now the most recent
    cache.get_or_count("c", lambda: 3)  # b goes
    assert cache.get_or_count("a", lambda: 100) == 1
    assert cache.get_or_count("b", lambda: 200) == 200
