"""pygeoapi's HTML pages in Kazakh, Russian and English: <html lang dir>, words, numbers and dates."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

LAYER = "buildings"
FEATURE = "w27064510"  # КазТрансКом: levels 5, area_m2 1042.9, edited 2011-09-01T17:08:03Z
PAGES = {
    "landing": "/",
    "collections": "/collections",
    "collection": f"/collections/{LAYER}",
    "items": f"/collections/{LAYER}/items",
    "item": f"/collections/{LAYER}/items/{FEATURE}",
}
# A few words of each page's chrome, as each catalogue writes them
WORDS = {
    ("kk", "landing"): [
        "Осы сервистегі жинақтарды қарау",
        "Пайдалану шарттары",
        "Деректер жеткізушісі",
        "Алматы қаласының әкімдігі",
        "Қазақстан",
    ],
    ("ru", "landing"): [
        "Просмотреть коллекции этого сервиса",
        "Условия использования",
        "Поставщик данных",
        "Акимат города Алматы",
        "Казахстан",
    ],
    ("kk", "collections"): ["Осы сервистегі деректер жинақтары", "Атауы", "Сипаттамасы"],
    ("ru", "collections"): ["Коллекции данных этого сервиса", "Название", "Описание"],
    ("kk", "collection"): ["«Ғимараттар» жинағының нысандарын шолу", "Осы құжат, JSON", "Сілтемелер"],
    ("ru", "collection"): ["Просмотреть объекты коллекции «Здания»", "Этот документ в JSON", "Ссылки"],
    ("kk", "items"): ["Жинақтағы нысандар саны", "Беттегі нысандар саны", "Келесі"],
    ("ru", "items"): ["Объектов в коллекции", "Объектов на странице", "Далее"],
    ("kk", "item"): ["Атрибут", "Мәні", "Осы сервердің басты беті, HTML"],
    ("ru", "item"): ["Атрибут", "Значение", "Главная страница этого сервера в HTML"],
}
CHROME = {"kk": ["Басты бет", "Байланыс", "Платформа:"], "ru": ["Главная", "Контакты", "Работает на"]}


class _Page(HTMLParser):
    """The visible text of a page, its <html> attributes, and any inline script or style."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html_attributes: dict[str, str | None] = {}
        self.inline: list[str] = []
        self.words: list[str] = []
        self._in_script = False
        self.feed(html)
        self.text = re.sub(r"[ \t\r\n]+", " ", " ".join(self.words))  # no-break spaces stay

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_attributes = attributes
        if "style" in attributes or tag == "style" or any(name.startswith("on") for name in attributes):
            self.inline.append(self.get_starttag_text() or tag)
        self._in_script = tag == "script"
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.inline.append(self.get_starttag_text() or tag)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.words.append(data)


def _page(client: FlaskClient, path: str, language: str, **query: str) -> _Page:
    response = client.get(path, query_string={"f": "html", "lang": language, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    return _Page(response.get_data(as_text=True))


def _grouped(value: float, language: str) -> str:
    """`value` with thousands grouped as the language writes it (Python's own formatting as reference)."""
    english = f"{int(value) if float(value).is_integer() else value:,}"  # 1395.0 is written 1 395
    return english if language == "en" else english.replace(",", "\u00a0").replace(".", ",")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_page_speaks_the_language(pages_client: FlaskClient, language: str, page: str) -> None:
    html = _page(pages_client, PAGES[page], language)
    assert html.html_attributes == {"lang": language, "dir": "ltr"}
    for words in CHROME[language] + WORDS[(language, page)]:
        assert words in html.text, f"{words!r} not on the {language} {page} page"
    assert "Items in this collection" not in html.text and "This document as" not in html.text
    assert " None " not in html.text  # a missing value shows as nothing
    assert not html.inline  # the CSP allows no inline script or style


def test_accept_language_chooses_the_page_language(pages_client: FlaskClient) -> None:
    response = pages_client.get(PAGES["items"], headers={"Accept": "text/html", "Accept-Language": "kk"})
    html = _Page(response.get_data(as_text=True))
    assert html.html_attributes == {"lang": "kk", "dir": "ltr"}
    assert "Жинақтағы нысандар саны" in html.text


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_feature_count_is_grouped_the_languages_way(pages_client: FlaskClient, language: str) -> None:
    matched = pages_client.get(PAGES["items"], query_string={"f": "json", "limit": 1}).get_json()[
        "numberMatched"
    ]
    assert matched >= 1000
    html = _page(pages_client, PAGES["items"], language)
    label = {"kk": "Жинақтағы нысандар саны", "ru": "Объектов в коллекции", "en": "Items in this collection"}
    assert f"{label[language]}: {_grouped(matched, language)}" in html.text
    assert f"{_grouped(1000, language)} {_grouped(2000, language)}" in html.text  # the page-size choices


@pytest.mark.parametrize(
    "language,edited",
    [
        ("kk", "2011\u202fж. 01 қыр., 23:08:03"),
        ("ru", "1 сент. 2011\u202fг., 23:08:03"),
        ("en", "Sep 1, 2011, 11:08:03\u202fPM"),
    ],
)
def test_item_numbers_and_dates_follow_the_language(
    pages_client: FlaskClient, language: str, edited: str
) -> None:
    properties = pages_client.get(PAGES["item"], query_string={"f": "json"}).get_json()["properties"]
    html = _page(pages_client, PAGES["item"], language)
    assert f" {_grouped(properties['area_m2'], language)} " in html.text
    assert properties["osm_timestamp"] == "2011-09-01T17:08:03+00:00"
    assert edited in html.text  # in Almaty time (UTC+6 in 2011)
    assert properties["osm_timestamp"] not in html.text


def test_items_table_writes_numbers_and_dates_the_languages_way(pages_client: FlaskClient) -> None:
    features = pages_client.get(PAGES["items"], query_string={"f": "json"}).get_json()["features"]
    html = _page(pages_client, PAGES["items"], "ru")
    areas = [f["properties"]["area_m2"] for f in features if f["properties"]["area_m2"] >= 1000]
    assert areas and all(_grouped(area, "ru") in html.text for area in areas)
    assert not any(f["properties"]["osm_timestamp"] in html.text for f in features)


@pytest.mark.parametrize("path", ["/conformance", f"/collections/{LAYER}/queryables", "/openapi"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_other_pages_carry_the_language_too(pages_client: FlaskClient, path: str, language: str) -> None:
    assert _page(pages_client, path, language).html_attributes == {"lang": language, "dir": "ltr"}


def test_the_openapi_contact_is_english_text_not_a_language_map(pages_client: FlaskClient) -> None:
    info = pages_client.get("/openapi?f=json").get_json()["info"]
    assert info["contact"]["name"] == "Akimat of Almaty — GeoHub"
    assert info["contact"]["x-ogc-serviceContact"]["addresses"][0]["city"] == "Almaty"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_image_has_a_text_alternative(pages_client: FlaskClient, page: str) -> None:
    html = pages_client.get(PAGES[page] + "?f=html&lang=ru").get_data(as_text=True)
    images = re.findall(r"<img\b[^>]*>", html)
    assert images and all(re.search(r'\balt="[^"]+"', image) for image in images), images
