"""A layer definition edited after the last import never breaks reads of the stored version."""

from __future__ import annotations

import pytest

from geohub.errors import InvalidRequestError
from geohub.features.cql_text import read_filter
from geohub.layers.models import Attribute, AttributeType
from geohub.storage.base import FeatureQuery, FeatureStore
from tests.storage.conftest import Dataset


def test_an_added_attribute_reads_as_absent_until_the_next_import(
    store: FeatureStore, buildings: Dataset
) -> None:
    store.write_version(buildings.layer, buildings.features)
    added = Attribute(name="roof_shape", type=AttributeType.string)
    edited = buildings.layer.model_copy(update={"attributes": (*buildings.layer.attributes, added)})
    page = store.query(edited, FeatureQuery(limit=5, where={"building": "yes"}))
    assert page.features
    assert all("roof_shape" not in f.properties for f in page.features)
    one = store.get(edited, page.features[0].id)
    assert one.properties["building"] == "yes"
    with pytest.raises(InvalidRequestError):
        store.query(edited, FeatureQuery(filter=read_filter("roof_shape = 'flat'", "cql2-text")))


def test_a_retyped_attribute_is_left_out_rather_than_misread(store: FeatureStore, buildings: Dataset) -> None:
    store.write_version(buildings.layer, buildings.features)
    retyped = tuple(
        a.model_copy(update={"type": AttributeType.string}) if a.name == "levels" else a
        for a in buildings.layer.attributes
    )
    edited = buildings.layer.model_copy(update={"attributes": retyped})
    page = store.query(edited, FeatureQuery(limit=len(buildings.features)))
    assert page.number_matched == len(buildings.features)
    assert all("levels" not in f.properties for f in page.features)
    assert store.count(edited) == len(buildings.features)
