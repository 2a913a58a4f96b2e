"""Mapbox Vector Tiles built by PostGIS: ``ST_TileEnvelope``, ``ST_AsMVTGeom``, ``ST_AsMVT``.

A tile is one SQL statement. The rows come from the same querysets as the OGC collections
(``tiles.sources``: public places, communes with their coverage), restricted to the tile's
envelope widened by the render buffer with an index-using ``&&`` in EPSG:4326 (Web Mercator
rectangles are lon/lat rectangles), then clipped exactly by ``ST_AsMVTGeom``. Commune polygons
are simplified to half a tile pixel first, so low zooms stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, models
from django.db.models import F, Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from .sources import COMMUNES, PLACES, JoinList, Source

EXTENT = 4096
BUFFER = 64
WORLD_M = 40075016.68557849  # width of the Web Mercator square, metres
MAX_ZOOM = 16


class TileOutOfRange(ValueError):
    pass


def check_tile(z: int, x: int, y: int, maxzoom: int = MAX_ZOOM):
    if not 0 <= z <= maxzoom:
        raise TileOutOfRange(f"z doit être entre 0 et {maxzoom} (reçu {z}).")
    size = 2**z
    if not (0 <= x < size and 0 <= y < size):
        raise TileOutOfRange(f"x et y doivent être entre 0 et {size - 1} au niveau {z}.")


def _envelope_sql(geometry_sql: str, z: int, x: int, y: int):
    """``geometry && (tile envelope + buffer, in EPSG:4326)`` as an index-using condition."""
    margin = WORLD_M / 2**z * BUFFER / EXTENT
    sql = f"({geometry_sql} && ST_Transform(ST_Expand(ST_TileEnvelope(%s, %s, %s), %s), 4326))"
    # geometry_sql is one of two constants of this module; z, x, y and margin are parameters.
    return RawSQL(sql, (z, x, y, margin), output_field=models.BooleanField())  # noqa: S611


class MVTGeom(Func):
    """``ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), extent, buffer)``."""

    output_field = models.BinaryField()

    def __init__(self, geometry, z, x, y, **extra):
        super().__init__(geometry, Value(z), Value(x), Value(y), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        geometry, z, x, y = (compiler.compile(e) for e in self.source_expressions)
        sql = (
            f"ST_AsMVTGeom(ST_Transform({geometry[0]}, 3857),"
            f" ST_TileEnvelope({z[0]}, {x[0]}, {y[0]}), {EXTENT}, {BUFFER}, true)"
        )
        return sql, (*geometry[1], *z[1], *x[1], *y[1])


class PolygonTileGeometry(Func):
    """Polygons in tile coordinates, 2 to 3 times cheaper than ``ST_AsMVTGeom`` (bench/tiles.py).

    Web Mercator, then an affine map to the 4096-unit tile (y down), snapped to the unit grid and
    clipped to the tile plus its buffer by ``ST_ClipByBox2D``; exterior rings are then made
    counter-clockwise in tile units, the positive surveyor's area the MVT spec asks for.
    ``ST_AsMVTGeom`` also repairs validity with GEOS, the costly part; at one unit per pixel
    a renderer cannot tell the difference. Empty results are dropped from the tile.
    """

    output_field = models.BinaryField()

    def __init__(self, geometry, z, x, y, **extra):
        self.tile = (z, x, y)
        super().__init__(geometry, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        z, x, y = self.tile
        width = WORLD_M / 2**z
        scale = EXTENT / width
        x_min = -WORLD_M / 2 + x * width
        y_max = WORLD_M / 2 - y * width
        geometry, params = compiler.compile(self.source_expressions[0])
        tile = f"ST_SnapToGrid(ST_Affine(ST_Transform({geometry}, 3857), %s, 0, 0, %s, %s, %s), 1)"
        sql = f"ST_ForcePolygonCCW(ST_ClipByBox2D({tile}, ST_MakeEnvelope(%s, %s, %s, %s)))"
        low, high = -BUFFER, EXTENT + BUFFER
        return sql, (*params, scale, -scale, -x_min * scale, y_max * scale, low, low, high, high)


@dataclass
class TileLayer:
    name: str
    source: Source
    title: str
    properties: dict  # name -> (expression, type for TileJSON)
    minzoom: int = 0
    maxzoom: int = MAX_ZOOM
    feature_id: str | None = None
    description: str = field(default="")

    def rows(self, z: int, x: int, y: int):
        raise NotImplementedError

    def sql(self, z: int, x: int, y: int):
        rows = self.rows(z, x, y)
        names = list(self.properties)
        annotations = {"_g": self.geometry(z, x, y)}
        annotations.update({f"_p{i}": self.properties[n][0] for i, n in enumerate(names)})
        columns = ["t._g AS mvt_geom"] + [f't._p{i} AS "{n}"' for i, n in enumerate(names)]
        if self.feature_id:
            annotations["_id"] = F(self.feature_id)
            columns.append("t._id AS mvt_id")
        inner, params = rows.annotate(**annotations).values(*annotations).query.sql_with_params()
        id_sql = ", 'mvt_id'" if self.feature_id else ""
        # MATERIALIZED: the tile geometry is computed once per row, not again for the filter.
        sql = (
            f"WITH t AS MATERIALIZED ({inner})"
            f" SELECT ST_AsMVT(q, %s, {EXTENT}, 'mvt_geom'{id_sql}) FROM ("
            f" SELECT {', '.join(columns)} FROM t"
            " WHERE t._g IS NOT NULL AND NOT ST_IsEmpty(t._g)) q"
        )
        return sql, (*params, self.name)

    def render(self, z: int, x: int, y: int) -> bytes:
        check_tile(z, x, y, self.maxzoom)
        sql, params = self.sql(z, x, y)
        with connections[self.source.queryset().db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""


class PlacesLayer(TileLayer):
    def rows(self, z, x, y):
        return (
            self.source.queryset()
            .order_by()
            .filter(_envelope_sql('("places_place"."location")::geometry', z, x, y))
        )

    def geometry(self, z, x, y):
        return MVTGeom(RawSQL('"places_place"."location"::geometry', ()), z, x, y)


class CommunesLayer(TileLayer):
    def rows(self, z, x, y):
        return (
            self.source.queryset()
            .order_by()
            .filter(_envelope_sql('"territories_commune"."geom"', z, x, y))
        )

    def geometry(self, z, x, y):
        tolerance = 360 / 2**z / EXTENT / 2  # half a tile pixel, in degrees
        simplified = Func(F("geom"), Value(tolerance), function="ST_Simplify")
        return PolygonTileGeometry(simplified, z, x, y)


LAYERS = {
    "lieux": PlacesLayer(
        name="lieux",
        source=PLACES,
        title="Lieux d'inclusion numérique",
        feature_id="id",
        properties={
            "nom": (F("nom"), "String"),
            "commune": (F("commune"), "String"),
            "code_insee": (F("code_insee"), "String"),
            "typologie": (JoinList(F("typologie")), "String"),
            "services": (JoinList(F("services")), "String"),
        },
    ),
    "communes": CommunesLayer(
        name="communes",
        source=COMMUNES,
        title="Couverture des communes",
        properties={
            "code_insee": (F("code"), "String"),
            "nom": (F("nom"), "String"),
            "departement": (F("departement_id"), "String"),
            "population": (Coalesce(F("population"), Value(0)), "Number"),
            "distance_m": (
                Func(F("cov__distance_m"), function="round", output_field=models.IntegerField()),
                "Number",
            ),
            "covered": (F("is_covered"), "Boolean"),
        },
    ),
}
