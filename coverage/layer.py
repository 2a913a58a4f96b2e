"""The communes layer (``communes``): every commune with its coverage, defined once for the API
(``/api/v1/communes/``), OGC API - Features, the vector tiles and the exports of priorities.

Parameters of the layer: ``basis`` (``mediators``: places with an active mediator, the default;
``places``: every place receiving the public) and ``threshold_km`` (1 to 100, default 10). The
"covered" rule is ``coverage.querysets.covered_q``, the only one: a mediation point inside the
commune, or the nearest one at most ``threshold_km`` away.

Feature id: the INSEE code (COG 2026). Vector tiles need an unsigned integer: the same code read
as a number, Corsica's ``2A``/``2B`` as ``200``/``201`` (2A004 -> 200004; other codes have five
digits). Geometry: the commune's outline (5 decimals, as its source), exterior rings
counter-clockwise (RFC 7946).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import ExpressionWrapper, F, Func, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Replace
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo_directory.geojson import ForcePolygonCCW, LayerWriter
from geo_directory.layers import Layer, field
from geo_directory.territories.models import Commune

from .models import DEFAULT_THRESHOLD_KM, Basis, CommuneCoverage, FragilityIndex
from .querysets import covered_q

PRECISION = 5
DEFAULT_BASIS = Basis.MEDIATORS.value


class RoundToInteger(Func):
    """``round(double)``: to the nearest integer, ties to even, as Python's ``round``."""

    function = "round"
    output_field = models.BigIntegerField()


class RoundNumeric(Func):
    """``round(x::numeric, 2)``: the IFN with two decimals (``ifn_value`` does the same)."""

    template = "round((%(expressions)s)::numeric, 2)"
    output_field = models.DecimalField()


def ifn_value(value: float | None) -> float | None:
    """The IFN as PostgreSQL rounds it: the 15-digit decimal, two decimals, ties away from 0."""
    if value is None:
        return None
    return float(Decimal(f"{value:.15g}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def tile_id_expression():
    """The INSEE code as an unsigned integer (2A -> 200, 2B -> 201)."""
    code = Replace(Replace(F("code"), Value("2A"), Value("200")), Value("2B"), Value("201"))
    return Cast(code, models.BigIntegerField())


class CommunesLayer(Layer):
    id = "communes"
    title = "Couverture des communes"
    description = (
        "Chaque commune (COG 2026) avec la distance au point de médiation le plus proche "
        "(mètres, ellipsoïde WGS84), le lieu le plus proche et sa couverture au seuil demandé "
        f"(threshold_km, défaut {DEFAULT_THRESHOLD_KM} km) sur la base demandée (basis : "
        "mediators, lieux avec un médiateur actif, par défaut ; places, tous les lieux recevant "
        "du public)."
    )
    geometry_type = "multipolygon"
    id_type = "string"
    id_path = "code"
    precision = PRECISION

    def __init__(self):
        self.fields = (
            field(
                "code_insee",
                "Code INSEE (COG 2026).",
                expression=F("code"),
                path="code",
                queryable=True,
                in_tiles=True,
            ),
            field("nom", "Nom de la commune.", path="nom", queryable=True, in_tiles=True),
            field(
                "departement",
                "Code du département.",
                expression=F("departement_id"),
                path="departement_id",
                queryable=True,
                in_tiles=True,
            ),
            field(
                "region",
                "Code de la région.",
                expression=F("region_id"),
                path="region_id",
                queryable=True,
                nullable=True,
            ),
            field(
                "population",
                "Population municipale (INSEE).",
                type="integer",
                path="population",
                queryable=True,
                nullable=True,
                in_tiles=True,
            ),
            field(
                "distance_m",
                "Distance au point de médiation le plus proche (m, entier).",
                type="integer",
                expression=RoundToInteger(F("cov_distance")),
                nullable=True,
                queryable=True,
                in_tiles=True,
            ),
            field(
                "nearest_place_id",
                "Numéro du point de médiation le plus proche (lieux).",
                type="integer",
                expression=F("cov_nearest"),
                nullable=True,
                queryable=True,
            ),
            field(
                "has_place_inside",
                "Un point de médiation se trouve dans la commune.",
                type="boolean",
                expression=Coalesce(F("cov_inside"), Value(False)),
                queryable=True,
                in_tiles=True,
            ),
            field(
                "covered",
                "Couverte au seuil threshold_km.",
                type="boolean",
                expression=F("is_covered"),
                queryable=True,
                in_tiles=True,
            ),
            field(
                "threshold_km",
                "Seuil de couverture (km).",
                type="number",
                expression=F("layer_threshold_km"),
            ),
            field(
                "basis",
                "Base : mediators ou places.",
                expression=F("layer_basis"),
                choices=tuple(Basis.values),
            ),
            field(
                "ifn",
                "Indice de fragilité numérique (0-10, 10 = le plus fragile).",
                type="number",
                expression=RoundNumeric(F("cov_ifn")),
                nullable=True,
                queryable=True,
            ),
        )

    def rows(self, basis: str = DEFAULT_BASIS, threshold_km: float = DEFAULT_THRESHOLD_KM):
        """Communes with a polygon, their coverage for ``basis`` at ``threshold_km``.

        Correlated subqueries on the (commune, basis) unique index, not a join: a tile or a page
        holds a few hundred communes, and a hash join would read the whole coverage table."""
        coverage = CommuneCoverage.objects.filter(commune=OuterRef("pk"), basis=basis)
        covered = coverage.annotate(
            c=ExpressionWrapper(covered_q(threshold_km * 1000), output_field=models.BooleanField())
        )
        ifn = FragilityIndex.objects.filter(code=OuterRef("pk")).values("total")[:1]
        return (
            Commune.objects.with_geometry()
            .annotate(
                cov_distance=Subquery(coverage.values("distance_m")[:1]),
                cov_nearest=Subquery(coverage.values("nearest_place_id")[:1]),
                cov_inside=Subquery(coverage.values("has_place_inside")[:1]),
                is_covered=Coalesce(Subquery(covered.values("c")[:1]), Value(False)),
                cov_ifn=Subquery(ifn, output_field=models.FloatField()),
                layer_threshold_km=Value(float(threshold_km), output_field=models.FloatField()),
                layer_basis=Value(basis, output_field=models.CharField()),
            )
            .order_by("code")
        )

    def geometry(self):
        return ForcePolygonCCW("geom")

    def plain_geometry(self):
        return F("geom")

    def tile_id(self):
        return tile_id_expression()

    def bbox_filter(self, queryset, bbox):
        from django.contrib.gis.geos import Polygon

        envelope = Polygon.from_bbox(bbox)
        envelope.srid = 4326
        return queryset.filter(geom__intersects=envelope)

    def serializer_instances(self, queryset):
        return queryset


class CounterClockwiseGeometryField(GeometryField):
    """Exterior rings counter-clockwise, interior ones clockwise (RFC 7946, as
    ``ST_ForcePolygonCCW`` in the SQL writer)."""

    def to_representation(self, value):
        if value is None:
            return None
        from django.contrib.gis.geos import GEOSGeometry
        from shapely import from_wkb, orient_polygons, to_wkb

        oriented = orient_polygons(from_wkb(bytes(value.wkb)), exterior_cw=False)
        return super().to_representation(GEOSGeometry(memoryview(to_wkb(oriented)), srid=4326))


class CommuneFeatureSerializer(GeoFeatureModelSerializer):
    """The reference Feature of a commune, on rows of ``CommunesLayer.rows()``."""

    code_insee = serializers.CharField(source="code", help_text="Code INSEE (COG 2026).")
    departement = serializers.CharField(source="departement_id")
    region = serializers.CharField(source="region_id", allow_null=True)
    distance_m = serializers.SerializerMethodField()
    nearest_place_id = serializers.IntegerField(source="cov_nearest", allow_null=True)
    has_place_inside = serializers.SerializerMethodField()
    covered = serializers.BooleanField(source="is_covered")
    threshold_km = serializers.FloatField(source="layer_threshold_km")
    basis = serializers.CharField(source="layer_basis")
    ifn = serializers.SerializerMethodField()
    geom = CounterClockwiseGeometryField(precision=PRECISION)

    class Meta:
        model = Commune
        geo_field = "geom"
        id_field = "code"
        fields = (
            "code",
            "code_insee",
            "nom",
            "departement",
            "region",
            "population",
            "distance_m",
            "nearest_place_id",
            "has_place_inside",
            "covered",
            "threshold_km",
            "basis",
            "ifn",
            "geom",
        )

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_distance_m(self, commune):
        return None if commune.cov_distance is None else round(commune.cov_distance)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_place_inside(self, commune):
        return bool(commune.cov_inside)

    @extend_schema_field({"type": "number", "nullable": True})
    def get_ifn(self, commune):
        return ifn_value(commune.cov_ifn)


CommunesLayer.serializer_class = CommuneFeatureSerializer
COMMUNES = CommunesLayer()
COMMUNES_WRITER = LayerWriter(COMMUNES)
