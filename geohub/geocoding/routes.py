"""GET /api/geocode and GET /api/geocode/reverse: find an address or a named place, or what is
at a clicked point."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from flask import request as http_request
from pydantic import BaseModel, ConfigDict, Field

from geohub.errors import FieldError, InvalidDataError, InvalidRequestError
from geohub.features.params import parse_bbox
from geohub.geocoding.index import Entry, GeocodingIndex
from geohub.messages import tr
from geohub.openapi.models import Language
from geohub.openapi.operation import Reply, documented
from geohub.request_language import request_language

SERVICE = "geohub.geocoding"
MAX_QUERY_CHARS = 200
REVERSE_RADIUS_M = 150.0
CACHE = "public, max-age=60"  # an answer changes only with a new published version
CACHE_HEADERS = {"Cache-Control": f"`{CACHE}`"}

geocoding = Blueprint("geocoding", __name__)


class GeocodeQuery(BaseModel):
    """What to find (an address or a name in Kazakh, Russian or Latin letters), how many, where."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(max_length=MAX_QUERY_CHARS, examples=["пр. Абая 52б"])
    lang: Language | None = None
    limit: int = Field(8, ge=1, le=20)
    bbox: str | None = Field(None, description="minlon,minlat,maxlon,maxlat: only matches inside")


class ReverseQuery(BaseModel):
    """The clicked point."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, examples=[76.9457])
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, examples=[43.2383])
    lang: Language | None = None


class GeocodeAnswer(BaseModel):
    """A GeoJSON FeatureCollection of points, best first; each with label (in the request's
    language when the feature has a name in it), kind (`address` or the layer id), layer, id,
    district and score."""

    type: str
    features: list[dict[str, Any]]


class ReverseAnswer(BaseModel):
    """A GeoJSON Feature: the nearest address within 150 m (label, layer, id, distance_m) and the
    district holding the point; when no address is that near, the point itself with `label`,
    `layer`, `id` and `distance_m` null and only the district."""

    type: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


def register_geocoding(app: Flask) -> None:
    """The geocoding routes over one in-memory index of the app's store."""
    services = app.extensions["geohub"]
    app.extensions[SERVICE] = GeocodingIndex(services)
    app.register_blueprint(geocoding)


def geocoding_index_of(app: Flask) -> GeocodingIndex:
    index: GeocodingIndex = app.extensions[SERVICE]
    return index


@geocoding.get("/api/geocode")
@documented(
    summary="Find addresses and named places (Kazakh, Russian or Latin spelling)",
    tags=("geocoding",),
    operation_id="geocode",
    query=GeocodeQuery,
    responses={
        200: Reply("Matches, best first", GeocodeAnswer, media="application/geo+json", headers=CACHE_HEADERS)
    },
    problems=(400,),
)
def geocode() -> Response:
    """The best matches of `q`."""
    query = GeocodeQuery.model_validate(http_request.args.to_dict())
    if not query.q.strip():
        message = tr("Write what to search for.")
        raise InvalidRequestError(message, [FieldError("q", message)])
    bbox = parse_bbox(query.bbox, None)
    language = request_language()
    matches = geocoding_index_of(current_app).snapshot().search(query.q, query.limit, bbox)
    features = [_feature(m.entry, language, score=m.score) for m in matches]
    return _geojson({"type": "FeatureCollection", "features": features})


@geocoding.get("/api/geocode/reverse")
@documented(
    summary="The nearest address (if one is within 150 m) and the district of a point",
    tags=("geocoding",),
    operation_id="reverseGeocode",
    query=ReverseQuery,
    responses={
        200: Reply(
            "The nearest address, or the point and its district",
            ReverseAnswer,
            media="application/geo+json",
            headers=CACHE_HEADERS,
        )
    },
    problems=(400, 422),
)
def reverse_geocode() -> Response:
    """The nearest address within 150 m and the district; 422 outside the city. A point with no
    address near is still in a district: a map tap there is answered, not refused."""
    query = ReverseQuery.model_validate(http_request.args.to_dict())
    nearest = geocoding_index_of(current_app).snapshot().nearest(query.lon, query.lat, REVERSE_RADIUS_M)
    if nearest.city_known and nearest.district is None:
        raise InvalidDataError(tr("The point is outside the city."))
    if nearest.address is None:
        return _geojson(_bare_point(query.lon, query.lat, nearest.district))
    feature = _feature(nearest.address, request_language(), distance_m=round(nearest.distance_m or 0.0, 1))
    feature["properties"]["district"] = nearest.district or feature["properties"]["district"]
    return _geojson(feature)


def _feature(entry: Entry, language: str, **extra: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"{entry.kind}:{entry.id}",
        "geometry": {"type": "Point", "coordinates": [round(entry.lon, 7), round(entry.lat, 7)]},
        "properties": {
            "label": entry.label(language),
            "kind": entry.kind,
            "layer": entry.layer,
            "id": entry.id,
            "district": entry.district,
            **extra,
        },
    }


def _bare_point(lon: float, lat: float, district: str | None) -> dict[str, Any]:
    properties = {
        "label": None,
        "kind": None,
        "layer": None,
        "id": None,
        "district": district,
        "distance_m": None,
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def _geojson(answer: dict[str, Any]) -> Response:
    response = jsonify(answer)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = CACHE
    return response
