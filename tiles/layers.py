"""Mapbox Vector Tiles built by PostGIS: ``ST_TileEnvelope``, ``ST_AsMVTGeom``, ``ST_AsMVT``.

A tile is one SQL statement. The rows come from the same querysets as the OGC collections
(``tiles.sources``: public places, communes with their coverage), restricted to the tile's
envelope widened by the render buffer with an index-using ``&&`` in EPSG:4326, then clipped to
the tile. Commune polygons are simplified to half a tile pixel first, so low zooms stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, models
from django.db.models import F, Func, Value
from django.db.models.functions import Coalesce

from coverage.models import DEFAULT_THRESHOLD_KM
from places.querysets import AsGeometry

from .sources import COMMUNES, DEFAULT_BASIS, PLACES, CommunesSource, JoinList, Source

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


def envelope_params(z: int, x: int, y: int) -> tuple:
    """Parameters of ``ENVELOPE_SQL``: the tile plus its render buffer."""
    return (z, x, y, WORLD_M / 2**z * BUFFER / EXTENT)


# The tile envelope widened by the buffer, in EPSG:4326 (a Web Mercator rectangle is a lon/lat
# rectangle), for an index-using ``&&``.
ENVELOPE_SQL = "ST_Transform(ST_Expand(ST_TileEnvelope(%s, %s, %s), %s), 4326)"

# Points: ST_AsMVTGeom is cheap for them.
POINT_SQL = (
    f"ST_AsMVTGeom(ST_Transform(b._geom, 3857), ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER})"
)

# Polygons in tile coordinates, 2 to 3 times cheaper than ST_AsMVTGeom (bench/tiles.py): simplified
# to half a tile pixel, Web Mercator, an affine map to the 4096-unit tile (y down), snapped to the
# unit grid, clipped to the tile plus buffer by ST_ClipByBox2D, exterior rings then made
# counter-clockwise in tile units (the positive surveyor's area the MVT spec asks for).
# ST_AsMVTGeom also repairs validity with GEOS, its costly part: at one unit per pixel a renderer
# cannot tell the difference. Empty results are dropped from the tile.
POLYGON_SQL = (
    "ST_ForcePolygonCCW(ST_ClipByBox2D(ST_SnapToGrid(ST_Affine("
    "ST_Transform(ST_Simplify(b._geom, %s), 3857), %s, 0, 0, %s, %s, %s), 1),"
    f" ST_MakeEnvelope({-BUFFER}, {-BUFFER}, {EXTENT + BUFFER}, {EXTENT + BUFFER})))"
)


def polygon_params(z: int, x: int, y: int) -> tuple:
    width = WORLD_M / 2**z
    scale = EXTENT / width
    x_min = -WORLD_M / 2 + x * width
    y_max = WORLD_M / 2 - y * width
    tolerance = 360 / 2**z / EXTENT / 2  # half a tile pixel, in degrees
    return (tolerance, scale, -scale, -x_min * scale, y_max * scale)


@dataclass
class TileLayer:
    """A layer: its source's public rows, the geometry column and the tile properties.

    The rows' SQL (filters of the source queryset, properties) is compiled by the ORM once; a
    tile only adds its envelope filter and geometry transform around it, so a tile costs one
    statement and no Python query building.
    """

    name: str
    source: Source
    title: str
    geometry_column: object  # expression of the EPSG:4326 geometry to filter and draw
    geometry_sql: str
    properties: dict  # name -> (expression, type for TileJSON)
    minzoom: int = 0
    maxzoom: int = MAX_ZOOM
    feature_id: str | None = None
    description: str = field(default="")
    _base: tuple | None = field(default=None, repr=False)

    def base(self) -> tuple[str, tuple]:
        if self._base is None:
            names = list(self.properties)
            annotations = {"_geom": self.geometry_column}
            annotations.update({f"_p{i}": self.properties[n][0] for i, n in enumerate(names)})
            if self.feature_id:
                annotations["_id"] = F(self.feature_id)
            rows = self.source.queryset().order_by().annotate(**annotations)
            self._base = rows.values(*annotations).query.sql_with_params()
        return self._base

    def geometry_params(self, z, x, y) -> tuple:
        return (z, x, y)

    def sql(self, z: int, x: int, y: int):
        base, base_params = self.base()
        names = list(self.properties)
        columns = ["t._g AS mvt_geom"] + [f't._p{i} AS "{n}"' for i, n in enumerate(names)]
        if self.feature_id:
            columns.append("t._id AS mvt_id")
        id_sql = ", 'mvt_id'" if self.feature_id else ""
        # MATERIALIZED: the tile geometry is computed once per row, not again for the filter.
        sql = (
            f"WITH t AS MATERIALIZED (SELECT b.*, {self.geometry_sql} AS _g FROM ({base}) b"
            f" WHERE b._geom && {ENVELOPE_SQL})"
            f" SELECT ST_AsMVT(q, %s, {EXTENT}, 'mvt_geom'{id_sql}) FROM ("
            f" SELECT {', '.join(columns)} FROM t"
            " WHERE t._g IS NOT NULL AND NOT ST_IsEmpty(t._g)) q"
        )
        params = (
            *self.geometry_params(z, x, y),
            *base_params,
            *envelope_params(z, x, y),
            self.name,
        )
        return sql, params

    def render(self, z: int, x: int, y: int) -> bytes:
        check_tile(z, x, y, self.maxzoom)
        sql, params = self.sql(z, x, y)
        with connections[self.source.queryset().db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""


class PolygonLayer(TileLayer):
    def geometry_params(self, z, x, y) -> tuple:
        return polygon_params(z, x, y)


LAYERS = {
    "lieux": TileLayer(
        name="lieux",
        source=PLACES,
        title="Lieux d'inclusion numérique",
        geometry_column=AsGeometry("location"),
        geometry_sql=POINT_SQL,
        feature_id="id",
        properties={
            "nom": (F("nom"), "String"),
            "commune": (F("commune"), "String"),
            "code_insee": (F("code_insee"), "String"),
            "typologie": (JoinList(F("typologie")), "String"),
            "services": (JoinList(F("services")), "String"),
        },
    ),
}


def communes_layer(basis: str = DEFAULT_BASIS, threshold_km: float = DEFAULT_THRESHOLD_KM):
    """The communes layer for one coverage basis and threshold (default: the national view's)."""
    key = (basis, float(threshold_km))
    if key not in _COMMUNE_LAYERS:
        _COMMUNE_LAYERS[key] = PolygonLayer(
            name="communes",
            source=COMMUNES
            if key == (DEFAULT_BASIS, DEFAULT_THRESHOLD_KM)
            else (CommunesSource(basis, threshold_km)),
            title="Couverture des communes",
            geometry_column=F("geom"),
            geometry_sql=POLYGON_SQL,
            properties=COMMUNE_PROPERTIES,
        )
    return _COMMUNE_LAYERS[key]


_COMMUNE_LAYERS: dict = {}
COMMUNE_PROPERTIES = {
    "code_insee": (F("code"), "String"),
    "nom": (F("nom"), "String"),
    "departement": (F("departement_id"), "String"),
    "population": (Coalesce(F("population"), Value(0)), "Number"),
    "distance_m": (
        Func(F("cov_distance"), function="round", output_field=models.IntegerField()),
        "Number",
    ),
    "covered": (F("is_covered"), "Boolean"),
}
LAYERS["communes"] = communes_layer()
