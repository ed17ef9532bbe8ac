"""Every HTML page over hostile data, in a real browser: no planted script runs, the CSP is never
violated, and the pages' own scripts (maps, popups, Swagger UI, the JSON-LD loader) still work.

Debian's Chromium, driven by npm playwright-core (tests/security/browser_check.cjs): one browser,
one context, every page of both backends in one run. The pages may reach the servers under test
and nothing else.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.browser import run_browser_script
from tests.conftest import BACKENDS
from tests.security.conftest import HOSTILE_VALUES, LAYER_ID, HostileApps

BROWSER_CHECK = Path(__file__).with_name("browser_check.cjs")
URI_COMPONENT = "!~*'()"  # what JavaScript's encodeURIComponent leaves as is
JSON_LD_LOADED = 'head script[type="application/ld+json"]'  # jsonld.js, on every pygeoapi page, ran
ITEM_MAP = '#items-map[data-state="ready"]'
COLLECTION_MAP = '#collection-map[data-state="ready"] path.leaflet-interactive'  # the extent drawn
PROBLEMS = ("violations", "cspConsole", "pageErrors", "dialogs")


def pages_of(base: str) -> list[dict[str, Any]]:
    """Every HTML page GeoHub serves over the hostile layer, and what shows that its scripts ran."""
    collection = f"{base}/collections/{LAYER_ID}"
    items = [
        {"url": f"{collection}/items/{quote(value, safe='')}?f=html", "ready": ITEM_MAP}
        for value in HOSTILE_VALUES
        if "/" not in value  # a feature id with a slash has no item URL
    ]
    return [
        {"url": f"{base}/?f=html", "ready": JSON_LD_LOADED},
        {"url": f"{base}/conformance?f=html", "ready": JSON_LD_LOADED},
        {"url": f"{base}/collections?f=html", "ready": JSON_LD_LOADED},
        {"url": f"{collection}?f=html", "ready": COLLECTION_MAP},
        {"url": f"{collection}/queryables?f=html", "ready": JSON_LD_LOADED},
        {
            "url": f"{collection}/items?f=html",
            "ready": '#items-map[data-state="ready"] .leaflet-marker-icon',
            "popups": True,
        },
        *items,
        {"url": f"{base}/openapi?f=html", "ready": "#swagger-ui .information-container .title"},
    ]


def run_browser_check(pages: list[dict[str, Any]], origins: list[str]) -> dict[str, Any]:
    return run_browser_script(BROWSER_CHECK, {"allowedOrigins": origins, "pages": pages}, timeout_s=300)


def test_no_page_runs_planted_script_or_breaks_the_csp(hostile_apps: HostileApps) -> None:
    with ThreadPoolExecutor(len(BACKENDS)) as pool:
        bases = list(pool.map(hostile_apps.serve, BACKENDS))
    pages = [page for base in bases for page in pages_of(base)]
    pages.append({"url": f"{bases[0]}/styles/city.html?lang=en", "ready": '#layer-list[data-state="ready"]'})

    report = run_browser_check(pages, bases)

    assert report["blocked"] == [], "a page tried to reach another host"
    assert [page["url"] for page in report["pages"]] == [page["url"] for page in pages]
    for page in report["pages"]:
        problems = {key: page[key] for key in PROBLEMS if page[key]}
        assert problems == {}, (page["url"], problems)
        assert page["xss"] is False, page["url"]
        assert page["status"] == 200 and page["ready"], (page["url"], page.get("error"))
    for items_page in [page for page in report["pages"] if "popups" in page]:
        shown = items_page["popups"]
        assert sorted(popup["text"] for popup in shown) == sorted(HOSTILE_VALUES)  # title_field: name
        assert all(popup["elements"] == ["SPAN", "A"] for popup in shown)  # text in a link, never markup
        paths = {"/collections/" + popup["href"].split("/collections/", 1)[1] for popup in shown}
        items_path = f"/collections/{LAYER_ID}/items"
        assert paths == {f"{items_path}/{quote(v, safe=URI_COMPONENT)}?f=html" for v in HOSTILE_VALUES}
