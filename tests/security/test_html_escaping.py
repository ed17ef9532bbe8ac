"""Every HTML page over hostile attribute values, read raw: nothing planted comes out as markup,
no page carries inline script, inline style or a javascript: link, and every answer carries the
security headers (pages, JSON, tiles, static files and errors alike)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from geohub.security_headers import SECURITY_HEADERS
from geohub.styles.preview import preview_page
from tests.security.conftest import HOSTILE_VALUES, LAYER_ID, UNESCAPED_MARKUP, HostileApps

COLLECTION = f"/collections/{LAYER_ID}"
HTML_PAGES = [
    "/?f=html",
    "/conformance?f=html",
    "/collections?f=html",
    f"{COLLECTION}?f=html",
    f"{COLLECTION}/queryables?f=html",
    f"{COLLECTION}/items?f=html",
    f"{COLLECTION}/items?f=html&limit=2&offset=2",
    *[f"{COLLECTION}/items/{quote(value, safe='')}?f=html" for value in HOSTILE_VALUES if "/" not in value],
    "/openapi?f=html",
    "/openapi?f=html&ui=redoc",
    "/styles/city.html",
]
OTHER_ANSWERS = [
    ("/collections", 200),
    (f"{COLLECTION}/items?limit=3", 200),
    (f"{COLLECTION}/items?f=csv", 200),
    (f"{COLLECTION}/items/{quote(HOSTILE_VALUES[1], safe='')}?f=jsonld", 200),
    ("/tiles/city/0/0/0.mvt", None),
    ("/static/css/default.css", 200),
    ("/assets/js/items-map.js", 200),
    ("/vendor/leaflet/dist/leaflet.js", 200),
    ("/styles/assets/maplibre-gl/dist/maplibre-gl.mjs", 200),
    ("/healthz", 200),
    ("/collections/nope", 404),
    (f"{COLLECTION}/items?bbox=1,2", 400),
    ("/no/such/page", 404),
]


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def assert_safe_page(html: str) -> None:
    """No planted markup, no inline script or style, no event handler, no javascript: link."""
    for markup in UNESCAPED_MARKUP:
        assert markup not in html
    page = _Tags()
    page.feed(html)
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert "style" not in attrs and tag != "style", (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            assert not attrs.get(name, "").strip().lower().startswith(("javascript:", "data:text")), attrs
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs
    for text in page.script_text:  # data blocks only: JSON with nothing that could end the element
        assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text


def assert_security_headers(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS, path
    assert "Server" not in headers
    assert "X-Powered-By" not in headers  # pygeoapi names itself and its version there


@pytest.fixture
def client(backend: str, hostile_apps: HostileApps) -> FlaskClient:
    return hostile_apps.app(backend).test_client()


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_page_shows_hostile_values_only_as_text(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_safe_page(response.get_data(as_text=True))
    assert_security_headers(response, path)


def test_items_page_shows_every_hostile_value_escaped(client: FlaskClient) -> None:
    html = client.get(f"{COLLECTION}/items?f=html").get_data(as_text=True)
    assert "{{7*7}}" in html  # shown as written, never evaluated as a template
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in html  # in the table, as text
    assert 'href="javascript:' not in html


def test_item_page_does_not_link_or_embed_a_javascript_url(client: FlaskClient) -> None:
    html = client.get(f"{COLLECTION}/items/{quote(HOSTILE_VALUES[3], safe='')}?f=html").get_data(as_text=True)
    assert HOSTILE_VALUES[-1] in html  # the image-looking javascript: value is shown as text
    assert '<img src="javascript:' not in html and 'href="javascript:' not in html


@pytest.mark.parametrize(("path", "status"), OTHER_ANSWERS)
def test_every_answer_has_the_security_headers(client: FlaskClient, path: str, status: int | None) -> None:
    response = client.get(path)
    if status is not None:
        assert response.status_code == status, path
    assert_security_headers(response, path)


def test_style_preview_keeps_a_hostile_title_out_of_its_markup() -> None:
    title = HOSTILE_VALUES[0] + HOSTILE_VALUES[1] + HOSTILE_VALUES[5]
    html = preview_page(title, "/styles/city.json", "/styles/assets/maplibre-gl/dist", "en", "/collections")
    assert_safe_page(html)
