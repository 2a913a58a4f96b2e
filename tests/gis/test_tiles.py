"""Vector tiles: decoded content, empty and out-of-range tiles, TileJSON, validators, cache."""

import json
import math

import mapbox_vector_tile
import pytest

from places.models import Place

from .factories import TOWNS, make_place

pytestmark = pytest.mark.django_db

MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def decode(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == MVT
    return mapbox_vector_tile.decode(response.content)


def digne_tile(z):
    lon, lat, *_ = TOWNS["digne"]
    return tile_of(lon, lat, z)


def test_places_tile_holds_the_place_of_digne_inside_the_tile(client):
    place = make_place("digne", nom="Médiathèque de Digne (tuile)")
    z, x, y = digne_tile(12)
    layer = decode(client.get(f"/tiles/lieux/{z}/{x}/{y}.pbf"))["lieux"]
    assert layer["extent"] == 4096
    features = {f["id"]: f for f in layer["features"]}
    assert place.pk in features
    feature = features[place.pk]
    assert feature["properties"]["nom"] == "Médiathèque de Digne (tuile)"
    assert feature["properties"]["services"] == "Aide aux démarches administratives"
    px, py = feature["geometry"]["coordinates"]
    assert 0 <= px <= 4096 and 0 <= py <= 4096  # inside the tile, not in the buffer
    # Hidden places never reach a tile.
    hidden = make_place("digne", nom="Lieu masqué (tuile)", is_visible=False)
    layer = decode(client.get(f"/tiles/lieux/{z}/{x}/{y}.pbf"))["lieux"]
    assert hidden.pk not in {f["id"] for f in layer["features"]}


def test_communes_tile_carries_coverage_properties(client):
    z, x, y = digne_tile(10)
    layer = decode(client.get(f"/tiles/communes/{z}/{x}/{y}.pbf"))["communes"]
    by_code = {f["properties"]["code_insee"]: f for f in layer["features"]}
    digne = by_code["04070"]
    assert digne["properties"]["nom"] == "Digne-les-Bains"
    assert digne["properties"]["departement"] == "04"
    assert isinstance(digne["properties"]["covered"], bool)
    assert digne["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_reunion_tile_holds_saint_denis(client):
    lon, lat, *_ = TOWNS["saint-denis"]
    z, x, y = tile_of(lon, lat, 9)
    layer = decode(client.get(f"/tiles/communes/{z}/{x}/{y}.pbf"))["communes"]
    assert "97411" in {f["properties"]["code_insee"] for f in layer["features"]}


def test_empty_tile_is_204(client):
    z, x, y = tile_of(-30.0, 0.0, 8)  # Atlantic Ocean
    response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf")
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(
    "path",
    ["communes/17/0/0", "communes/-1/0/0", "communes/3/8/0", "lieux/3/0/8", "lieux/0/-1/0"],
)
def test_out_of_range_tiles_are_400(client, path):
    response = client.get(f"/tiles/{path}.pbf")
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["error"] == "tile_out_of_range" and body["detail"]


def test_unknown_layer_is_404(client):
    for url in ("/tiles/ecoles/3/0/0.pbf", "/tiles/ecoles.json"):
        response = client.get(url)
        assert response.status_code == 404
        assert "lieux, communes" in json.loads(response.content)["detail"]


def test_tilejson_describes_each_layer(client):
    for name in ("lieux", "communes"):
        doc = json.loads(client.get(f"/tiles/{name}.json").content)
        assert doc["tilejson"] == "3.0.0"
        assert doc["tiles"] == [f"http://testserver/tiles/{name}/{{z}}/{{x}}/{{y}}.pbf"]
        assert doc["vector_layers"][0]["id"] == name
    communes = json.loads(client.get("/tiles/communes.json").content)
    assert {"covered", "distance_m", "population"} <= set(communes["vector_layers"][0]["fields"])


def test_etag_304_cache_hit_and_a_write_invalidates(client):
    z, x, y = digne_tile(11)
    url = f"/tiles/lieux/{z}/{x}/{y}.pbf"
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache"
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    again = client.get(url)
    assert again["X-Tile-Cache"] == "hit" and again.content == first.content
    place = make_place("digne", nom="Nouveau lieu (tuile)")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert fresh["X-Tile-Cache"] == "miss"
    ids = {f["id"] for f in decode(fresh)["lieux"]["features"]}
    assert place.pk in ids
    Place.objects.filter(pk=place.pk).update(is_visible=False)  # a bulk write, no signal
    ids = {f["id"] for f in decode(client.get(url))["lieux"]["features"]}
    assert place.pk not in ids


def test_cors_on_tiles(client):
    z, x, y = digne_tile(8)
    response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf", HTTP_ORIGIN="https://a.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_national_map_page_embeds_the_vendored_viewer(client):
    page = client.get("/tiles/").content.decode()
    assert "maplibre-gl-5.6.0/maplibre-gl.js" in page and "coverage_map.js" in page
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert "/tiles/communes.json" in page


def test_commune_polygons_follow_the_mvt_winding_rule(client):
    """Exterior rings have a positive surveyor's area in tile units (y down), holes negative."""
    z, x, y = digne_tile(8)
    response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf")
    tile = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    polygons = []
    for feature in tile["communes"]["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            polygons.append(geometry["coordinates"])
        else:
            polygons.extend(geometry["coordinates"])
    assert len(polygons) > 100

    def area(ring):
        return sum(
            x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
        )

    assert all(area(polygon[0]) > 0 for polygon in polygons)
    assert all(area(hole) < 0 for polygon in polygons for hole in polygon[1:])
    for polygon in polygons:
        for px, py in polygon[0]:
            assert -64 <= px <= 4160 and -64 <= py <= 4160  # clipped to tile + buffer


def test_communes_tiles_follow_threshold_and_basis(client):
    """The map can shade communes at the threshold and basis of the page that shows it."""
    z, x, y = digne_tile(8)

    def covered(query):
        response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf{query}")
        features = decode(response)["communes"]["features"]
        return {f["properties"]["code_insee"] for f in features if f["properties"]["covered"]}

    tight, default, wide = covered("?threshold_km=2"), covered(""), covered("?threshold_km=60")
    assert tight <= default <= wide and tight != wide
    assert client.get(f"/tiles/communes/{z}/{x}/{y}.pbf?threshold_km=10").content == (
        client.get(f"/tiles/communes/{z}/{x}/{y}.pbf").content
    )
    doc = json.loads(client.get("/tiles/communes.json?threshold_km=5&basis=places").content)
    assert doc["tiles"][0].endswith("/tiles/communes/{z}/{x}/{y}.pbf?threshold_km=5&basis=places")


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("?threshold_km=0.5", "threshold_km"),
        ("?threshold_km=abc", "threshold_km"),
        ("?threshold_km=nan", "threshold_km"),
        ("?basis=ecoles", "basis"),
        ("?zoom=3", "zoom"),
        ("?threshold_km=", "threshold_km"),
        ("?basis=&threshold_km=5", "basis"),
    ],
)
def test_bad_tile_parameters_are_400_naming_them(client, query, parameter):
    response = client.get(f"/tiles/communes/8/132/92.pbf{query}")
    assert response.status_code == 400
    assert parameter in json.loads(response.content)["parameters"]
