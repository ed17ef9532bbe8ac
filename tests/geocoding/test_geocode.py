"""Forward and reverse geocoding over the real 2012 address register, on both backends."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from geohub.etl.pipeline import import_layer
from geohub.geocoding.index import GeocodingIndex
from geohub.geocoding.spelling import split_words
from tests.conftest import DEMO_DATA
from tests.reports.conftest import MAKATAEVA_41, east_of

# real addresses of data/almaty/addresses.gpkg (OpenStreetMap, 2012)
ABAY_54 = "w51335227"  # "Абая пр.", "54"
ABAY_52B = ("n1020156479", "w91050744")  # "пр. Абая", '52 "Б"' (tagged twice)
ABAY_75 = "w47148070"  # "пр-т Абая", "75"
ABAY_AVENUE = {"w51268751", "w51275863", "w51275865", "w51275866", "w51275872", "w51275879", ABAY_54}
SATPAYEV_80A = "w41520056"  # "Сатпаева ул.", "80 А"
SATPAYEV_76 = "w51822962"  # "Сатпаева ул.", "76" (and "76 А" beside it)
MAKATAEVA_41_ID = "w27107721"  # "ул. Макатаева", "41"


def found(client: FlaskClient, q: str, **args: object) -> list[dict]:
    response = client.get("/api/geocode", query_string={"q": q, **args})
    assert response.status_code == 200, (q, response.json)
    assert response.mimetype == "application/geo+json"
    return [feature["properties"] for feature in response.json["features"]]


def test_spellings_share_one_key() -> None:
    keys = {
        split_words(q).words
        for q in ("Абая", "Abaya", "Абай даңғылы", "пр. Абая", "ABAY avenue", "пр-т Абая")
    }
    assert keys == {("aba",)}
    assert split_words("Satpayev street 80 A") == split_words("ул. Сатпаева 80а")
    assert split_words('52 "Б"').numbers == ("52b",)


def test_each_spelling_finds_the_real_address(client: FlaskClient) -> None:
    first = {
        "пр. Абая 54": {ABAY_54},
        "Abay 54": {ABAY_54},
        "Abaya 54": {ABAY_54},
        "Абай даңғылы 75": {ABAY_75},
        "Abay avenue 52b": set(ABAY_52B),
        "пр-т Абая 52 Б": set(ABAY_52B),
        "Сатпаева 80а": {SATPAYEV_80A},
        "Satpayev 80 A": {SATPAYEV_80A},
        "Сәтпаев көшесі 76": {SATPAYEV_76},
        "ул. Сатпаева 80": {SATPAYEV_80A},  # "80" finds "80 А" by prefix
    }
    for q, ids in first.items():
        best = found(client, q)[0]
        assert best["id"] in ids and best["kind"] == "address" and best["layer"] == "addresses", (q, best)
        assert best["district"] in ("bostandyk", "almaly"), (q, best)  # Abay avenue parts the two
    for q in ("Абая", "Abaya", "Абай даңғылы", "пр. Абая"):
        ids = {p["id"] for p in found(client, q, limit=20) if p["kind"] == "address"}
        assert ids >= ABAY_AVENUE, q


def test_exact_house_number_comes_before_its_prefix(client: FlaskClient) -> None:
    answer = found(client, "Satpayev 76")
    assert [p["id"] for p in answer[:1]] == [SATPAYEV_76]
    assert answer[0]["score"] > answer[1]["score"]
    assert found(client, "Абая 999") == []


def test_named_features_answer_in_the_request_language(client: FlaskClient) -> None:
    kk = found(client, "Медеу ауданы", lang="kk")[0]
    en = found(client, "Medeu", lang="en")[0]
    assert kk["kind"] == en["kind"] == "districts" and kk["id"] == en["id"] == "medeu"
    assert "Медеу" in kk["label"] and en["label"] == "Medeu District"
    assert any(p["kind"] in ("places", "green_spaces") for p in found(client, "Панфилов", limit=20))


def test_limit_and_bbox(client: FlaskClient) -> None:
    assert len(found(client, "Абая", limit=2)) == 2
    lon, lat = MAKATAEVA_41
    assert found(client, "Абая", bbox=f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}") == []


def test_reverse_finds_the_nearest_address(client: FlaskClient) -> None:
    lon, lat = east_of(MAKATAEVA_41, 10)
    response = client.get("/api/geocode/reverse", query_string={"lon": lon, "lat": lat})
    assert response.status_code == 200, response.json
    feature = response.json
    assert feature["properties"]["id"] == MAKATAEVA_41_ID
    assert feature["properties"]["district"] == "medeu"
    assert 9 < feature["properties"]["distance_m"] < 11
    assert feature["properties"]["label"] == "ул. Макатаева, 41"


def test_reverse_far_from_addresses_gives_the_district_and_outside_the_city_422(client: FlaskClient) -> None:
    lon, lat = east_of(MAKATAEVA_41, 1500)  # in the city, no address in the 2012 register nearby
    near = client.get("/api/geocode/reverse", query_string={"lon": lon, "lat": lat, "lang": "ru"})
    outside = client.get("/api/geocode/reverse", query_string={"lon": 70.0, "lat": 43.0, "lang": "kk"})
    assert near.status_code == 200 and near.mimetype == "application/geo+json"
    assert near.json["geometry"]["coordinates"] == [lon, lat]
    assert near.json["properties"]["label"] is None and near.json["properties"]["distance_m"] is None
    assert near.json["properties"]["district"] in {"almaly", "medeu", "bostandyk"}
    assert outside.status_code == 422 and outside.json["detail"] == "Нүкте қаладан тыс жерде."


def test_bad_inputs_are_problems_in_the_request_language(client: FlaskClient) -> None:
    bad = [
        ("/api/geocode", {"q": "  "}),
        ("/api/geocode", {}),
        ("/api/geocode", {"q": "а" * 201}),
        ("/api/geocode", {"q": "Абая", "limit": 0}),
        ("/api/geocode", {"q": "Абая", "limit": 21}),
        ("/api/geocode", {"q": "Абая", "limit": "many"}),
        ("/api/geocode", {"q": "Абая", "bbox": "1,2,3"}),
        ("/api/geocode", {"q": "Абая", "bbox": "nan,1,2,3"}),
        ("/api/geocode/reverse", {"lon": "x", "lat": 43.2}),
        ("/api/geocode/reverse", {"lon": 76.9, "lat": 91}),
        ("/api/geocode/reverse", {"lon": "inf", "lat": 43.2}),
        ("/api/geocode/reverse", {"lat": 43.2}),
    ]
    for path, args in bad:
        response = client.get(path, query_string={**args, "lang": "ru"})
        assert response.status_code == 400, (path, args, response.json)
        assert response.mimetype == "application/problem+json"
        assert response.json["title"].startswith("Некорректный"), (args, response.json)
    assert found(client, "а" * 200) == []


def test_the_index_follows_a_new_published_version(app: Flask, tmp_path: Path) -> None:
    services = app.extensions["geohub"]
    index = GeocodingIndex(services, check_every_s=0)
    assert index.snapshot().search("Жолдасбеков 999", 8) == []
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(DEMO_DATA / "addresses.gpkg", source / "addresses.gpkg")
    with sqlite3.connect(source / "addresses.gpkg") as db:
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{trigger}"')  # its spatial index triggers need SpatiaLite
        db.execute(
            "UPDATE addresses SET street = 'ул. Жолдасбекова', housenumber = '999' WHERE osm_id = 51335227"
        )
    import_layer(services.registry.get("addresses"), services.store, services.registry, source)
    [match] = index.snapshot().search("Zholdasbekov 999", 8)
    assert match.entry.id == ABAY_54 and match.entry.label("ru") == "ул. Жолдасбекова, 999"
    assert all(m.entry.id != ABAY_54 for m in index.snapshot().search("Абая 54", 8))
