"""OWSLib's OGC API - Features client (owslib.ogcapi.features.Features) on the live server."""

import pytest
from owslib.ogcapi.features import Features

from .server import GAP_BBOX, REAL_TOWNS, api_matched, ogc_matched

# The mark makes pytest-django set up the test database (demo_server alone would not).
pytestmark = pytest.mark.django_db

CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


@pytest.fixture(scope="module")
def features(server):
    return Features(f"{server}/ogc/")


def test_owslib_reads_the_landing_page_and_conformance(features):
    rels = {link["rel"] for link in features.links}
    assert {"service-desc", "conformance", "data"} <= rels
    conforms = set(features.conformance()["conformsTo"])
    assert {CONFORMANCE + name for name in ("core", "geojson", "oas30")} <= conforms
    assert features.api()["openapi"].startswith("3.0")


def test_owslib_lists_both_feature_collections(features):
    assert set(features.feature_collections()) == {"lieux", "communes"}
    for collection_id in ("lieux", "communes"):
        collection = features.collection(collection_id)
        assert collection["id"] == collection_id
        assert any(link["rel"] == "items" for link in collection["links"])


@pytest.mark.parametrize("collection", ["lieux", "communes"])
def test_owslib_pages_items_with_limit(features, server, collection):
    first = features.collection_items(collection, limit=5)
    assert first["numberReturned"] == len(first["features"]) == 5
    assert first["numberMatched"] == ogc_matched(server, collection)
    second = features.collection_items(collection, limit=5, offset=5)
    assert not {f["id"] for f in first["features"]} & {f["id"] for f in second["features"]}


def test_owslib_bbox_around_gap_returns_the_places_the_api_finds_there(features, server):
    answer = features.collection_items("lieux", bbox=list(GAP_BBOX), limit=1000)
    bbox = ",".join(map(str, GAP_BBOX))
    assert answer["numberMatched"] == len(answer["features"]) == api_matched(server, bbox=bbox) > 0
    west, south, east, north = GAP_BBOX
    for feature in answer["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north, feature["id"]
    assert REAL_TOWNS["Gap"] in {f["properties"]["code_insee"] for f in answer["features"]}


def test_owslib_property_filter_matches_the_places_api(features, server):
    for town, code in REAL_TOWNS.items():
        answer = features.collection_items("lieux", code_insee=code, limit=1000)
        assert answer["numberMatched"] == api_matched(server, code_insee=code) > 0, town
        assert {f["properties"]["code_insee"] for f in answer["features"]} == {code}, town


@pytest.mark.parametrize("collection", ["lieux", "communes"])
def test_owslib_reads_the_queryables_when_the_collection_declares_them(features, collection):
    links = features.collection(collection)["links"]
    if not any(link["rel"] in (QUERYABLES, "queryables") for link in links):
        pytest.skip(f"the {collection} collection declares no queryables link")
    queryables = features.collection_queryables(collection)
    assert {"code_insee", "departement"} <= set(queryables["properties"])
