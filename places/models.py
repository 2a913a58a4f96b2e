"""A lieu d'inclusion numérique, with every field of the national standard v1.0.2.

Field names are the standard's (``nom``, ``code_insee``, ``date_maj``...); multi-valued fields are
lists in the database. What a directory adds: where the record came from (``import_source`` +
``source_id``, unique together), a geography point in metres, how precise it is, the current
commune, visibility, soft delete and timestamps.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.core.validators import RegexValidator
from django.db.models import Q

from geo_directory.territories.models import Commune

from . import standard
from .querysets import PlaceQuerySet, SearchText


def choices(values):
    return [(v, v) for v in values]


def multi(values, verbose_name):
    return ArrayField(
        models.CharField(max_length=120, choices=choices(values)),
        default=list,
        blank=True,
        verbose_name=verbose_name,
    )


pivot_validator = RegexValidator(r"^[a-zA-Z0-9]{9,14}$", "SIRET/RNA : 9 à 14 lettres ou chiffres.")
code_postal_validator = RegexValidator(r"^\d{5}$", "Code postal : 5 chiffres.")
code_insee_validator = RegexValidator(r"^([013-9]\d|2[AB1-9])\d{3}$", "Code INSEE invalide.")
telephone_validator = RegexValidator(
    r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$",
    "Téléphone au format international, par exemple +33180059880.",
)


class Place(models.Model):
    class Precision(models.TextChoices):
        SOURCE = "source", "coordonnées de la source"
        COMMUNE = "commune", "point de référence de la commune"

    # -- provenance ------------------------------------------------------------------------
    import_source = models.CharField("source d'import", max_length=80)
    source_id = models.CharField("identifiant dans la source (id)", max_length=200)

    # -- the national standard v1.0.2 (32 fields; latitude/longitude live in `location`) ----
    pivot = models.CharField(max_length=14, blank=True, validators=[pivot_validator])
    nom = models.CharField(max_length=250)
    commune = models.CharField(max_length=150, blank=True)
    code_postal = models.CharField(max_length=5, blank=True, validators=[code_postal_validator])
    code_insee = models.CharField(max_length=5, blank=True, validators=[code_insee_validator])
    adresse = models.CharField(max_length=300, blank=True)
    complement_adresse = models.CharField(max_length=300, blank=True)
    typologie = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    telephone = models.CharField(max_length=16, blank=True, validators=[telephone_validator])
    courriels = ArrayField(models.EmailField(max_length=254), default=list, blank=True)
    site_web = ArrayField(models.URLField(max_length=500), default=list, blank=True)
    horaires = models.CharField("horaires (format OSM)", max_length=500, blank=True)
    presentation_resume = models.CharField(max_length=500, blank=True)
    presentation_detail = models.TextField(blank=True)
    source = models.CharField("source (producteur)", max_length=200, blank=True)
    itinerance = multi(standard.ITINERANCE, "itinérance")
    structure_parente = models.CharField(max_length=250, blank=True)
    date_maj = models.DateField("date de mise à jour", null=True, blank=True)
    services = multi(standard.SERVICES, "services")
    publics_specifiquement_adresses = multi(
        standard.PUBLICS_SPECIFIQUEMENT_ADRESSES, "publics spécifiquement adressés"
    )
    prise_en_charge_specifique = multi(
        standard.PRISE_EN_CHARGE_SPECIFIQUE, "prise en charge spécifique"
    )
    frais_a_charge = multi(standard.FRAIS_A_CHARGE, "frais à charge")
    dispositif_programmes_nationaux = multi(
        standard.DISPOSITIF_PROGRAMMES_NATIONAUX, "dispositifs et programmes nationaux"
    )
    formations_labels = multi(standard.FORMATIONS_LABELS, "formations et labels")
    autres_formations_labels = ArrayField(
        models.CharField(max_length=250), default=list, blank=True
    )
    modalites_acces = multi(standard.MODALITES_ACCES, "modalités d'accès")
    modalites_accompagnement = multi(
        standard.MODALITES_ACCOMPAGNEMENT, "modalités d'accompagnement"
    )
    fiche_acces_libre = models.URLField("fiche Acceslibre", max_length=500, blank=True)
    prise_rdv = models.URLField("prise de rendez-vous", max_length=500, blank=True)

    # -- directory -------------------------------------------------------------------------
    location = models.PointField(
        "position", geography=True, srid=4326, null=True, blank=True, spatial_index=False
    )
    location_precision = models.CharField(
        "précision de la position",
        max_length=10,
        choices=Precision.choices,
        default=Precision.SOURCE,
    )
    commune_actuelle = models.ForeignKey(
        Commune,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name="commune (COG 2026)",
    )
    departement_code = models.CharField(max_length=3, blank=True, db_index=True)
    is_visible = models.BooleanField("visible du public", default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["nom", "id"]
        verbose_name = "lieu"
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "source_id"], name="place_unique_source_id"
            ),
            models.CheckConstraint(condition=~Q(nom=""), name="place_nom_not_empty"),
        ]
        indexes = [
            GistIndex(fields=["location"], name="place_location_gist"),
            GinIndex(fields=["services"], name="place_services_gin"),
            models.Index(fields=["departement_code", "nom"], name="place_dep_nom_idx"),
            models.Index(fields=["code_postal"], name="place_code_postal_idx"),
            # text search, typos tolerated (pg_trgm): LIKE '%word%' and word similarity
            GinIndex(OpClass(SearchText(), name="gin_trgm_ops"), name="place_search_trgm"),
        ]

    def __str__(self):
        return f"{self.nom} ({self.commune or self.code_postal})"

    @property
    def receives_public(self) -> bool:
        return standard.NO_PUBLIC not in (self.modalites_acces or [])


class DuplicateDecision(models.Model):
    """What the data keeper decided about two records that may be the same real place.

    Keyed by the stable (import_source, source_id) of both records, never by database ids, so
    the decision survives re-imports (a record deleted and imported again gets a new id, not a
    new key). The pair is stored in one order (the smaller key first) so it is unique.
    ``same``: shown as one place even if the detection no longer pairs them; ``different``:
    never shown as one, whatever the detection says (``places.same_place``).
    """

    class Verdict(models.TextChoices):
        SAME = "same", "même lieu (confirmé)"
        DIFFERENT = "different", "lieux distincts (séparés)"

    first_source = models.CharField("source du premier lieu", max_length=80)
    first_source_id = models.CharField("identifiant du premier lieu", max_length=200)
    second_source = models.CharField("source du second lieu", max_length=80)
    second_source_id = models.CharField("identifiant du second lieu", max_length=200)
    verdict = models.CharField("décision", max_length=10, choices=Verdict.choices)
    note = models.TextField("remarque", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidé par",
    )
    decided_at = models.DateTimeField("décidé le", auto_now=True)

    class Meta:
        ordering = ["-decided_at", "id"]
        verbose_name = "décision sur un doublon"
        verbose_name_plural = "décisions sur les doublons"
        constraints = [
            models.UniqueConstraint(
                fields=["first_source", "first_source_id", "second_source", "second_source_id"],
                name="duplicate_decision_unique_pair",
            ),
            models.CheckConstraint(
                condition=Q(first_source__lt=models.F("second_source"))
                | Q(
                    first_source=models.F("second_source"),
                    first_source_id__lt=models.F("second_source_id"),
                ),
                name="duplicate_decision_ordered_pair",
            ),
        ]

    def __str__(self):
        return (
            f"{self.first_source}:{self.first_source_id} / "
            f"{self.second_source}:{self.second_source_id} : {self.get_verdict_display()}"
        )

    @staticmethod
    def ordered(first: tuple[str, str], second: tuple[str, str]) -> dict[str, str]:
        """The pair's fields in the stored order: ``{"first_source": ..., ...}``."""
        a, b = sorted([tuple(first), tuple(second)])
        return {
            "first_source": a[0],
            "first_source_id": a[1],
            "second_source": b[0],
            "second_source_id": b[1],
        }

    @classmethod
    def record(cls, first: Place, second: Place, verdict: str, user=None, note: str = ""):
        """Record (or change) the decision about two places."""
        keys = cls.ordered(
            (first.import_source, first.source_id), (second.import_source, second.source_id)
        )
        decision, _ = cls.objects.update_or_create(
            **keys, defaults={"verdict": verdict, "decided_by": user, "note": note}
        )
        return decision


class PlacesVersion(models.Model):
    """One row, bumped in the writer's own transaction by statement-level triggers on every
    write to places and to the keeper's duplicate decisions (migration 0007): what the
    same-place groups (``places.same_place``) are built from. A write to actors, activities,
    communes or the coverage bumps the directory's version, not this one, so the groups built
    for it are still current."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)
    # The same-place groups, stored when places are written (``same_place.refresh``) for the
    # version they were built from: every worker reads them, none rebuilds them.
    groups = models.JSONField(null=True, editable=False)
    groups_version = models.BigIntegerField(null=True, editable=False)
    groups_changed_at = models.DateTimeField(null=True, editable=False)
    # The last writing transaction (its ``txid_current()``), the version before its first write
    # and the places it wrote (for a decision: the places of its two keys), kept by the trigger
    # (migration 0010): the groups of ``xact_base`` plus these places give the groups of
    # ``version`` without a national build. NULL: unknown or too many (a full build).
    xact_id = models.BigIntegerField(null=True, editable=False)
    xact_base = models.BigIntegerField(null=True, editable=False)
    xact_places = ArrayField(models.BigIntegerField(), null=True, editable=False)

    class Meta:
        verbose_name = "version des lieux"
