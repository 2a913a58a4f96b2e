"""Every door publishes the same layer: for every demo place and commune, the same id, the same
property names and values, the same coordinates (6 decimals), whether read from the API, OGC API -
Features, a z14 vector tile, the GeoJSON export or the standard CSV export; and the SQL writer
writes exactly what the layer's drf-gis serializer writes."""

import csv
import io
import json
import math

import mapbox_vector_tile
import pytest
from django.db.models import F

from coverage.layer import COMMUNES, COMMUNES_WRITER
from places import standard
from places.layer import PLACES, PLACES_WRITER

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def api_places(client) -> dict:
    features, page = {}, 1
    while True:
        body = json.loads(content(client.get(f"/api/v1/lieux/?page_size=1000&page={page}")))
        features.update({f["id"]: f for f in body["features"]})
        if not any(link["rel"] == "next" for link in body["links"]):
            return features
        page += 1


def test_the_sql_writer_writes_what_the_serializer_writes_for_every_place():
    rows = PLACES.rows()
    _n, text = PLACES_WRITER.page(rows.values(page_id=F("pk")))
    written = json.loads("[" + text + "]")
    reference = json.loads(json.dumps(PLACES.serialize(PLACES.serializer_instances(rows))))
    assert len(written) == len(reference) == rows.count() > 600
    for ours, ref in zip(written, reference, strict=True):
        assert ours == ref, ours["id"]


@pytest.mark.parametrize("options", [{}, {"basis": "places", "threshold_km": 20.0}])
def test_the_sql_writer_writes_what_the_serializer_writes_for_every_commune(options):
    rows = COMMUNES.rows(**options)
    _n, text = COMMUNES_WRITER.page(rows.values(page_id=F("code")), options=options)
    written = json.loads("[" + text + "]")
    reference = json.loads(json.dumps(COMMUNES.serialize(rows)))
    assert len(written) == len(reference) == 384  # 198 + 162 + 24 communes of the demo
    for ours, ref in zip(written, reference, strict=True):
        assert ours == ref, ours["id"]


def test_api_ogc_and_geojson_export_give_the_same_features_for_every_place(client):
    api = api_places(client)
    ogc = json.loads(content(client.get("/ogc/collections/lieux/items?limit=10000&f=json")))
    export = json.loads(content(client.get("/api/v1/export/lieux.geojson")))
    assert set(api) == {f["id"] for f in ogc["features"]} == {f["id"] for f in export["features"]}
    assert ogc["numberMatched"] == len(api) == PLACES.rows().count()
    for door in (ogc["features"], export["features"]):
        for feature in door:
            reference = api[feature["id"]]
            assert feature["geometry"] == reference["geometry"]
            assert feature["properties"] == reference["properties"], feature["id"]
    for feature in api.values():
        props = feature["properties"]
        assert list(props)[: len(standard.FIELDS)] == list(standard.FIELDS)
        if props["longitude"] is not None:  # the source's own position, 6 decimals
            assert [props["longitude"], props["latitude"]] == feature["geometry"]["coordinates"]
            assert round(props["longitude"], 6) == props["longitude"]
        else:
            assert props["location_precision"] == "commune"


def test_the_standard_csv_holds_the_same_places_and_values(client):
    api = {f["properties"]["id"]: f["properties"] for f in api_places(client).values()}
    rows = list(
        csv.DictReader(io.StringIO(content(client.get("/api/v1/export/lieux.csv")).decode()))
    )
    assert len(rows) == len(api)
    for row in rows:
        props = api[row["id"]]
        assert list(row) == list(standard.FIELDS)
        for name in standard.FIELDS:
            value = props[name]
            if name in standard.LIST_FIELDS:
                assert row[name] == "|".join(value), (row["id"], name)
            elif name in ("latitude", "longitude"):
                assert (float(row[name]) if row[name] else None) == value, (row["id"], name)
            else:
                assert row[name] == ("" if value is None else str(value)), (row["id"], name)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_every_place_has_the_same_properties_in_its_z14_tile(client):
    api = api_places(client)
    tiles: dict[tuple, list] = {}
    for feature in api.values():
        tiles.setdefault(tile_of(*feature["geometry"]["coordinates"], 14), []).append(feature)
    names = {f.name for f in PLACES.fields if f.in_tiles}
    for (x, y), features in tiles.items():
        decoded = mapbox_vector_tile.decode(content(client.get(f"/tiles/lieux/14/{x}/{y}.pbf")))
        in_tile = {f["id"]: f["properties"] for f in decoded["lieux"]["features"]}
        for feature in features:
            expected = {
                name: "|".join(value) if isinstance(value, list) else value
                for name, value in feature["properties"].items()
                if name in names and value is not None
            }
            assert in_tile[feature["id"]] == expected, feature["id"]


def test_api_ogc_and_tiles_give_the_same_communes(client):
    api = json.loads(content(client.get("/api/v1/communes/")))["features"]
    ogc = json.loads(content(client.get("/ogc/collections/communes/items?limit=10000&f=json")))
    by_id = {f["id"]: f for f in api}
    assert len(by_id) == 384 and {f["id"] for f in ogc["features"]} == set(by_id)
    for feature in ogc["features"]:
        assert feature["properties"] == by_id[feature["id"]]["properties"], feature["id"]
        assert feature["geometry"] == by_id[feature["id"]]["geometry"], feature["id"]
    names = {f.name for f in COMMUNES.fields if f.in_tiles}
    decoded = mapbox_vector_tile.decode(content(client.get("/tiles/communes/6/33/23.pbf")))
    in_tile = decoded["communes"]["features"]
    assert len(in_tile) > 100  # the Alps of 04 and 05
    for feature in in_tile:
        reference = by_id[feature["properties"]["code_insee"]]["properties"]
        expected = {k: v for k, v in reference.items() if k in names and v is not None}
        assert feature["properties"] == expected
