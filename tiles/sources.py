"""The two published layers, defined once for the vector tiles and the OGC API collections.

``lieux``: public places, properties named as in the national standard (lists joined by ``|`` as
in the standard's CSV, so that every GIS format can hold them). ``communes``: every commune with
its coverage at the default basis and threshold (``coverage`` app).

Each field says its name, the SQL expression that produces it, its type (for the OpenAPI
document, the queryables and GDAL) and, when it can filter items, how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce

from coverage.models import DEFAULT_THRESHOLD_KM, Basis, CommuneCoverage
from geo_directory.geojson import ForcePolygonCCW
from geo_directory.territories.models import Commune
from places.models import Place
from places.querysets import AsGeometry

DEFAULT_BASIS = Basis.MEDIATORS


class ParameterError(ValueError):
    """A query parameter that cannot be honoured; ``name`` says which one."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


class JoinList(Func):
    """``array_to_string(list, '|')``: the standard's CSV form of a multi-valued field."""

    function = "array_to_string"
    template = "%(function)s(%(expressions)s, '|')"
    output_field = models.TextField()


@dataclass(frozen=True)
class Field:
    name: str
    expression: Any
    type: str = "string"  # string | integer | number | boolean | date
    description: str = ""
    lookup: str | None = None  # ORM lookup used by the property filter, None = not filterable
    choices: tuple = ()

    def parse(self, raw: str):
        """The filter value from the query string, or ParameterError naming the field."""
        raw = raw.strip()
        if self.type == "boolean":
            if raw.lower() in {"true", "1"}:
                return True
            if raw.lower() in {"false", "0"}:
                return False
            raise ParameterError(self.name, f"{self.name} must be true or false, not {raw!r}.")
        if self.type == "integer":
            try:
                return int(raw)
            except ValueError:
                raise ParameterError(self.name, f"{self.name} must be an integer.") from None
        if not raw or len(raw) > 250:
            raise ParameterError(self.name, f"{self.name} must be 1 to 250 characters long.")
        if self.choices and raw not in self.choices:
            raise ParameterError(
                self.name, f"{self.name} must be one of: {', '.join(self.choices)}."
            )
        return raw


def text(name, description="", lookup=None, source=None, choices=()):
    return Field(name, F(source or name), "string", description, lookup, choices)


def listed(name, description="", choices=()):
    return Field(
        name,
        JoinList(F(name)),
        "string",
        description,
        f"{name}__contains" if choices else None,
        tuple(choices),
    )


class Source:
    """A layer: its rows, geometry and fields. Subclasses fill in the details."""

    id: str
    title: str
    description: str
    geometry_type: str
    id_type: str = "integer"
    id_field: str = "pk"
    precision: int = 6  # decimals of GeoJSON coordinates (6 = ~0.1 m)
    fields: tuple[Field, ...] = ()

    def queryset(self):
        raise NotImplementedError

    def geometry(self):
        """Expression of the geometry in EPSG:4326 (output ready for GeoJSON)."""
        raise NotImplementedError

    def bbox_filter(self, queryset, bbox):
        raise NotImplementedError

    temporal_field: str | None = None

    def plain_geometry(self):
        """Expression of the geometry as a plain EPSG:4326 geometry (for extents)."""
        raise NotImplementedError

    def prepare(self):
        """Bring derived data up to date before reading (nothing by default)."""

    def filter_dates(self, queryset, dates):
        """Rows whose temporal field lies in ``dates`` (start, end; None = open)."""
        if not self.temporal_field or not dates:
            return queryset
        start, end = dates
        if start:
            queryset = queryset.filter(**{f"{self.temporal_field}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{self.temporal_field}__lte": end})
        return queryset

    def extent(self) -> dict:
        """``{"bbox": [...] or None, "interval": [start, end] or None}`` over all rows."""
        box = (
            self.queryset()
            .order_by()
            .aggregate(
                box=models.Aggregate(
                    self.plain_geometry(), function="ST_Extent", output_field=models.TextField()
                )
            )["box"]
        )
        bbox = None
        if box:
            corners = box.removeprefix("BOX(").removesuffix(")").replace(",", " ").split()
            bbox = [round(float(v), 6) for v in corners]
        interval = None
        if self.temporal_field:
            bounds = (
                self.queryset()
                .order_by()
                .aggregate(
                    start=models.Min(self.temporal_field), end=models.Max(self.temporal_field)
                )
            )
            if bounds["start"]:
                interval = [bounds["start"].isoformat(), bounds["end"].isoformat()]
        return {"bbox": bbox, "interval": interval}

    def properties(self) -> dict:
        return {f.name: f.expression for f in self.fields}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def filterable(self):
        return [f for f in self.fields if f.lookup]

    def filter(self, queryset, params: dict):
        """Apply the property filters present in ``params`` (name -> raw value)."""
        for field in self.filterable():
            if field.name in params:
                value = field.parse(params[field.name])
                if field.lookup.endswith("__contains") and field.choices:
                    value = [value]
                queryset = queryset.filter(**{field.lookup: value})
        return queryset


class Coordinate(Func):
    """``ST_X`` / ``ST_Y`` of a geography point."""

    template = "%(function)s(%(expressions)s::geometry)"
    output_field = models.FloatField()


class PlacesSource(Source):
    id = "lieux"
    title = "Lieux d'inclusion numérique"
    description = (
        "Lieux publics de médiation numérique, champs du standard national des lieux de "
        "médiation numérique (v1.0.2) ; listes séparées par « | » comme dans le CSV du standard."
    )
    geometry_type = "point"

    def __init__(self):
        from places import standard

        self.fields = (
            Field("id", F("pk"), "integer", "Identifiant Maillage du lieu."),
            text("pivot", "SIRET ou RNA de la structure."),
            text("nom", "Nom du lieu."),
            text("commune", "Commune (nom).", "commune__iexact"),
            text("code_postal", "Code postal.", "code_postal"),
            text("code_insee", "Code INSEE de la commune.", "code_insee"),
            text("adresse", "Adresse."),
            text("complement_adresse", "Complément d'adresse."),
            Field("latitude", Coordinate("location", function="ST_Y"), "number", "Latitude."),
            Field("longitude", Coordinate("location", function="ST_X"), "number", "Longitude."),
            listed("typologie", "Typologies du lieu (codes).", sorted(standard.TYPOLOGIES)),
            text("telephone", "Téléphone au format international."),
            listed("courriels", "Courriels."),
            listed("site_web", "Sites web."),
            text("horaires", "Horaires au format OpenStreetMap."),
            text("presentation_resume", "Présentation résumée."),
            text("presentation_detail", "Présentation détaillée."),
            text("source", "Producteur de la donnée."),
            listed("itinerance", "Itinérance.", standard.ITINERANCE),
            text("structure_parente", "Structure parente."),
            Field("date_maj", Cast("date_maj", models.TextField()), "date", "Date de mise à jour."),
            listed("services", "Services proposés.", standard.SERVICES),
            listed(
                "publics_specifiquement_adresses",
                "Publics spécifiquement adressés.",
                standard.PUBLICS_SPECIFIQUEMENT_ADRESSES,
            ),
            listed(
                "prise_en_charge_specifique",
                "Prises en charge spécifiques.",
                standard.PRISE_EN_CHARGE_SPECIFIQUE,
            ),
            listed("frais_a_charge", "Frais à charge.", standard.FRAIS_A_CHARGE),
            listed(
                "dispositif_programmes_nationaux",
                "Dispositifs et programmes nationaux.",
                standard.DISPOSITIF_PROGRAMMES_NATIONAUX,
            ),
            listed("formations_labels", "Formations et labels.", standard.FORMATIONS_LABELS),
            listed("autres_formations_labels", "Autres formations et labels."),
            listed("modalites_acces", "Modalités d'accès.", standard.MODALITES_ACCES),
            listed(
                "modalites_accompagnement",
                "Modalités d'accompagnement.",
                standard.MODALITES_ACCOMPAGNEMENT,
            ),
            text("fiche_acces_libre", "Fiche Acceslibre."),
            text("prise_rdv", "Prise de rendez-vous en ligne."),
            text(
                "departement",
                "Code du département (Maillage).",
                "departement_code",
                "departement_code",
            ),
        )

    def queryset(self):
        return Place.objects.public().located().order_by("id")

    temporal_field = "date_maj"

    def geometry(self):
        return "location"

    def plain_geometry(self):
        return AsGeometry("location")

    def bbox_filter(self, queryset, bbox):
        return queryset.in_bbox(*bbox)


class CommunesSource(Source):
    id = "communes"
    title = "Couverture des communes"
    description = (
        f"Chaque commune (COG 2026) avec la distance au point de médiation le plus proche "
        f"(mètres, ellipsoïde WGS84) et sa couverture au seuil par défaut de "
        f"{DEFAULT_THRESHOLD_KM} km (base : lieux avec un médiateur actif)."
    )
    geometry_type = "multipolygon"
    id_type = "string"
    id_field = "code"
    precision = 5  # the 2018 outlines were cut to 5 decimals (~1 m)

    def __init__(self, basis: str = DEFAULT_BASIS, threshold_km: float = DEFAULT_THRESHOLD_KM):
        self.basis = basis
        self.threshold_km = threshold_km
        self.fields = (
            Field("code_insee", F("code"), "string", "Code INSEE (COG 2026).", "code"),
            Field("nom", F("nom"), "string", "Nom de la commune."),
            Field(
                "departement",
                F("departement_id"),
                "string",
                "Code du département.",
                "departement_id",
            ),
            Field(
                "region",
                F("region_id"),
                "string",
                "Code de la région.",
                "region_id",
            ),
            Field("population", F("population"), "integer", "Population municipale (INSEE)."),
            Field(
                "distance_m",
                Func(F("cov_distance"), function="round", output_field=models.IntegerField()),
                "integer",
                "Distance au point de médiation le plus proche (m).",
            ),
            Field(
                "lieu_dans_la_commune",
                Coalesce(F("cov_inside"), Value(False)),
                "boolean",
                "Un point de médiation se trouve dans la commune.",
            ),
            Field(
                "covered",
                F("is_covered"),
                "boolean",
                f"Couverte à {self.threshold_km} km.",
                "is_covered",
            ),
            Field(
                "seuil_km",
                Value(float(self.threshold_km)),
                "number",
                "Seuil de couverture (km).",
            ),
        )

    def queryset(self):
        """Communes with ``cov_distance``, ``cov_inside`` and ``is_covered`` (default basis).

        Correlated subqueries on the (commune, basis) unique index, not a join: a tile or a page
        holds a few hundred communes, and a hash join would read the whole coverage table.
        """
        threshold_m = self.threshold_km * 1000
        coverage = CommuneCoverage.objects.filter(commune=OuterRef("pk"), basis=self.basis)
        covered = coverage.annotate(
            c=models.ExpressionWrapper(
                Q(has_place_inside=True) | Q(distance_m__lte=threshold_m),
                output_field=models.BooleanField(),
            )
        )
        return (
            Commune.objects.with_geometry()
            .annotate(
                cov_distance=Subquery(coverage.values("distance_m")[:1]),
                cov_inside=Subquery(coverage.values("has_place_inside")[:1]),
                is_covered=Coalesce(Subquery(covered.values("c")[:1]), Value(False)),
            )
            .order_by("code")
        )

    def geometry(self):
        return ForcePolygonCCW("geom")

    def plain_geometry(self):
        return F("geom")

    def bbox_filter(self, queryset, bbox):
        envelope = Polygon.from_bbox(bbox)
        envelope.srid = 4326
        return queryset.filter(geom__intersects=envelope)


PLACES = PlacesSource()
COMMUNES = CommunesSource()
SOURCES = {source.id: source for source in (PLACES, COMMUNES)}
