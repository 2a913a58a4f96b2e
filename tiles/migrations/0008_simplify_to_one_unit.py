"""Bands 0-7 simplified to one tile unit, not half of one: at 4096 units a tile, a unit is an
eighth of a screen pixel (512-pixel tiles), so the outlines drawn do not change, and a tile has
~40 % fewer points to map and encode (a zoom-5 tile of the national data: 2.9 -> ~2 MB; its
encoding by ST_AsMVT is most of what is left of its time). Every stored outline is computed again
(~45 s on the national data)."""

from django.db import migrations

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
    END AS geom) s
    WHERE c.code = ANY(codes) AND c.geom IS NOT NULL
      AND s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom);
$$ LANGUAGE sql;
"""

PREVIOUS_SQL = """
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
        ELSE ST_SnapToGrid(ST_Simplify(p.m, u.unit / 2),
                           -20037508.342789244, -20037508.342789244, u.unit, u.unit)
    END AS geom) s
    WHERE c.code = ANY(codes) AND c.geom IS NOT NULL
      AND s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom);
$$ LANGUAGE sql;
"""

REFILL = "SELECT tiles_commune_shapes(ARRAY(SELECT code FROM territories_commune));"


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0007_commune_names_index"),
    ]

    operations = [
        migrations.RunSQL(SHAPES_SQL + REFILL, PREVIOUS_SQL + REFILL),
    ]
