"""Every stored outline is valid: simplified and snapped to a zoom's unit grid, an outline of
bands 0-7 could cross itself (national data: 9 to 608 rows a band, 2,432 in all), and a tile's
``ST_ClipByBox2D`` of such a ring may return the whole tile square (commune 43216 drawn over
the communes of the 04 at zoom 7). The outline is now made valid after the snap
(``ST_MakeValid``, 'structure': a fold of the ring stays filled, not a hole; the crossings add a
few vertices off the grid, snapping them again would break validity again), polygons only
(``ST_CollectionExtract``: a collapsed strip leaves lines), empties dropped as before. The same
function fills the table here and in the triggers on ``territories_commune``; band 8 goes
through it too, in case a source outline is invalid. Every stored outline is computed again
(~50 s on the national data)."""

import importlib

from django.db import migrations

PREVIOUS_SQL = importlib.import_module("tiles.migrations.0008_simplify_to_one_unit").SHAPES_SQL

SHAPES_SQL = """
CREATE OR REPLACE FUNCTION tiles_commune_shapes(codes varchar[]) RETURNS void AS $$
    DELETE FROM tiles_communetileshape WHERE commune_code = ANY(codes);
    INSERT INTO tiles_communetileshape (commune_code, zoom, geom)
    SELECT c.code, z.zoom, s.geom
    FROM territories_commune c
    CROSS JOIN LATERAL (
        SELECT ST_Transform(CASE
            WHEN c.geom @ ST_MakeEnvelope(-180, -85.0511, 180, 85.0511, 4326) THEN c.geom
            ELSE ST_Multi(ST_CollectionExtract(ST_ClipByBox2D(
                c.geom, ST_MakeEnvelope(-180, -85.0511, 180, 85.0511, 4326)), 3))
        END, 3857) AS m) p
    CROSS JOIN generate_series(0, 8) AS z(zoom)
    CROSS JOIN LATERAL (SELECT 40075016.68557849 / 2 ^ z.zoom / 4096 AS unit) u
    CROSS JOIN LATERAL (SELECT CASE
        WHEN z.zoom = 8 THEN p.m
        ELSE ST_SnapToGrid(ST_Simplify(p.m, u.unit),
                           -20037508.342789244, -20037508.342789244, u.unit, u.unit)
    END AS geom) r
    CROSS JOIN LATERAL (SELECT ST_Multi(ST_CollectionExtract(
        ST_MakeValid(r.geom, 'method=structure keepcollapsed=false'), 3)) AS geom) s
    WHERE c.code = ANY(codes) AND c.geom IS NOT NULL
      AND s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom);
$$ LANGUAGE sql;
"""

REFILL = "SELECT tiles_commune_shapes(ARRAY(SELECT code FROM territories_commune));"


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0008_simplify_to_one_unit"),
    ]

    operations = [
        migrations.RunSQL(SHAPES_SQL + REFILL, PREVIOUS_SQL + REFILL),
    ]
