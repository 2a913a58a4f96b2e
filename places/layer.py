"""The places layer (``lieux``), defined once for every door: API, OGC, tiles and exports.

Rows: the public, located places (a place with no position is in no layer), ordered by number.
Feature id: the directory's number (``/api/v1/lieux/<id>/``, ``/ogc/.../items/<id>``, the MVT
feature id). Properties: the national standard's 32 fields, in its order, then what the
directory adds (``departement``, ``location_precision``):

- ``id`` is the standard's ``<import source>:<source id>``, unique across sources;
- ``code_insee`` is the COG 2026 commune whose polygon holds the point (what ``code_insee=``
  filters on), ``commune`` the source's address commune (else the current commune's name);
- ``latitude``/``longitude`` are the source's own coordinates, 6 decimals, equal to the
  geometry's; null when the place stands at its commune's reference point
  (``location_precision = "commune"``), whose geometry is still that point;
- ``pivot`` is the standard's ``00000000000000`` when unknown; ``date_maj`` is never empty;
- list fields are arrays (``|``-joined only in the standard CSV and in vector tiles).

``PlaceFeatureSerializer`` is the reference representation; ``PLACES_WRITER`` writes the same
text in SQL (``tests/publication`` holds them equal for every demo place).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Func, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from geo_directory.geojson import LayerWriter
from geo_directory.layers import Field, Layer, field

from . import standard
from .cleaning import NO_PIVOT
from .models import Place
from .querysets import AsGeometry

PRECISION = 6  # decimals of coordinates (~0.1 m)
TILE_FIELDS = {
    "id",
    "nom",
    "commune",
    "code_insee",
    "typologie",
    "services",
    "frais_a_charge",
    "date_maj",
    "departement",
    "location_precision",
}


class CoordinateOfGeoJSON(Func):
    """A coordinate as ``ST_AsGeoJSON`` prints it (correctly rounded, as Python's ``round``):
    ``round(ST_X(...)::numeric, 6)`` would round the 15-digit decimal instead and differ from
    the geometry in the last digit for some points."""

    template = (
        f"((ST_AsGeoJSON(%(expressions)s, {PRECISION})::json -> 'coordinates' ->> %(index)s)"
        "::numeric)"
    )
    output_field = models.DecimalField()


def own_coordinate(index: int):
    """The source's own coordinate (0 = longitude, 1 = latitude), or null (commune point)."""
    return Case(
        When(
            location_precision=Place.Precision.SOURCE,
            then=CoordinateOfGeoJSON("location", index=index),
        ),
        default=Value(None),
        output_field=models.DecimalField(),
    )


DESCRIPTIONS = {
    "id": "Identifiant du standard : <source d'import>:<identifiant dans la source>.",
    "pivot": "SIRET ou RNA de la structure (00000000000000 si inconnu).",
    "nom": "Nom du lieu.",
    "commune": "Commune de l'adresse.",
    "code_postal": "Code postal.",
    "code_insee": "Code INSEE (COG 2026) de la commune qui contient le point.",
    "adresse": "Adresse.",
    "complement_adresse": "Complément d'adresse.",
    "latitude": "Latitude (WGS84) donnée par la source ; vide si le lieu est placé au point de "
    "référence de sa commune.",
    "longitude": "Longitude (WGS84) donnée par la source ; vide si le lieu est placé au point de "
    "référence de sa commune.",
    "typologie": "Typologies de la structure (codes).",
    "telephone": "Téléphone au format international.",
    "courriels": "Courriels.",
    "site_web": "Sites web.",
    "horaires": "Horaires au format OpenStreetMap.",
    "presentation_resume": "Présentation résumée.",
    "presentation_detail": "Présentation détaillée.",
    "source": "Producteur de la donnée.",
    "itinerance": "Itinérance.",
    "structure_parente": "Structure parente.",
    "date_maj": "Date de mise à jour.",
    "services": "Services proposés.",
    "publics_specifiquement_adresses": "Publics spécifiquement adressés.",
    "prise_en_charge_specifique": "Prises en charge spécifiques.",
    "frais_a_charge": "Frais à charge.",
    "dispositif_programmes_nationaux": "Dispositifs et programmes nationaux.",
    "formations_labels": "Formations et labels.",
    "autres_formations_labels": "Autres formations et labels.",
    "modalites_acces": "Modalités d'accès.",
    "modalites_accompagnement": "Modalités d'accompagnement.",
    "fiche_acces_libre": "Fiche Acceslibre.",
    "prise_rdv": "Prise de rendez-vous en ligne.",
    "departement": "Code du département de la commune qui contient le point (Maillage).",
    "location_precision": "Origine de la position : source (coordonnées de la source) ou "
    "commune (point de référence de la commune).",
}
CHOICES = {**standard.VALUE_LISTS, "typologie": tuple(sorted(standard.TYPOLOGIES))}
# Scalar fields whose stored column is exactly the published value: filters use their index.
PLAIN = {"nom", "code_postal", "telephone", "source", "horaires", "structure_parente"}
QUERYABLE = {
    "id",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "source",
    "date_maj",
    "departement",
    "location_precision",
    *standard.LIST_FIELDS,
}


def _standard_field(name: str) -> Field:
    options = {
        "queryable": name in QUERYABLE,
        "in_tiles": name in TILE_FIELDS,
        "choices": tuple(CHOICES.get(name, ())),
    }
    if name in standard.LIST_FIELDS:
        return field(name, DESCRIPTIONS[name], many=True, path=name, **options)
    if name in PLAIN:
        return field(name, DESCRIPTIONS[name], path=name, **options)
    expressions = {
        "id": Concat(
            F("import_source"), Value(":"), F("source_id"), output_field=models.TextField()
        ),
        "pivot": Coalesce(NullIf(F("pivot"), Value("")), Value(NO_PIVOT)),
        "commune": Coalesce(
            NullIf(F("commune"), Value("")),
            F("commune_actuelle__nom"),
            Value(""),
            output_field=models.CharField(),
        ),
        "code_insee": Coalesce(
            F("commune_actuelle_id"), Value(""), output_field=models.CharField()
        ),
        "latitude": own_coordinate(1),
        "longitude": own_coordinate(0),
    }
    if name in ("latitude", "longitude"):
        return field(
            name,
            DESCRIPTIONS[name],
            type="number",
            nullable=True,
            expression=expressions[name],
            **options,
        )
    if name == "date_maj":
        return field(name, DESCRIPTIONS[name], type="date", path="date_maj", **options)
    if name == "code_insee":
        return field(
            name,
            DESCRIPTIONS[name],
            expression=expressions[name],
            path="commune_actuelle_id",
            **options,
        )
    if name in expressions:
        return field(name, DESCRIPTIONS[name], expression=expressions[name], **options)
    return field(name, DESCRIPTIONS[name], **options)


def _standard_id(place) -> str:
    return f"{place.import_source}:{place.source_id}"


def _coordinate(place, index: int):
    if place.location is None or place.location_precision != Place.Precision.SOURCE:
        return None
    return round(place.location.coords[index], PRECISION)


class PlaceFeatureSerializer(GeoFeatureModelSerializer):
    """The reference Feature of a place (the SQL of ``PLACES_WRITER`` writes the same)."""

    fid = serializers.IntegerField(source="pk", read_only=True)
    id = serializers.SerializerMethodField(help_text=DESCRIPTIONS["id"])
    pivot = serializers.SerializerMethodField(help_text=DESCRIPTIONS["pivot"])
    commune = serializers.SerializerMethodField(help_text=DESCRIPTIONS["commune"])
    code_insee = serializers.SerializerMethodField(help_text=DESCRIPTIONS["code_insee"])
    latitude = serializers.SerializerMethodField(help_text=DESCRIPTIONS["latitude"])
    longitude = serializers.SerializerMethodField(help_text=DESCRIPTIONS["longitude"])
    departement = serializers.CharField(
        source="departement_code", help_text=DESCRIPTIONS["departement"]
    )
    location = GeometryField(precision=PRECISION)

    class Meta:
        model = Place
        geo_field = "location"
        id_field = "fid"
        fields = ("fid", *standard.FIELDS, "departement", "location_precision", "location")

    @extend_schema_field(OpenApiTypes.STR)
    def get_id(self, place):
        return _standard_id(place)

    @extend_schema_field(OpenApiTypes.STR)
    def get_pivot(self, place):
        return place.pivot or NO_PIVOT

    @extend_schema_field(OpenApiTypes.STR)
    def get_commune(self, place):
        current = place.commune_actuelle.nom if place.commune_actuelle_id else ""
        return place.commune or current

    @extend_schema_field(OpenApiTypes.STR)
    def get_code_insee(self, place):
        return place.commune_actuelle_id or ""

    @extend_schema_field({"type": "number", "nullable": True})
    def get_latitude(self, place):
        return _coordinate(place, 1)

    @extend_schema_field({"type": "number", "nullable": True})
    def get_longitude(self, place):
        return _coordinate(place, 0)


class PlacesLayer(Layer):
    id = "lieux"
    title = "Lieux d'inclusion numérique"
    description = (
        "Lieux publics de médiation numérique : les champs du standard national des lieux de "
        "médiation numérique (v1.0.2), puis le département et l'origine de la position."
    )
    geometry_type = "point"
    id_type = "integer"
    id_path = "pk"
    precision = PRECISION
    temporal_field = "date_maj"
    serializer_class = PlaceFeatureSerializer

    def __init__(self):
        self.fields = (
            *(_standard_field(name) for name in standard.FIELDS),
            field(
                "departement",
                DESCRIPTIONS["departement"],
                expression=F("departement_code"),
                path="departement_code",
                queryable=True,
                in_tiles=True,
            ),
            field(
                "location_precision",
                DESCRIPTIONS["location_precision"],
                path="location_precision",
                queryable=True,
                in_tiles=True,
                choices=tuple(Place.Precision.values),
            ),
        )

    def rows(self):
        return Place.objects.public().located().order_by("id")

    def geometry(self):
        return F("location")

    def plain_geometry(self):
        return AsGeometry("location")

    def bbox_filter(self, queryset, bbox):
        return queryset.in_bbox(*bbox)

    def serializer_instances(self, queryset):
        return queryset.select_related("commune_actuelle")


PLACES = PlacesLayer()
PLACES_WRITER = LayerWriter(PLACES)
