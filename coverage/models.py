"""Coverage of communes by mediation points, stored per (commune, basis).

The nearest distance does not depend on the threshold: it is computed once per basis
(``coverage.computation``) and stored here, so that any threshold from 1 to 100 km is a cheap
filter (``coverage.querysets``). ``CommuneShape`` keeps a simplified polygon per commune for maps
and the API; ``FragilityIndex`` is La MedNum's digital fragility index (IFN) per commune.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex

from geo_directory.territories.models import Commune
from places.models import Place

from .querysets import CommuneCoverageQuerySet


class Basis(models.TextChoices):
    MEDIATORS = "mediators", "lieux avec un médiateur actif"
    PLACES = "places", "tous les lieux recevant du public"


DEFAULT_THRESHOLD_KM = 10
MIN_THRESHOLD_KM = 1
MAX_THRESHOLD_KM = 100


class CommuneCoverage(models.Model):
    """For one commune and one basis: distance to the nearest mediation point anywhere."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="coverages")
    basis = models.CharField(max_length=10, choices=Basis.choices)
    distance_m = models.FloatField(
        "distance au point de médiation le plus proche (m, ellipsoïde WGS84)", null=True
    )
    nearest_place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name="point de médiation le plus proche",
    )
    has_place_inside = models.BooleanField("un point de médiation dans la commune", default=False)

    objects = CommuneCoverageQuerySet.as_manager()

    class Meta:
        verbose_name = "couverture d'une commune"
        constraints = [
            models.UniqueConstraint(fields=["commune", "basis"], name="coverage_commune_basis"),
        ]

    def __str__(self):
        return f"{self.commune_id} [{self.basis}] {self.distance_m} m"


class DirectoryVersion(models.Model):
    """One row, bumped in the writer's transaction by a statement-level trigger on every write to
    places, actors, activities (migration 0005), communes (0006), the fragility index,
    départements and régions (0007), bulk imports and
    ``QuerySet.update`` included.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "version de l'annuaire"


class CoverageState(models.Model):
    """One row: which directory version the stored coverage reflects.

    The stored figures are fresh when computed for the current ``DirectoryVersion`` and today
    (activities end by date). Kept apart from ``DirectoryVersion`` so that a recomputation never
    waits for the row lock of an import still in progress.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    computed_version = models.BigIntegerField(null=True)
    computed_on = models.DateField(null=True)
    computed_at = models.DateTimeField(null=True)
    duration_ms = models.FloatField(null=True)
    shapes_marker = models.CharField(
        "communes et tolérance des contours simplifiés", max_length=100, blank=True
    )

    class Meta:
        verbose_name = "état du calcul de couverture"


class PlaceContainment(models.Model):
    """Which communes' polygons contain a place's point, kept between recomputations.

    Point-in-polygon for every place is the slowest step of a national recomputation; it only
    changes when a place moves (``lon``/``lat`` differ) or the communes change (then the whole
    table is emptied), so only those places are tested again.
    """

    place_id = models.BigIntegerField(primary_key=True)
    lon = models.FloatField()
    lat = models.FloatField()
    communes = ArrayField(models.CharField(max_length=5), default=list, blank=True)

    class Meta:
        verbose_name = "commune contenant un lieu"


class CommuneShape(models.Model):
    """A simplified polygon per commune, prepared by PostGIS for maps and the API."""

    commune = models.OneToOneField(
        Commune, on_delete=models.CASCADE, primary_key=True, related_name="shape"
    )
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)
    source_updated_at = models.DateTimeField()
    tolerance = models.FloatField("tolérance de simplification (degrés)", default=0)

    class Meta:
        verbose_name = "contour simplifié"
        indexes = [GistIndex(fields=["geom"], name="communeshape_geom_gist")]


class FragilityIndex(models.Model):
    """La MedNum's Indice de Fragilité Numérique (0-10, 10 = most fragile), per INSEE code."""

    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField(max_length=150)
    total = models.FloatField("IFN", null=True)
    no_thd_coverage_rate = models.FloatField(null=True)
    no_4g_coverage_rate = models.FloatField(null=True)
    poverty_rate = models.FloatField(null=True)
    older_65_rate = models.FloatField(null=True)
    nscol15p_rate = models.FloatField(null=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "indice de fragilité numérique"

    def __str__(self):
        return f"{self.nom} ({self.code}) : {self.total}"
