"""Communes tiles read the outlines stored per zoom band (``tiles.models.CommuneTileShape``):
nothing is simplified or projected per request, and the stored outlines follow every write to
the communes, the territory import included (issue 12: a cold low-zoom tile of the national
data took 1.3-2.1 s)."""

import json
import math
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.db.models import F

from geo_directory import demo
from geo_directory.territories import importers
from geo_directory.territories.models import Commune
from tiles.layers import communes_layer

pytestmark = pytest.mark.django_db

COG = demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz"
DIGNE = (6.2357, 44.0925)  # 04070, Digne-les-Bains


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def tile_features(client, z, x, y, query=""):
    response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf{query}")
    assert response.status_code in (200, 204), response.content[:300]
    if response.status_code == 204:
        return {}
    layer = mapbox_vector_tile.decode(response.content).get("communes", {"features": []})
    return {f["id"]: f for f in layer["features"]}


@pytest.mark.parametrize(("z", "band"), [(0, 0), (3, 3), (5, 5), (7, 7), (8, 8), (11, 8), (14, 8)])
def test_a_communes_tile_reads_its_band_and_simplifies_nothing(z, band):
    sql, params = communes_layer("places", 25).sql(*tile_of(*DIGNE, z))
    assert "ST_Simplify" not in sql and "ST_Transform" not in sql  # done once, at import
    plan = json.dumps(fetch("EXPLAIN (FORMAT JSON) " + sql, params)[0][0])
    read = {b for b in range(9) if f'"tiles_communetileshape_z{b}"' in plan}
    assert read == {band}  # one band's table, never the others
    assert "SubPlan" not in plan  # coverage joined, not looked up once per commune and field


def test_every_commune_is_stored_projected_at_every_zoom_it_is_drawn():
    with_outline = Commune.objects.filter(geom__isnull=False).count()
    bands = dict(fetch("SELECT zoom, count(*) FROM tiles_communetileshape GROUP BY zoom"))
    assert bands[8] == bands[7] == with_outline
    assert 0 < bands[0] < bands[3] <= bands[5] == with_outline  # the smallest vanish at z0
    # Band 8 is the outline itself in Web Mercator; lower bands are snapped to their grid.
    assert fetch(
        "SELECT bool_and(ST_Equals(s.geom, ST_Transform(c.geom, 3857))) FROM"
        " tiles_communetileshape s JOIN territories_commune c ON c.code = s.commune_code"
        " WHERE s.zoom = 8"
    ) == [(True,)]
    unit = 40075016.68557849 / 2**5 / 4096
    # Off the grid: only the crossings of an outline that the snap made cross itself, where
    # ST_MakeValid cut it (snapping them again would make it invalid again).
    off_grid = fetch(
        "SELECT DISTINCT s.commune_code, ST_IsValid(ST_SnapToGrid(ST_Simplify("
        "ST_Transform(c.geom, 3857), %s), -20037508.342789244, -20037508.342789244, %s, %s))"
        " FROM tiles_communetileshape s JOIN territories_commune c ON c.code = s.commune_code,"
        " ST_DumpPoints(s.geom) p WHERE s.zoom = 5 AND abs((ST_X(p.geom) + 20037508.342789244)"
        " / %s - round((ST_X(p.geom) + 20037508.342789244) / %s)) > 1e-6",
        [unit] * 5,
    )
    assert not any(valid_once_snapped for _, valid_once_snapped in off_grid)
    fewer = fetch(
        "SELECT sum(ST_NPoints(geom)) FILTER (WHERE zoom = 4),"
        " sum(ST_NPoints(geom)) FILTER (WHERE zoom = 8) FROM tiles_communetileshape"
    )[0]
    assert fewer[0] < fewer[1] / 2


def write_commune(tmp_path, ring):
    path = tmp_path / "mende.geojson"
    feature = {
        "type": "Feature",
        "properties": {"code": "48095", "nom": "Mende"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def stored(code):
    return dict(
        fetch(
            "SELECT zoom, ST_AsText(ST_Envelope(geom)) FROM tiles_communetileshape"
            " WHERE commune_code = %s",
            [code],
        )
    )


def test_the_stored_outlines_follow_a_territory_import_and_the_tiles_with_them(tmp_path, client):
    here = [[3.45, 44.50], [3.55, 44.50], [3.55, 44.56], [3.45, 44.56], [3.45, 44.50]]
    importers.TerritoryImporter(
        cog_communes=COG, commune_files=[write_commune(tmp_path, here)]
    ).run()
    # A new commune: every band at once (but zoom 0, where its 8 km are less than a unit).
    assert set(stored("48095")) == set(range(1, 9))
    z, x, y = tile_of(3.5, 44.53, 9)
    feature = tile_features(client, z, x, y)[48095]
    assert feature["properties"]["nom"] == "Mende"

    # Moved 40 km east as the importer updates (bulk_update: one UPDATE of many rows).
    mende = Commune.objects.get(code="48095")
    mende.geom = MultiPolygon(Polygon([(p[0] + 0.5, p[1]) for p in here]), srid=4326)
    before = stored("48095")
    Commune.objects.bulk_update([mende], ["geom"])
    after = stored("48095")
    assert set(after) == set(before) and all(after[b] != before[b] for b in before)
    assert 48095 not in tile_features(client, z, x, y)
    assert 48095 in tile_features(client, *tile_of(4.0, 44.53, 9))

    Commune.objects.filter(code="48095").delete()
    assert stored("48095") == {}


def test_a_write_that_keeps_the_outline_rewrites_no_stored_outline():
    rows = "SELECT zoom, xmin::text FROM tiles_communetileshape WHERE commune_code = '04070'"
    before = fetch(rows)
    Commune.objects.filter(code="04070").update(population=F("population") + 1)
    digne = Commune.objects.get(code="04070")
    digne.save()  # every column written again, the outline unchanged
    assert fetch(rows) == before


def test_a_changed_outline_through_the_orm_is_stored_again():
    digne = Commune.objects.get(code="04070")
    before = stored("04070")
    digne.geom = MultiPolygon(digne.geom.buffer(0.01))  # Digne is one polygon
    digne.save()
    after = stored("04070")
    assert set(after) == set(before) and after[8] != before[8]


INVALID_ROWS = "SELECT count(*) FROM tiles_communetileshape WHERE NOT ST_IsValid(geom)"
# Saint-Paulien (43216) as in the national data (5 decimals): simplified and snapped to the units
# of zoom 7 its outline crossed itself, and tile 7/65/46, whose top edge it straddles, clipped it
# to the whole tile square, drawn over the communes of the 04.
SAINT_PAULIEN = Path(__file__).with_name("saint_paulien_43216.geojson")


def test_every_stored_outline_is_valid():
    assert fetch(INVALID_ROWS) == [(0,)]


def test_an_outline_that_crosses_itself_once_snapped_is_stored_valid_and_drawn_in_its_place(
    client,
):
    importers.TerritoryImporter(cog_communes=COG, commune_files=[SAINT_PAULIEN]).run()
    assert set(stored("43216")) == set(range(1, 9))
    assert fetch(INVALID_ROWS) == [(0,)]
    feature = tile_features(client, 7, 65, 46)[43216]
    points = [p for ring in rings(feature["geometry"]) for p in ring]
    ys = [y for _, y in points]
    # A strip along the tile's top edge (y up once decoded), not the tile square.
    assert min(ys) > 4000 and max(ys) <= 4096 + 64

    # Moved through the triggers (an update of its outline): still valid, still in its place.
    commune = Commune.objects.get(code="43216")
    commune.geom = MultiPolygon(
        *[Polygon([(x, y - 0.002) for x, y in p.exterior_ring]) for p in commune.geom], srid=4326
    )
    commune.save()
    assert fetch(INVALID_ROWS) == [(0,)]
    feature = tile_features(client, 7, 65, 46)[43216]
    assert min(y for ring in rings(feature["geometry"]) for _, y in ring) > 3900


def rings(geometry):
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


# Fresnoy-au-Val (80357) as in the national data: stored unsimplified for zooms 8 and more, it
# crosses itself once snapped to the units of zoom 8, and tiles 8/129/86 and 8/129/87, whose
# edge it straddles, clipped it to the whole tile square (17.8 million square units for its
# 12,800): the tile is clipped first, and only then snapped.
FRESNOY_AU_VAL = Path(__file__).with_name("commune_80357.geojson")


def ring_area(ring) -> float:
    """Shoelace area of a decoded ring (its closing point is implied)."""
    pairs = zip(ring, ring[1:] + ring[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2


def test_an_outline_that_crosses_itself_once_snapped_at_a_tile_is_drawn_in_its_place(client):
    importers.TerritoryImporter(cog_communes=COG, commune_files=[FRESNOY_AU_VAL]).run()
    for x, y in ((129, 86), (129, 87)):
        feature = tile_features(client, 8, x, y)[80357]
        drawn = sum(ring_area(ring) for ring in rings(feature["geometry"]))
        assert 10_000 < drawn < 16_000, (x, y, drawn)  # ~12,800 units², not the tile's 17.8 M
