"""The coverage updated change by change equals a full recomputation, after random changes.

Seeded random changes to the demo (places added, moved, deleted, restored, closed to the public;
activities started and ended; mediators unvalidated, deleted, no longer mediators), each applied
by ``services.apply_pending`` as after its commit, then every stored ``CommuneCoverage`` row is
compared with ``services.computed_rows()``, a full recomputation into a fresh comparison:
distance within 0.01 m, the same nearest place or an equally near one, the same
``has_place_inside``.
"""

import datetime
import random

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from pyproj import Geod

from actors.models import Activity, Actor
from coverage import incremental, pending, services
from coverage.models import CommuneCoverage
from coverage.querysets import mediation_points
from geo_directory.signals import directory_imported
from geo_directory.territories.models import Commune
from places import standard
from places.importers.store import copy_insert
from places.models import Place

from .factories import make_mediator, make_place

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")
STEPS = 60


def assert_stored_equals_full_recomputation():
    positions = {
        pk: (point.x, point.y)
        for pk, point in Place.objects.filter(location__isnull=False).values_list("pk", "location")
    }
    refs = {
        code: (point.x, point.y)
        for code, point in Commune.objects.filter(reference_point__isnull=False).values_list(
            "code", "reference_point"
        )
    }
    for basis, rows, _ in services.computed_rows():
        points = set(mediation_points(basis).values_list("pk", flat=True))
        stored = {
            code: (d, n, h)
            for code, d, n, h in CommuneCoverage.objects.for_basis(basis).values_list(
                "commune_id", "distance_m", "nearest_place_id", "has_place_inside"
            )
        }
        assert set(stored) == {row[0] for row in rows}, basis
        for code, distance, nearest, inside in rows:
            got_distance, got_nearest, got_inside = stored[code]
            where = f"{basis} {code}"
            assert got_inside == inside, where
            if distance is None:
                assert got_distance is None and got_nearest is None, where
                continue
            assert got_distance == pytest.approx(distance, abs=0.01), where
            if got_nearest != nearest:  # an equally near point is as good
                assert got_nearest in points, where
                _, _, metres = GEOD.inv(*refs[code], *positions[got_nearest])
                assert metres == pytest.approx(distance, abs=0.01), where


class RandomChanges:
    """One random change to the demo directory per call, through the ORM or bulk updates."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.refs = list(
            Commune.objects.filter(reference_point__isnull=False)
            .order_by("code")
            .values_list("reference_point", flat=True)
        )
        self.today = timezone.localdate()

    def point(self) -> Point:
        ref = self.rng.choice(self.refs)
        return Point(
            round(ref.x + self.rng.uniform(-0.08, 0.08), 6),
            round(ref.y + self.rng.uniform(-0.08, 0.08), 6),
            srid=4326,
        )

    def pick(self, queryset):
        pks = list(queryset.order_by("pk").values_list("pk", flat=True))
        return queryset.model.objects.get(pk=self.rng.choice(pks)) if pks else None

    def __call__(self) -> str:
        name = self.rng.choice(
            [
                "add_place",
                "add_place",
                "move_place",
                "move_place",
                "delete_place",
                "hard_delete_place",
                "restore_place",
                "close_place",
                "unlocate_place",
                "start_activity",
                "start_activity",
                "end_activity",
                "end_activity_in_bulk",
                "unvalidate_mediator",
                "validate_mediator",
                "delete_mediator",
                "demote_mediator",
            ]
        )
        done = getattr(self, name)()
        return name if done is not False else f"{name} (nothing to do)"

    def add_place(self):
        place = make_place("digne", suffix=" (aléatoire)")
        place.location = self.point()
        if self.rng.random() < 0.2:
            place.modalites_acces = [standard.NO_PUBLIC]
        place.save()
        if self.rng.random() < 0.6:
            make_mediator(place)

    def move_place(self):
        place = self.pick(Place.objects.alive().located())
        if self.rng.random() < 0.3:  # onto another place's position (same-position ties)
            other = self.pick(Place.objects.alive().located())
            place.location = other.location
        else:
            place.location = self.point()
        place.save()

    def delete_place(self):
        place = self.pick(Place.objects.alive())
        place.deleted_at = timezone.now()
        place.save()

    def hard_delete_place(self):
        self.pick(Place.objects.all()).delete()

    def restore_place(self):
        place = self.pick(Place.objects.filter(deleted_at__isnull=False))
        if place is None:
            return False
        Place.objects.filter(pk=place.pk).update(deleted_at=None)

    def close_place(self):
        place = self.pick(Place.objects.alive())
        place.modalites_acces = [] if place.modalites_acces else [standard.NO_PUBLIC]
        place.save()

    def unlocate_place(self):
        place = self.pick(Place.objects.alive().located())
        place.location = None
        place.save()

    def start_activity(self):
        place = self.pick(Place.objects.alive())
        actor = self.pick(Actor.objects.validated().mediators())
        if actor is None or self.rng.random() < 0.5:
            make_mediator(place)
        else:
            Activity.objects.create(actor=actor, place=place, start_date=self.today)

    def end_activity(self):
        activity = self.pick(Activity.objects.current())
        if activity is None:
            return False
        activity.end_date = self.today
        activity.save()

    def end_activity_in_bulk(self):
        activity = self.pick(Activity.objects.current())
        if activity is None:
            return False
        Activity.objects.filter(pk=activity.pk).end()  # QuerySet.update: no signal

    def unvalidate_mediator(self):
        actor = self.pick(Actor.objects.validated().mediators())
        if actor is None:
            return False
        actor.is_validated = False
        actor.save()

    def validate_mediator(self):
        actor = self.pick(Actor.objects.alive().filter(is_validated=False))
        if actor is None:
            return False
        Actor.objects.filter(pk=actor.pk).update(is_validated=True)  # as the admin action

    def delete_mediator(self):
        actor = self.pick(Actor.objects.validated().mediators())
        if actor is None:
            return False
        actor.soft_delete()

    def demote_mediator(self):
        actor = self.pick(Actor.objects.validated().mediators())
        if actor is None:
            return False
        actor.roles = ["coordinateur"]
        actor.save()


@pytest.mark.parametrize(
    "seed, knn_communes", [(13, incremental.MAX_KNN_COMMUNES), (2026, 0)], ids=["knn", "memory"]
)
def test_random_changes_one_by_one_equal_a_full_recomputation(seed, knn_communes, monkeypatch):
    """``knn``: communes whose nearest point changed are searched again by KNN; ``memory``: among
    every point fetched once (what many such communes take)."""
    monkeypatch.setattr(incremental, "MAX_KNN_COMMUNES", knn_communes)
    services.recompute()
    change = RandomChanges(seed)
    seen = set()
    for step in range(STEPS):
        name = change()
        report = services.apply_pending()
        assert report.mode in ("incremental", "nothing"), (step, name, report.mode)
        seen.add(name)
        try:
            assert_stored_equals_full_recomputation()
        except AssertionError as error:
            raise AssertionError(f"step {step}: {name}: {error}") from error
    assert {"add_place", "move_place", "start_activity", "end_activity"} <= seen


def test_several_changes_in_one_transaction_are_applied_together():
    services.recompute()
    change = RandomChanges(7)
    for _ in range(15):
        change()
    report = services.apply_pending()
    assert report.mode == "incremental" and report.places >= 10
    assert_stored_equals_full_recomputation()


def test_a_closed_mediation_point_frees_its_communes():
    services.recompute()
    row = CommuneCoverage.objects.filter(basis="mediators", has_place_inside=True).first()
    place = Place.objects.get(pk=row.nearest_place_id)
    place.modalites_acces = [standard.NO_PUBLIC]
    place.save()
    report = services.apply_pending()
    assert report.mode == "incremental" and report.communes["mediators"] >= 1
    assert not CommuneCoverage.objects.filter(nearest_place=place).exists()
    assert_stored_equals_full_recomputation()


def test_too_many_changed_places_recompute_france(monkeypatch):
    services.recompute()
    monkeypatch.setattr(services, "MAX_INCREMENTAL_PLACES", 3)
    change = RandomChanges(3)
    for _ in range(5):
        change.add_place()
    assert services.apply_pending().mode == "full"
    assert_stored_equals_full_recomputation()


def test_one_commit_schedules_one_update_that_applies_the_changes(
    django_capture_on_commit_callbacks,
):
    services.recompute()
    change = RandomChanges(11)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change.add_place()
        change.move_place()
        Activity.objects.filter(pk=change.pick(Activity.objects.current()).pk).end()
    # One coverage update per transaction, after its commit (other apps, such as the places'
    # same-place groups, may schedule their own work on the same commit).
    coverage_updates = [c for c in callbacks if c.__module__ == "coverage.signals"]
    assert len(coverage_updates) == 1
    assert pending.summary() == (0, False) and services.is_fresh()
    assert_stored_equals_full_recomputation()


def test_raw_sql_through_django_is_applied_after_its_commit(django_capture_on_commit_callbacks):
    services.recompute()
    place = CommuneCoverage.objects.filter(basis="places").first().nearest_place
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE places_place SET deleted_at = now() WHERE id = %s", [place.pk])
    assert len(callbacks) == 1 and services.is_fresh()
    assert not CommuneCoverage.objects.filter(nearest_place=place).exists()


def test_reads_schedule_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        client.get("/couverture/04/")
        client.get("/api/v1/communes/", {"departement": "05"})
        client.get("/lieux/", {"commune": "Digne-les-Bains"})
    assert callbacks == []


def test_an_import_applies_what_it_queued_after_its_commit(django_capture_on_commit_callbacks):
    services.recompute()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # The places importer's COPY: no execute wrapper sees it.
        copy_insert(
            [
                Place(
                    import_source="essai",
                    source_id="copie-1",
                    nom="Copie",
                    location=Point(6.3, 44.2, srid=4326),
                )
            ]
        )
        assert pending.summary()[0] == 1
        directory_imported.send(sender=Place)
    assert len(callbacks) == 1 and pending.summary() == (0, False)
    assert_stored_equals_full_recomputation()


def test_the_daily_refresh_catches_up_with_activities_that_ended(capsys):
    from django.core.management import call_command

    services.recompute()
    activity = Activity.objects.current().order_by("pk").first()
    # The end date was there all along (nothing queued); the stored figures are of yesterday.
    Activity.objects.filter(pk=activity.pk).update(end_date=timezone.localdate())
    pending.forget(pending.read(with_places=False).ids)
    services.CoverageState.objects.filter(pk=1).update(
        computed_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    call_command("refresh_coverage")
    assert "Couverture mise à jour pour" in capsys.readouterr().out
    assert services.is_fresh()
    assert_stored_equals_full_recomputation()
