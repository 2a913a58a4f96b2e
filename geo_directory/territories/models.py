"""Régions, départements and communes (COG 2026), the ground floor of Maillage.

Every geometry is WGS84 (EPSG:4326). Commune polygons are valid MultiPolygons (a database
constraint says so; imports repair with MakeValid) and each commune carries a reference point
inside it (ST_PointOnSurface) from which distances are measured.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db.models import Q

from .names import name_key
from .querysets import CommuneAliasQuerySet, CommuneQuerySet, DepartementQuerySet


class Zone(models.TextChoices):
    METRO = "metro", "France métropolitaine"
    DROM = "drom", "Départements et régions d'outre-mer"
    COM = "com", "Collectivités d'outre-mer"


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField(max_length=100)
    zone = models.CharField(max_length=5, choices=Zone.choices, default=Zone.METRO)

    class Meta:
        ordering = ["code"]
        verbose_name = "région"

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    nom = models.CharField(max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", null=True, blank=True
    )
    zone = models.CharField(max_length=5, choices=Zone.choices, default=Zone.METRO)
    geom = models.MultiPolygonField(
        "contour", srid=4326, null=True, blank=True, spatial_index=False
    )

    objects = DepartementQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "département"
        indexes = [GistIndex(fields=["geom"], name="departement_geom_gist")]
        constraints = [
            models.CheckConstraint(
                condition=Q(geom__isnull=True) | Q(geom__isvalid=True),
                name="departement_geom_valid",
            )
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField(max_length=150)
    name_key = models.CharField(
        "clé de recherche du nom",
        max_length=150,
        blank=True,
        editable=False,
        help_text="Nom sans casse, accents ni tirets (voir territories/names.py).",
    )
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="communes", null=True, blank=True
    )
    zone = models.CharField(max_length=5, choices=Zone.choices, default=Zone.METRO)
    population = models.PositiveIntegerField(null=True, blank=True)
    codes_postaux = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    area_km2 = models.FloatField("superficie (km²)", null=True, blank=True)
    geom = models.MultiPolygonField(
        "contour", srid=4326, null=True, blank=True, spatial_index=False
    )
    reference_point = models.PointField(
        "point de référence",
        srid=4326,
        null=True,
        blank=True,
        spatial_index=False,
        help_text="Point à l'intérieur de la commune (ST_PointOnSurface), origine des distances.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "commune"
        indexes = [
            GistIndex(fields=["geom"], name="commune_geom_gist"),
            GistIndex(fields=["reference_point"], name="commune_refpoint_gist"),
            models.Index(fields=["departement", "nom"], name="commune_dep_nom_idx"),
            models.Index(
                fields=["name_key"], name="commune_name_key_idx", opclasses=["varchar_pattern_ops"]
            ),
            GinIndex(fields=["codes_postaux"], name="commune_postal_codes_gin"),
            # typo-tolerant lookups (pg_trgm, migration 0003): "barcelonette" -> Barcelonnette
            GinIndex(fields=["name_key"], name="commune_name_key_trgm", opclasses=["gin_trgm_ops"]),
            # coverage figures sum populations over every commune: read from this index alone,
            # not from the rows and their outlines (10,000 pages nationally; 48 -> 26 ms)
            models.Index(
                fields=["code"],
                include=["population", "departement"],
                name="commune_population_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(geom__isnull=True) | Q(geom__isvalid=True),
                name="commune_geom_valid",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^([0-9]{5}|2[AB][0-9]{3})$"),
                name="commune_code_format",
            ),
        ]

    def __str__(self):
        return f"{self.nom} ({self.code})"

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.nom)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)


class CommuneAlias(models.Model):
    """Any INSEE code the COG knows (current, délégué, associé, arrondissement municipal, or a
    former code) and the current commune it belongs to today."""

    class Kind(models.TextChoices):
        ACTUELLE = "actuelle", "commune actuelle"
        DELEGUEE = "deleguee", "commune déléguée"
        ASSOCIEE = "associee", "commune associée"
        ARRONDISSEMENT = "arrondissement", "arrondissement municipal"
        ANCIEN = "ancien", "ancien code"

    code = models.CharField(max_length=5, primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    nom = models.CharField(max_length=150)
    current_code = models.CharField("commune actuelle", max_length=5, db_index=True)

    objects = CommuneAliasQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "code de commune"
        verbose_name_plural = "codes de communes"

    def __str__(self):
        return f"{self.code} → {self.current_code} ({self.get_kind_display()})"
