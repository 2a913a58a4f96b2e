"""The SQL-built FeatureCollection is RFC 7946 and keeps the queryset's order."""

import json

import pytest

from geo_directory.geojson import ForcePolygonCCW, feature_collection
from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db


def ring_is_ccw(ring):
    area2 = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
    return area2 > 0


def test_feature_collection_of_communes_is_rfc7946():
    qs = Commune.objects.in_departement("04").order_by("-population")[:5]
    text = feature_collection(
        qs,
        geometry=ForcePolygonCCW("geom"),
        properties={"code_insee": "code", "nom": "nom", "departement": "departement__nom"},
        precision=5,
        members={"numberReturned": 5},
    )
    data = json.loads(text)
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert data["numberReturned"] == 5
    codes = [f["id"] for f in data["features"]]
    assert codes == [c.code for c in qs]
    assert codes[0] == "04112"  # Manosque, the most populated commune of 04
    first = data["features"][0]
    assert first["properties"] == {
        "code_insee": "04112",
        "nom": "Manosque",
        "departement": "Alpes-de-Haute-Provence",
    }
    lon, lat = first["geometry"]["coordinates"][0][0][0]
    assert 5.7 < lon < 5.9 and 43.7 < lat < 43.9  # [lon, lat], Manosque
    for feature in data["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            assert ring_is_ccw(polygon[0])


def test_empty_collection():
    data = json.loads(
        feature_collection(Commune.objects.none(), geometry="geom", properties={"nom": "nom"})
    )
    assert data == {"type": "FeatureCollection", "features": []}
