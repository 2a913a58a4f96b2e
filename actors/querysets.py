"""Every query on actors and their networks, chainable and reused by pages, API and tests.

``Actor.objects.public()``: what the public may see (consent, validated, not deleted).
``Actor.objects.active_mediators().in_departement("04").search("jean pierre")``: the annuaire.
A link (activity, employment, team membership) is *current* when it has started and has no end
date or ends after today: ending a link sets ``end_date`` to today and keeps it as history.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.apps import apps
from django.contrib.gis.db.models.functions import Distance, GeometryDistance, PointOnSurface
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, models
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, Subquery
from django.utils import timezone

MEDIATOR_ROLE_VALUES = ["mediateur", "conseiller_numerique"]
COORDINATOR_ROLE = "coordinateur"


def normalize_name(text: str) -> str:
    """Lower case, no accents, no spaces, hyphens or apostrophes: "Jéan-Piérre" -> "jeanpierre"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^0-9a-z]", "", bare.casefold())


def search_key(first_name: str, last_name: str) -> str:
    """Both name orders, so "Martin Jean-Pierre" and "jean pierre martin" find the same person."""
    return f"{normalize_name(first_name + last_name)} {normalize_name(last_name + first_name)}"


def _model(name: str):
    return apps.get_model("actors", name)


def _today(day: datetime.date | None = None) -> datetime.date:
    return day or timezone.localdate()


def current_q(prefix: str = "", day: datetime.date | None = None) -> Q:
    """A link is current on ``day``: started, and no end date or an end date after that day."""
    day = _today(day)
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": day})
    )


class LinkQuerySet(models.QuerySet):
    """Activities, employments and team memberships: dated links with history."""

    def current(self, day: datetime.date | None = None):
        return self.filter(current_q(day=day))

    def past(self, day: datetime.date | None = None):
        return self.filter(end_date__lte=_today(day))

    def end(self, day: datetime.date | None = None) -> int:
        """End the current links today (history kept); returns how many were ended."""
        return self.current(day).update(end_date=_today(day))


def _current_activities():
    return _model("Activity").objects.current().filter(place__deleted_at__isnull=True)


def _current_employments():
    return _model("Employment").objects.current().filter(place__deleted_at__isnull=True)


class ActorQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def validated(self):
        return self.alive().filter(is_validated=True)

    def public(self):
        """What the public may see: consenting, validated, not deleted."""
        return self.validated().filter(visibility_consent=True)

    def with_role(self, role: str):
        return self.filter(roles__contains=[role])

    def mediators(self):
        return self.filter(roles__overlap=MEDIATOR_ROLE_VALUES)

    def coordinators(self):
        return self.with_role(COORDINATOR_ROLE)

    def with_current_activity(self):
        return self.filter(Exists(_current_activities().filter(actor=OuterRef("pk"))))

    def active(self):
        """With a current place of activity or a current job."""
        return self.filter(
            Exists(_current_activities().filter(actor=OuterRef("pk")))
            | Exists(_current_employments().filter(actor=OuterRef("pk")))
        )

    def active_mediators(self):
        """Validated, not deleted mediators with at least one current place of activity."""
        return self.validated().mediators().with_current_activity()

    def in_departement(self, code: str):
        """With a current job or place of activity in the département (the network rule)."""
        at_place = {"place__departement_code": code}
        working = _current_activities().filter(**at_place).values("actor")
        employed = _current_employments().filter(**at_place).values("actor")
        return self.filter(Q(pk__in=working) | Q(pk__in=employed))

    def in_network(self, code: str):
        """Who counts in "N Acteurs de l'inclusion numérique" of a département."""
        return self.validated().in_departement(code)

    def working_at(self, place_id: int):
        return self.filter(
            Exists(_current_activities().filter(actor=OuterRef("pk"), place=place_id))
        )

    def working_in_commune(self, code: str):
        return self.filter(
            Exists(
                _current_activities().filter(actor=OuterRef("pk"), place__commune_actuelle_id=code)
            )
        )

    def search(self, text: str):
        """First and last names in either order, ignoring case, accents, spaces and hyphens."""
        tokens = [normalize_name(token) for token in re.split(r"[\s\-'’]+", text or "")]
        tokens = [token for token in tokens if token]
        if not tokens:
            return self
        all_tokens = Q()
        for token in tokens:
            all_tokens &= Q(search_name__contains=token)
        exact = self.filter(Q(search_name__contains="".join(tokens)) | all_tokens)
        if exact.exists():
            return exact
        # A typo ("brouilon"): each token found or looking like a part of the name (pg_trgm word
        # similarity, GIN index actor_search_name_trgm), the most similar first.
        fuzzy, rank = self, models.Value(0.0)
        for token in tokens:
            fuzzy = fuzzy.filter(
                Q(search_name__contains=token) | Q(search_name__trigram_word_similar=token)
            )
            rank = rank + TrigramWordSimilarity(token, "search_name")
        return fuzzy.annotate(search_rank=rank).order_by("-search_rank", "last_name", "id")

    def with_place_count(self):
        """``place_count``: current places of activity (not deleted)."""
        return self.annotate(
            place_count=Count(
                "activities__place",
                filter=current_q("activities__") & Q(activities__place__deleted_at__isnull=True),
                distinct=True,
            )
        )

    def sorted(self, order: str = "az"):
        if order == "za":
            return self.order_by("-last_name", "-first_name", "-id")
        return self.order_by("last_name", "first_name", "id")

    def team_of(self, coordinator):
        """The current members of a coordinator's team."""
        memberships = _model("TeamMembership").objects.current().filter(coordinator=coordinator)
        return self.alive().filter(pk__in=memberships.values("member"))


def _network_links(codes=None):
    """(actor, département) pairs of the network rule: a validated, living actor with a current
    place of activity or job there (``ActorQuerySet.in_network``), each pair once (UNION)."""
    validated = _model("Actor").objects.validated().values("pk")
    pairs = []
    for links in (_current_activities(), _current_employments()):
        links = links.filter(actor__in=validated)
        if codes is not None:
            links = links.filter(place__departement_code__in=codes)
        pairs.append(
            links.order_by().values(member=F("actor"), departement=F("place__departement_code"))
        )
    return pairs[0].union(pairs[1])


def _places_in_network(codes=None):
    Place = apps.get_model("places", "Place")
    mediators = _model("Actor").objects.active_mediators()
    with_mediator = _current_activities().filter(place=OuterRef("pk"), actor__in=mediators)
    places = Place.objects.alive().exclude(departement_code="")
    if codes is not None:
        places = places.filter(departement_code__in=codes)
    return places.filter(Q(is_visible=True) | Exists(with_mediator))


def places_in_network(code: str):
    """Who counts in "N Lieux d'inclusion numérique": not deleted, in the département, and
    visible or with at least one active mediator."""
    return _places_in_network([code])


def network_counts_by_departement(codes=None) -> dict[str, dict[str, int]]:
    """``{code: {"actors": n, "places": m}}`` for the départements ``codes`` (all when None), in
    two grouped queries whatever their number; a département with nobody is absent."""
    links_sql, params = _network_links(codes).query.sql_with_params()
    counts: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        # each (actor, département) pair once: counting the pairs counts the actors
        cursor.execute(
            f"SELECT links.departement, COUNT(*) FROM ({links_sql}) links GROUP BY 1", params
        )
        for code, actors in cursor.fetchall():
            counts[code] = {"actors": actors, "places": 0}
    places = (
        _places_in_network(codes).order_by().values_list("departement_code").annotate(n=Count("pk"))
    )
    for code, number in places:
        counts.setdefault(code, {"actors": 0, "places": 0})["places"] = number
    return counts


def network_counts(code: str) -> dict[str, int]:
    return network_counts_by_departement([code]).get(code, {"actors": 0, "places": 0})


def territory_places(coordinator):
    """The living places inside a coordinator's territory (départements or communes)."""
    Place = apps.get_model("places", "Place")
    departements = list(coordinator.territory_departements.values_list("code", flat=True))
    communes = list(coordinator.territory_communes.values_list("code", flat=True))
    if not departements and not communes:
        return Place.objects.none()
    return Place.objects.alive().filter(
        Q(departement_code__in=departements) | Q(commune_actuelle_id__in=communes)
    )


def coordinator_origin(coordinator):
    """Where "nearest" is measured from: the employer, else a current place of activity, else a
    point inside the first département of the territory."""
    for links in (coordinator.employments, coordinator.activities):
        link = (
            links.current()
            .filter(place__location__isnull=False, place__deleted_at__isnull=True)
            .select_related("place")
            .first()
        )
        if link:
            return link.place.location
    departement = (
        coordinator.territory_departements.filter(geom__isnull=False)
        .annotate(inside=PointOnSurface("geom"))
        .first()
    )
    if departement:
        return departement.inside
    commune = coordinator.territory_communes.filter(reference_point__isnull=False).first()
    return commune.reference_point if commune else None


def mediators_outside_team(coordinator):
    """Active mediators whose current places lie in the coordinator's territory and who are not
    in the team, nearest first (``distance_m`` to their nearest place in the territory)."""
    Actor = _model("Actor")
    places = territory_places(coordinator)
    here = _current_activities().filter(actor=OuterRef("pk"), place__in=places)
    members = Actor.objects.team_of(coordinator).values("pk")
    queryset = (
        Actor.objects.active_mediators()
        .filter(Exists(here))
        .exclude(pk=coordinator.pk)
        .exclude(pk__in=members)
    )
    origin = coordinator_origin(coordinator)
    if origin is None:
        return queryset.annotate(distance_m=models.Value(None, FloatField())).sorted()
    nearest = (
        here.filter(place__location__isnull=False)
        .annotate(metres=Distance("place__location", origin))
        .order_by(GeometryDistance("place__location", origin))
        .values("metres")[:1]
    )
    return queryset.annotate(distance_m=Subquery(nearest, output_field=FloatField())).order_by(
        models.F("distance_m").asc(nulls_last=True), "last_name", "first_name", "id"
    )
