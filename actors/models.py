"""Actors of digital inclusion (mediators, conseillers numériques, coordinators) and networks.

Privacy: without ``visibility_consent`` the public sees no trace of a person. Links to places
(activity, employment) and team memberships keep their history with start and end dates.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from geo_directory import phones
from geo_directory.territories.models import Commune, Departement
from places.models import Place

from .querysets import ActorQuerySet, LinkQuerySet, search_key


class Role(models.TextChoices):
    MEDIATEUR = "mediateur", "Médiateur numérique"
    CONSEILLER_NUMERIQUE = "conseiller_numerique", "Conseiller numérique"
    COORDINATEUR = "coordinateur", "Coordinateur"


MEDIATOR_ROLES = (Role.MEDIATEUR, Role.CONSEILLER_NUMERIQUE)


class Actor(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actor",
        verbose_name="compte",
    )
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    email = models.EmailField(
        "courriel professionnel",
        blank=True,
        help_text="Adresse confirmée : un changement fait par la personne ne compte qu'après "
        "confirmation par le lien envoyé à la nouvelle adresse.",
    )
    pending_email = models.EmailField(
        "nouveau courriel en attente de confirmation",
        blank=True,
        editable=False,
    )
    phone = models.CharField(
        "téléphone professionnel", max_length=20, blank=True, validators=[phones.validate]
    )
    roles = ArrayField(
        models.CharField(max_length=24, choices=Role.choices), default=list, verbose_name="rôles"
    )
    visibility_consent = models.BooleanField(
        "accepte d'être visible du public",
        default=False,
        help_text="Sans ce consentement, le public ne voit aucune trace de la personne.",
    )
    is_validated = models.BooleanField("validé", default=False)
    is_fictional = models.BooleanField(
        "personne fictive (démonstration)",
        default=False,
    )
    territory_departements = models.ManyToManyField(
        Departement,
        blank=True,
        related_name="coordinators",
        verbose_name="territoire : départements",
    )
    territory_communes = models.ManyToManyField(
        Commune, blank=True, related_name="coordinators", verbose_name="territoire : communes"
    )
    external_id = models.CharField(
        "identifiant externe",
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="Clé stable des imports CSV (colonne id) : réimporter met à jour, sans doublon.",
    )
    search_name = models.CharField(max_length=410, editable=False, default="", db_index=True)
    deleted_at = models.DateTimeField("supprimé le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = "acteur"
        indexes = [  # the name search tolerates typos (pg_trgm, territories migration 0003)
            GinIndex(
                fields=["search_name"], name="actor_search_name_trgm", opclasses=["gin_trgm_ops"]
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(roles=[]), name="actor_has_a_role"),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""), name="actor_named"
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.first_name, self.last_name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("actors:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_coordinator(self) -> bool:
        return Role.COORDINATEUR in self.roles

    @property
    def is_mediator(self) -> bool:
        return any(role in self.roles for role in MEDIATOR_ROLES)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels.get(role, role) for role in self.roles]

    def clean(self):
        super().clean()
        unknown = [role for role in self.roles or [] if role not in Role.values]
        if unknown:
            raise ValidationError({"roles": f"Rôle inconnu : {', '.join(unknown)}."})
        if not self.roles:
            raise ValidationError({"roles": "Au moins un rôle est nécessaire."})

    def soft_delete(self):
        """Hide the person everywhere and end their current links; history is kept."""
        today = timezone.localdate()
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", "updated_at"])
        for links in (
            self.activities,
            self.employments,
            self.coordinated_by,
            self.team_memberships,
        ):
            links.current().update(end_date=today)


class Activity(models.Model):
    """A place where an actor works (lieu d'activité), from start to an optional end."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="activities")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="activities")
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = "lieu d'activité"
        verbose_name_plural = "lieux d'activité"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="activity_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["place", "end_date"], name="activity_place_end_idx")]

    def __str__(self):
        return f"{self.actor} @ {self.place}"


class Employment(models.Model):
    """The structure (a place) that employs an actor, with dates."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="employments")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="employments")
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = "emploi"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="employment_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.actor} employé·e par {self.place}"


class TeamMembership(models.Model):
    """A coordinator coordinates a mediator, from start to an optional end (history kept)."""

    coordinator = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="team_memberships"
    )
    member = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="coordinated_by")
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = "membre d'équipe"
        constraints = [
            models.UniqueConstraint(
                fields=["coordinator", "member"],
                condition=Q(end_date__isnull=True),
                name="team_one_active_membership",
            ),
            models.CheckConstraint(
                condition=~Q(coordinator=models.F("member")), name="team_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.member} (équipe de {self.coordinator})"


class Invitation(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "envoyée"
        ACCEPTED = "accepted", "acceptée"
        REFUSED = "refused", "refusée"

    coordinator = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("courriel invité")
    actor = models.ForeignKey(
        Actor, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations_received"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "invitation"
        constraints = [
            models.UniqueConstraint(
                fields=["coordinator", "email"], name="invitation_unique_per_coordinator"
            )
        ]

    def __str__(self):
        return f"Invitation de {self.coordinator} à {self.email} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)
