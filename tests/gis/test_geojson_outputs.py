"""Every GeoJSON output of the site is RFC 7946; the full exports are complete and streamed."""

import csv
import io
import json

import pytest

from places.models import Place
from tests.towns import TOWNS

from .rfc7946 import assert_feature, assert_feature_collection

pytestmark = pytest.mark.django_db

COLLECTIONS = [
    "/ogc/collections/lieux/items?limit=10000",
    "/ogc/collections/communes/items?limit=10000",
    "/ogc/collections/communes/items?bbox=6.1,44.0,6.35,44.2",
    "/api/v1/export/lieux.geojson",
    "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3",
    "/api/v1/communes/?departement=04",
    "/api/v1/communes/?departement=974",
    "/couverture/04/priorites.geojson",
]
FEATURES = [
    "/ogc/collections/communes/items/04070",
    "/ogc/collections/communes/items/97411",
]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def places(committed_places):
    return committed_places


@pytest.mark.parametrize("url", COLLECTIONS)
def test_feature_collections_are_rfc7946(client, places, url):
    response = client.get(url)
    assert response.status_code == 200, body(response)[:300]
    assert response["Content-Type"].split(";")[0] == "application/geo+json"
    data = json.loads(body(response))
    assert data["features"], url
    assert_feature_collection(data)


@pytest.mark.parametrize("url", FEATURES)
def test_single_features_are_rfc7946(client, url):
    response = client.get(url)
    assert response["Content-Type"] == "application/geo+json"
    assert_feature(json.loads(response.content))


def test_place_features_are_lon_lat(client, places):
    place = next(p for p in places if p.commune == "Saint-Denis")
    response = client.get(f"/ogc/collections/lieux/items/{place.pk}")
    assert json.loads(response.content)["geometry"]["coordinates"] == list(TOWNS["saint-denis"][:2])


def test_geojson_export_holds_every_public_place_as_the_api_does(client, places):
    response = client.get("/api/v1/export/lieux.geojson")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="lieux.geojson"'
    data = json.loads(body(response))
    expected = set(Place.objects.public().located().values_list("pk", flat=True))
    assert {int(f["id"]) for f in data["features"]} == expected
    names = {f["properties"]["nom"] for f in data["features"]}
    assert "Lieu masqué de Digne" not in names and "Lieu supprimé de Gap" not in names
    # The same Feature as the places API gives for one place.
    place = places[0]
    api = json.loads(client.get(f"/api/v1/lieux/{place.pk}/").content)
    exported = next(f for f in data["features"] if int(f["id"]) == place.pk)
    assert exported["properties"] == api["properties"]
    assert exported["geometry"] == api["geometry"]


def test_csv_export_is_the_national_standard(client, places):
    response = client.get("/api/v1/export/lieux.csv")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == Place.objects.public().located().count()  # the same places as the API
    assert {"nom", "code_insee", "latitude", "longitude", "services"} <= set(rows[0])
    sisteron = [r for r in rows if r["nom"] == "Point numérique 0 de Sisteron"]
    assert len(sisteron) == 1 and sisteron[0]["code_insee"] == "04209"
    assert not [r for r in rows if r["nom"] == "Lieu masqué de Digne"]


def test_exports_revalidate_with_304(client, places):
    first = client.get("/api/v1/export/lieux.csv")
    body(first)
    again = client.get("/api/v1/export/lieux.csv", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
