"""Every coverage query, chainable and reused by the pages, the API, the commands and the tests.

A commune is *covered at T km* when a mediation point lies inside it or the nearest one is at
most T km away (``CommuneCoverage.distance_m``, metres on the WGS84 ellipsoid, stored per basis).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce


def mediation_points(basis: str = "mediators", team_members=None):
    """Places that count as mediation points for ``basis`` (see issue 5).

    ``places``: not deleted, receiving the public, located. ``mediators`` additionally needs at
    least one current activity of a validated, not deleted médiateur or conseiller numérique.
    ``team_members`` (an Actor queryset): only the activities of those actors count.
    """
    Place = apps.get_model("places", "Place")
    points = Place.objects.alive().receiving_public().located()
    if basis == "places" and team_members is None:
        return points
    Actor = apps.get_model("actors", "Actor")
    Activity = apps.get_model("actors", "Activity")
    mediators = Actor.objects.validated().mediators()
    if team_members is not None:
        mediators = mediators.filter(pk__in=team_members.values("pk"))
    active = Activity.objects.current().filter(place=OuterRef("pk"), actor__in=mediators)
    return points.filter(Exists(active))


def covered_q(threshold_m: float) -> Q:
    return Q(has_place_inside=True) | Q(distance_m__lte=threshold_m)


class CommuneCoverageQuerySet(models.QuerySet):
    def for_basis(self, basis: str):
        return self.filter(basis=basis)

    def in_departement(self, code: str | None):
        return self.filter(commune__departement_id=code) if code else self

    def covered(self, threshold_m: float):
        return self.filter(covered_q(threshold_m))

    def uncovered(self, threshold_m: float):
        return self.exclude(covered_q(threshold_m))

    def with_covered(self, threshold_m: float):
        """``is_covered`` at ``threshold_m`` metres, as a boolean column."""
        return self.annotate(
            is_covered=Case(
                When(covered_q(threshold_m), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def with_ifn(self):
        FragilityIndex = apps.get_model("coverage", "FragilityIndex")
        total = FragilityIndex.objects.filter(code=OuterRef("commune_id")).values("total")[:1]
        return self.annotate(ifn=Subquery(total, output_field=models.FloatField()))

    def priorities(self, threshold_m: float):
        """Uncovered communes, most people first, then most fragile (IFN), then farthest."""
        return (
            self.uncovered(threshold_m)
            .with_ifn()
            .select_related("commune", "nearest_place")
            .order_by(
                models.F("commune__population").desc(nulls_last=True),
                models.F("ifn").desc(nulls_last=True),
                models.F("distance_m").desc(nulls_first=True),
                "commune_id",
            )
        )

    def summary(self, threshold_m: float) -> dict:
        """Communes, uncovered communes, population and uncovered population (number and %)."""
        population = Coalesce(Sum("commune__population"), 0)
        figures = self.aggregate(
            communes=models.Count("pk"),
            uncovered_communes=models.Count("pk", filter=~covered_q(threshold_m)),
            population=population,
            uncovered_population=Coalesce(
                Sum("commune__population", filter=~covered_q(threshold_m)), 0
            ),
        )
        total = figures["population"]
        figures["uncovered_population_pct"] = (
            round(100 * figures["uncovered_population"] / total, 1) if total else 0.0
        )
        return figures

    def by_departement(self, threshold_m: float):
        """One row per département: communes, uncovered communes, population, uncovered people."""
        uncovered = ~covered_q(threshold_m)
        return (
            self.values("commune__departement_id", "commune__departement__nom")
            .annotate(
                communes=models.Count("pk"),
                uncovered_communes=models.Count("pk", filter=uncovered),
                population=Coalesce(Sum("commune__population"), 0),
                uncovered_population=Coalesce(Sum("commune__population", filter=uncovered), 0),
            )
            .order_by("commune__departement_id")
        )
