"""Every write that can change the coverage is queued by the database, whatever its path; the
writer's path applies the queue; reads never compute the coverage."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from actors.models import Activity, Actor
from coverage import pending, services
from coverage.models import CommuneCoverage, CoverageState
from geo_directory.cache import version
from geo_directory.territories.models import Commune
from places.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    services.recompute()
    assert services.is_fresh()


def a_mediation_point() -> Place:
    row = CommuneCoverage.objects.filter(basis="mediators", nearest_place__isnull=False).first()
    return Place.objects.get(pk=row.nearest_place_id)


def move_a_place():
    place = a_mediation_point()
    Place.objects.filter(pk=place.pk).update(location=Point(6.2, 44.1, srid=4326))


def unvalidate_a_mediator():
    place = a_mediation_point()
    Actor.objects.filter(activities__place=place).update(is_validated=False)


def end_an_activity():
    Activity.objects.filter(place=a_mediation_point()).end()


def hide_by_raw_sql():
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE places_place SET deleted_at = now() WHERE id = %s", [a_mediation_point().pk]
        )


@pytest.mark.parametrize(
    "write, mode",
    [
        (move_a_place, "incremental"),
        (unvalidate_a_mediator, "incremental"),
        (end_an_activity, "incremental"),
        (hide_by_raw_sql, "incremental"),
        (
            lambda: Commune.objects.filter(code="04070").update(
                reference_point=Point(6.25, 44.1, srid=4326)
            ),
            "full",
        ),
        (services.mark_stale, "full"),
    ],
    ids=["place moved", "actor unvalidated", "activity ended", "raw SQL", "commune moved", "mark"],
)
def test_a_write_is_queued_until_the_writer_applies_it(fresh, write, mode):
    write()
    assert pending.summary()[0] > 0 and not services.is_fresh()
    report = services.apply_pending()
    assert report.mode == mode
    assert services.is_fresh() and pending.summary() == (0, False)
    assert services.apply_pending().mode == "nothing"  # nothing to do twice


@pytest.mark.parametrize(
    "write",
    [
        lambda: Place.objects.filter(departement_code="04").update(nom="Renommé"),
        lambda: Commune.objects.filter(code="04070").update(population=16_000),
        lambda: Actor.objects.filter(pk__lt=0).update(is_validated=True),
        lambda: Actor.objects.update(phone="+33492301234"),
    ],
    ids=["places renamed", "population", "no row", "actor phone"],
)
def test_writes_that_cannot_change_the_coverage_queue_nothing(fresh, write):
    write()
    assert pending.summary() == (0, False) and services.is_fresh()


def test_figures_of_yesterday_catch_up_with_the_calendar(fresh):
    # Activities end by date: an activity that ended today counted yesterday. Simulate that the
    # stored coverage was computed yesterday, when it was current (the end date was there all
    # along: nothing is queued).
    place = a_mediation_point()
    today = timezone.localdate()
    Activity.objects.filter(place=place).update(end_date=today)
    pending.forget(pending.read(with_places=False).ids)
    yesterday = today - datetime.timedelta(days=1)
    CoverageState.objects.filter(pk=1).update(computed_on=yesterday)
    assert not services.is_fresh()
    report = services.apply_pending()
    assert report.mode == "incremental" and report.new_day and report.places >= 1
    assert services.is_fresh()
    assert not CommuneCoverage.objects.filter(basis="mediators", nearest_place=place).exists()


def test_a_moved_reference_point_is_measured_once_applied(client, fresh):
    def digne():
        body = client.get("/api/v1/communes/", {"departement": "04"}).json()
        return next(f for f in body["features"] if f["id"] == "04070")["properties"]

    before = digne()["distance_m"]
    far = Commune.objects.get(code="04037").reference_point  # Le Caire, 50 km north
    Commune.objects.filter(code="04070").update(reference_point=far)
    assert digne()["distance_m"] == before  # a read shows the stored coverage
    assert services.apply_pending().mode == "full"
    after = digne()["distance_m"]
    le_caire = next(
        f
        for f in client.get("/api/v1/communes/", {"departement": "04"}).json()["features"]
        if f["id"] == "04037"
    )["properties"]["distance_m"]
    assert after != before and after == le_caire


READS = [
    "/couverture/",
    "/couverture/04/",
    "/api/v1/communes/?departement=04",
    "/api/v1/couverture/departements/",
    "/api/v1/couverture/departements/04/",
    "/ogc/collections",
    "/ogc/collections/communes/items?limit=5",
    "/tiles/communes/8/133/92.pbf",
]


def test_no_read_computes_the_coverage(client, fresh):
    stored = list(CommuneCoverage.objects.order_by("pk").values_list("distance_m", flat=True))
    state = CoverageState.objects.values().get(pk=1)
    move_a_place()
    queued = pending.summary()
    for url in READS:
        response = client.get(url)
        assert response.status_code in (200, 204), (url, response.status_code)
    assert pending.summary() == queued  # still waiting for the writer's path
    assert CoverageState.objects.values().get(pk=1) == state
    assert list(CommuneCoverage.objects.order_by("pk").values_list("distance_m", flat=True)) == (
        stored
    )


def test_the_version_moves_with_the_directory_and_with_the_coverage(fresh):
    """Pages and the API cache their answers under the one data version: a renamed place
    (shown as a commune's nearest point) changes it without any recomputation, and so does
    the coverage brought up to date."""
    first = version()
    Place.objects.filter(departement_code="04").update(nom="Espace renommé")
    second = version()
    assert second != first and services.is_fresh()
    move_a_place()
    before_update = version()
    services.apply_pending()
    assert version() not in (first, second, before_update)
