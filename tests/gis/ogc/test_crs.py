"""OGC API - Features Part 2: crs, bbox-crs, Content-Crs, in PostGIS, checked against pyproj."""

import pytest
from django.contrib.gis.geos import Point
from pyproj import Transformer

from ..factories import make_place
from .helpers import all_items, bad_parameter, get_json, layer_features

pytestmark = pytest.mark.django_db

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# Real places of each territory, with the projection its surveyors use.
OVERSEAS = {
    2975: ("saint-denis", None),  # La Réunion: the demo town
    5490: ("digne", (-61.5331, 16.2411)),  # Pointe-à-Pitre, Guadeloupe
    2972: ("digne", (-52.3260, 4.9372)),  # Cayenne, Guyane
    4471: ("digne", (45.2279, -12.7806)),  # Mamoudzou, Mayotte
}


def projected(srid, lon, lat):
    return Transformer.from_crs("EPSG:4326", f"EPSG:{srid}", always_xy=True).transform(lon, lat)


def test_collections_list_their_crs_and_storage_crs(client):
    _, doc = get_json(client, "/ogc/collections/lieux")
    assert doc["storageCrs"] == CRS84 and doc["crs"][0] == CRS84
    assert {f"{EPSG}{code}" for code in (4326, 2154, 2975, 5490, 2972, 4471)} <= set(doc["crs"])
    _, conformance = get_json(client, "/ogc/conformance")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance["conformsTo"]


def test_gdal_asks_for_crs84_and_gets_the_same_features(client, committed_places):
    """GDAL >= 3.7 sends crs=CRS84 when a collection declares storageCrs (defect 2)."""
    default = all_items(client, "lieux")
    response, asked = get_json(
        client, "/ogc/collections/lieux/items", params={"crs": CRS84, "limit": 10000}
    )
    assert response["Content-Crs"] == f"<{CRS84}>"
    assert asked["features"] == default["features"]
    response = client.get(f"/ogc/collections/lieux/items/{committed_places[0].pk}?crs={CRS84}")
    assert response.status_code == 200 and response["Content-Crs"] == f"<{CRS84}>"


def test_digne_in_lambert_93_matches_pyproj(client, committed_places):
    place = committed_places[0]  # Digne-les-Bains
    response, feature = get_json(
        client, f"/ogc/collections/lieux/items/{place.pk}", params={"crs": f"{EPSG}2154"}
    )
    assert response["Content-Crs"] == f"<{EPSG}2154>"
    x, y = feature["geometry"]["coordinates"]
    expected = projected(2154, place.location.x, place.location.y)
    assert x == pytest.approx(expected[0], abs=0.01) and y == pytest.approx(expected[1], abs=0.01)
    assert 950_000 < x < 970_000 and 6_330_000 < y < 6_345_000  # Digne, in metres
    # Properties stay the layer's own: latitude/longitude are WGS84 values.
    assert feature["properties"]["longitude"] == round(place.location.x, 6)


@pytest.mark.parametrize("srid", sorted(OVERSEAS))
def test_overseas_projections_match_pyproj(client, srid):
    town, position = OVERSEAS[srid]
    extra = {"location": Point(*position, srid=4326)} if position else {}
    place = make_place(town, nom=f"Lieu projeté en EPSG:{srid}", **extra)
    _, feature = get_json(
        client, f"/ogc/collections/lieux/items/{place.pk}", params={"crs": f"{EPSG}{srid}"}
    )
    expected = projected(srid, place.location.x, place.location.y)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.01)


def test_epsg_4326_is_latitude_first(client, committed_places):
    response, page = get_json(
        client, "/ogc/collections/lieux/items", params={"crs": f"{EPSG}4326", "limit": 10000}
    )
    assert response["Content-Crs"] == f"<{EPSG}4326>"
    by_id = {f["id"]: f for f in layer_features("lieux")}
    for feature in page["features"]:
        lon, lat = by_id[feature["id"]]["geometry"]["coordinates"]
        assert feature["geometry"]["coordinates"] == [lat, lon]
        assert feature["properties"] == by_id[feature["id"]]["properties"]


def test_communes_in_lambert_93_keep_their_shape(client):
    _, feature = get_json(
        client, "/ogc/collections/communes/items/04070", params={"crs": f"{EPSG}2154"}
    )
    ring = feature["geometry"]["coordinates"][0][0]
    _, plain = get_json(client, "/ogc/collections/communes/items/04070")
    lon, lat = plain["geometry"]["coordinates"][0][0][0]
    assert ring[0] == pytest.approx(list(projected(2154, lon, lat)), abs=1.0)


def test_bbox_crs_lambert_93_and_epsg_4326(client, committed_places):
    lon_lat = {f["id"] for f in all_items(client, "lieux", bbox="6.1,44.0,6.35,44.2")["features"]}
    assert committed_places[0].pk in lon_lat
    lat_lon = all_items(
        client, "lieux", **{"bbox": "44.0,6.1,44.2,6.35", "bbox-crs": f"{EPSG}4326"}
    )
    assert {f["id"] for f in lat_lon["features"]} == lon_lat
    # The same box around Digne in Lambert-93: its edges are straight in metres, so compare
    # with what PostGIS finds in that projection.
    (x0, y0), (x1, y1) = projected(2154, 6.1, 44.0), projected(2154, 6.35, 44.2)
    box = f"{x0},{y0},{x1},{y1}"
    metric = all_items(client, "lieux", **{"bbox": box, "bbox-crs": f"{EPSG}2154"})
    expected = set()
    for feature in layer_features("lieux"):
        x, y = projected(2154, *feature["geometry"]["coordinates"])
        if x0 <= x <= x1 and y0 <= y <= y1:
            expected.add(feature["id"])
    assert {f["id"] for f in metric["features"]} == expected and committed_places[0].pk in expected


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("crs=EPSG:2154", "crs"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/3857", "crs"),
        ("bbox-crs=EPSG:2154&bbox=1,2,3,4", "bbox-crs"),
        (f"bbox-crs={EPSG}2154&bbox=960000,6340000,950000,6330000", "bbox"),
    ],
)
def test_unknown_crs_is_a_400_naming_it(client, query, parameter):
    bad_parameter(client, f"/ogc/collections/lieux/items?{query}", parameter)
    if parameter == "crs":
        bad_parameter(client, f"/ogc/collections/communes/items/04070?{query}", parameter)


def test_openapi_lists_the_crs(client):
    _, doc = get_json(client, "/ogc/api")
    parameters = doc["components"]["parameters"]
    assert parameters["crs"]["schema"]["enum"] == parameters["bbox-crs"]["schema"]["enum"]
    assert f"{EPSG}2154" in parameters["crs"]["schema"]["enum"]
    items = doc["paths"]["/collections/lieux/items"]["get"]
    assert "Content-Crs" in items["responses"]["200"]["headers"]
