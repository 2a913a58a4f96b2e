"""Mapbox Vector Tiles built by PostGIS: ``ST_TileEnvelope``, ``ST_AsMVTGeom``, ``ST_AsMVT``.

A tile is one SQL statement. The rows and properties come from the published layers
(``places.layer``, ``coverage.layer``), as for every other door, restricted to the tile's
envelope widened by the render buffer with an index-using ``&&``, then clipped to the tile.

Places are points, projected per request. Commune polygons are read from the outlines stored per
zoom band in Web Mercator, simplified and snapped at import (``tiles.models.CommuneTileShape``):
a tile only maps them to its coordinates and clips them, and their coverage comes from the
stored distances by a join, so a zoom-0 tile of 34,000 communes costs tens of milliseconds, not
seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, models
from django.db.models import ExpressionWrapper, F, FilteredRelation, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from coverage.layer import DEFAULT_BASIS, CommunesLayer
from coverage.models import DEFAULT_THRESHOLD_KM, FragilityIndex
from coverage.querysets import covered_q, mediation_points
from geo_directory import cache
from geo_directory.layers import Layer
from geo_directory.territories.models import Commune
from places.layer import PLACES, PlacesLayer

from .models import CommuneTileShape, band_of

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
    """Parameters of ``ENVELOPE_SQL``: the tile plus its render buffer, clamped to the Web
    Mercator square. Unclamped, the buffer of a tile of the first or last column crosses ±180°,
    and its longitudes wrap once transformed: the box then covers almost nothing."""
    half = WORLD_M / 2
    width = WORLD_M / 2**z
    margin = width * BUFFER / EXTENT
    x_min = -half + x * width
    y_max = half - y * width
    return (
        max(-half, x_min - margin),
        max(-half, y_max - width - margin),
        min(half, x_min + width + margin),
        min(half, y_max + margin),
    )


# The tile envelope widened by the buffer, in EPSG:4326 (a Web Mercator rectangle is a lon/lat
# rectangle), for an index-using ``&&``.
ENVELOPE_SQL = "ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 3857), 4326)"

# Points: ST_AsMVTGeom is cheap for them.
POINT_SQL = (
    f"ST_AsMVTGeom(ST_Transform(b._geom, 3857), ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER})"
)

# Stored outlines (EPSG:3857, already simplified and snapped to this zoom's grid and valid, see
# tiles/models.py) in tile coordinates: an affine map to the 4096-unit tile (y down), clipped to
# the tile plus buffer by ST_ClipByBox2D while still valid, then snapped to the unit grid (exact
# integers; at zoom 8 and more, where the outline is stored unsimplified, this is the only
# simplification). Never the other way round: a snap can make an outline cross itself, and
# ST_ClipByBox2D, which does not repair, then returned the whole tile square (Fresnoy-au-Val,
# 80357, over tiles 8/129/86 and 87). Polygons only, exterior rings then made counter-clockwise
# in tile units (the positive surveyor's area the MVT spec asks for). ST_AsMVTGeom would also
# repair validity with GEOS, its costly part: at one unit per pixel a renderer cannot tell the
# difference. Empty results are dropped from the tile.
POLYGON_SQL = (
    "ST_ForcePolygonCCW(ST_CollectionExtract(ST_SnapToGrid(ST_ClipByBox2D(ST_Affine("
    "s.geom, %s, 0, 0, %s, %s, %s),"
    f" ST_MakeEnvelope({-BUFFER}, {-BUFFER}, {EXTENT + BUFFER}, {EXTENT + BUFFER})), 1), 3))"
)
SHAPES_TABLE = CommuneTileShape._meta.db_table


def polygon_params(z: int, x: int, y: int) -> tuple:
    """``POLYGON_SQL``'s affine map from Web Mercator metres to the units of tile z/x/y."""
    width = WORLD_M / 2**z
    scale = EXTENT / width
    x_min = -WORLD_M / 2 + x * width
    y_max = WORLD_M / 2 - y * width
    return (scale, -scale, -x_min * scale, y_max * scale)


@dataclass
class TileLayer:
    """A published layer (``geo_directory.layers.Layer``) as vector tiles, for one set of the
    layer's options: its rows, its tile properties (``Field.in_tiles``, the same names and
    values as in GeoJSON; lists ``|``-joined) and its integer feature id.

    The rows' SQL is compiled by the ORM once per layer options (kept by the one cache's
    ``memo``); a tile only adds its envelope filter and geometry transform around it, so a tile
    costs one statement and no Python query building.
    """

    layer: Layer
    geometry_sql: str
    options: dict = field(default_factory=dict)
    minzoom: int = 0
    maxzoom: int = MAX_ZOOM

    @property
    def name(self) -> str:
        return self.layer.id

    @property
    def title(self) -> str:
        return self.layer.title

    def fields(self) -> dict[str, str]:
        """TileJSON's ``fields``: name -> String | Number | Boolean."""
        kinds = {"integer": "Number", "number": "Number", "boolean": "Boolean"}
        return {f.name: kinds.get(f.type, "String") for f in self.layer.fields if f.in_tiles}

    def base(self) -> tuple[str, tuple]:
        return cache.memo(
            "layer-sql", ("tiles", self.layer.id, tuple(sorted(self.options.items()))), self._base
        )

    def _base(self) -> tuple[str, tuple]:
        properties = self.layer.tile_properties()
        annotations = {"_geom": self.layer.plain_geometry(), "_id": self.layer.tile_id()}
        annotations.update({f"_p{i}": e for i, e in enumerate(properties.values())})
        rows = self.layer.rows(**self.options).order_by().annotate(**annotations)
        return rows.values(*annotations).query.sql_with_params()

    def geometry_params(self, z, x, y) -> tuple:
        return (z, x, y)

    def sql(self, z: int, x: int, y: int):
        base, base_params = self.base()
        names = list(self.layer.tile_properties())
        columns = ["t._g AS mvt_geom", "t._id AS mvt_id"]
        columns += [f't._p{i} AS "{n}"' for i, n in enumerate(names)]
        # MATERIALIZED: the tile geometry is computed once per row, not again for the filter.
        sql = (
            f"WITH t AS MATERIALIZED (SELECT b.*, {self.geometry_sql} AS _g FROM ({base}) b"
            f" WHERE b._geom && {ENVELOPE_SQL})"
            f" SELECT ST_AsMVT(q, %s, {EXTENT}, 'mvt_geom', 'mvt_id') FROM ("
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
        with connections[self.layer.rows(**self.options).db].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""


class CommunesForTiles(CommunesLayer):
    """The communes layer with the same fields (``Field.in_tiles`` of ``coverage.layer``), its
    coverage read by a join on the stored rows of the basis instead of one correlated subquery
    per commune and field: a low-zoom tile holds 30,000 communes, and 3 x 30,000 index look-ups
    cost 0.6 s there; the planner still takes the index for the few communes of a high zoom.
    The annotations have the names and meaning of ``CommunesLayer.rows``."""

    def rows(self, basis: str = DEFAULT_BASIS, threshold_km: float = DEFAULT_THRESHOLD_KM):
        covered = _prefixed(covered_q(threshold_km * 1000), "cov__")
        ifn = FragilityIndex.objects.filter(code=OuterRef("pk")).values("total")[:1]
        return (
            Commune.objects.with_geometry()
            .annotate(cov=FilteredRelation("coverages", condition=Q(coverages__basis=basis)))
            .annotate(
                cov_distance=F("cov__distance_m"),
                cov_nearest=F("cov__nearest_place_id"),
                cov_inside=F("cov__has_place_inside"),
                is_covered=Coalesce(
                    ExpressionWrapper(covered, output_field=models.BooleanField()), Value(False)
                ),
                cov_ifn=Subquery(ifn, output_field=models.FloatField()),
                layer_threshold_km=Value(float(threshold_km), output_field=models.FloatField()),
                layer_basis=Value(basis, output_field=models.CharField()),
            )
            .order_by("code")
        )


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` with every lookup's path under ``prefix`` (a relation's alias)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [
        _prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children
    ]
    return out


COMMUNES_FOR_TILES = CommunesForTiles()


class CommuneTileLayer(TileLayer):
    """Communes tiles: the stored outlines of the tile's zoom band found by the band's GiST
    index, joined to the layer's rows (properties, feature id) by INSEE code."""

    def _base(self) -> tuple[str, tuple]:
        properties = self.layer.tile_properties()
        annotations = {"_code": F("code"), "_id": self.layer.tile_id()}
        annotations.update({f"_p{i}": e for i, e in enumerate(properties.values())})
        rows = self.layer.rows(**self.options).order_by().annotate(**annotations)
        return rows.values(*annotations).query.sql_with_params()

    def sql(self, z: int, x: int, y: int):
        base, base_params = self.base()
        names = list(self.layer.tile_properties())
        columns = ["t._g AS mvt_geom", "b._id AS mvt_id"]
        columns += [f'b._p{i} AS "{n}"' for i, n in enumerate(names)]
        band = band_of(int(z))  # an int in the SQL text: the planner picks the band's index
        # MATERIALIZED: the tile geometry is computed once per row, not again for the filter.
        sql = (
            f"WITH t AS MATERIALIZED (SELECT s.commune_code, {self.geometry_sql} AS _g"
            f" FROM {SHAPES_TABLE} s WHERE s.zoom = {band}"
            f" AND s.geom && ST_TileEnvelope(%s, %s, %s, margin => {BUFFER / EXTENT}))"
            f" SELECT ST_AsMVT(q, %s, {EXTENT}, 'mvt_geom', 'mvt_id') FROM ("
            f" SELECT {', '.join(columns)} FROM t JOIN ({base}) b ON b._code = t.commune_code"
            " WHERE NOT ST_IsEmpty(t._g)) q"
        )
        params = (*polygon_params(z, x, y), z, x, y, self.name, *base_params)
        return sql, params


class PlacesForBasis(PlacesLayer):
    """The places layer, or only the mediation points of a coverage basis (``basis``): the
    national map draws its dots on the basis its colours are computed on."""

    def rows(self, basis: str | None = None):
        rows = super().rows()
        if basis:
            rows = rows.filter(pk__in=mediation_points(basis).values("pk"))
        return rows


_PLACES_FOR_BASIS = PlacesForBasis()


def places_layer(basis: str | None = None):
    """The places tiles: every public place, or the mediation points of ``basis``."""
    if basis is None:
        return LAYERS["lieux"]
    return TileLayer(_PLACES_FOR_BASIS, POINT_SQL, {"basis": basis})


LAYERS = {"lieux": TileLayer(PLACES, POINT_SQL)}


def communes_layer(basis: str = DEFAULT_BASIS, threshold_km: float = DEFAULT_THRESHOLD_KM):
    """The communes tiles for one coverage basis and threshold (default: the national view's);
    their rows' SQL is compiled once per variant (``TileLayer.base``)."""
    options = {"basis": basis, "threshold_km": float(threshold_km)}
    return CommuneTileLayer(COMMUNES_FOR_TILES, POLYGON_SQL, options)


LAYERS["communes"] = communes_layer()
