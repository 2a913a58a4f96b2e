"""The stored coverage is stale after any write to what it depends on, fresh after a recompute."""

import datetime

import pytest
from django.utils import timezone

from actors.models import Actor
from coverage import services
from coverage.models import CoverageState
from geo_directory.territories.models import Commune
from places.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    services.ensure_fresh()
    assert services.is_fresh()


@pytest.mark.parametrize(
    "write",
    [
        lambda: Place.objects.filter(commune_actuelle_id="04070").update(is_visible=True),
        lambda: Actor.objects.filter(pk__lt=0).update(is_validated=True),  # even 0 rows
        lambda: Commune.objects.filter(code="04070").update(population=16_000),
        services.mark_stale,
    ],
    ids=["places bulk update", "actors update", "territory change", "mark_stale"],
)
def test_any_write_makes_coverage_stale_until_recomputed(fresh, write):
    write()
    assert not services.is_fresh()
    assert services.ensure_fresh() is True
    assert services.is_fresh()
    assert services.ensure_fresh() is False  # nothing to do twice


def test_figures_computed_yesterday_are_stale(fresh):
    # Activities end by date: a computation of another day may show an ended activity.
    CoverageState.objects.filter(pk=1).update(
        computed_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert not services.is_fresh()
    assert services.ensure_fresh() is True


def test_a_moved_reference_point_is_measured_on_the_next_request(client, fresh):
    def digne():
        body = client.get("/api/v1/communes/", {"departement": "04"}).json()
        return next(f for f in body["features"] if f["id"] == "04070")["properties"]

    before = digne()["distance_m"]
    far = Commune.objects.get(code="04037").reference_point  # Le Caire, 50 km north
    Commune.objects.filter(code="04070").update(reference_point=far)
    after = digne()["distance_m"]
    le_caire = next(
        f
        for f in client.get("/api/v1/communes/", {"departement": "04"}).json()["features"]
        if f["id"] == "04037"
    )["properties"]["distance_m"]
    assert after != before and after == le_caire
