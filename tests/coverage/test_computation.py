"""Stored coverage vs an independent computation (shapely + pyproj Geod) on the demo territory."""

import numpy as np
import pytest
import shapely
from django.utils import timezone
from pyproj import Geod
from shapely import wkb

from actors.models import Activity
from coverage import services
from coverage.models import CommuneCoverage
from coverage.querysets import mediation_points
from geo_directory.territories.models import Commune
from places import standard
from places.models import Place

from .factories import make_mediator, make_place, no_public

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")
DEMO = ["04", "05", "974"]
MEDIATOR_ROLES = {"mediateur", "conseiller_numerique"}


@pytest.fixture
def network():
    """Mediation points in 04, 05, 974 and in Vaucluse, and places that must not count."""
    places = {}
    for town in ["digne", "barcelonnette", "manosque", "gap", "tallard", "saint-denis", "pertuis"]:
        places[town] = make_place(town)
        make_mediator(places[town])
    for town in ["sisteron", "embrun", "saint-pierre"]:  # places without a mediator
        places[town] = make_place(town)
    closed = make_place("castellane", **no_public())  # does not receive the public
    make_mediator(closed)
    gone = make_place("briancon", deleted_at=timezone.now())  # deleted
    make_mediator(gone)
    unvalidated = make_place("forcalquier")
    make_mediator(unvalidated, is_validated=False)
    ended = make_place("saint-paul")
    activity = make_mediator(ended, days_ago=60)
    activity.end_date = timezone.localdate()
    activity.save()
    return places


def independent_points(basis: str):
    """Mediation points per issue 5, selected in plain Python from every place in the database."""
    today = timezone.localdate()
    with_mediator = {
        a.place_id
        for a in Activity.objects.select_related("actor")
        if a.start_date <= today
        and (a.end_date is None or a.end_date > today)
        and a.actor.deleted_at is None
        and a.actor.is_validated
        and MEDIATOR_ROLES & set(a.actor.roles)
    }
    points = []
    for place in Place.objects.only("pk", "location", "deleted_at", "modalites_acces"):
        if place.deleted_at or place.location is None:
            continue
        if standard.NO_PUBLIC in (place.modalites_acces or []):
            continue
        if basis == "mediators" and place.pk not in with_mediator:
            continue
        points.append((place.pk, place.location.x, place.location.y))
    return points


def independent_coverage(basis: str) -> dict:
    points = independent_points(basis)
    ids = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    lat = np.array([p[2] for p in points])
    result = {}
    for commune in Commune.objects.filter(departement_id__in=DEMO):
        polygon = wkb.loads(bytes(commune.geom.wkb))
        ref = commune.reference_point
        _, _, metres = GEOD.inv(np.full(len(lon), ref.x), np.full(len(lat), ref.y), lon, lat)
        best = int(np.argmin(metres))
        inside = bool(shapely.intersects_xy(polygon, lon, lat).any())
        result[commune.code] = (float(metres[best]), int(ids[best]), inside, metres)
    return result


@pytest.mark.parametrize("basis", ["mediators", "places"])
def test_every_demo_commune_matches_an_independent_geodesic_computation(network, basis):
    services.recompute()
    expected = independent_coverage(basis)
    stored = {
        c.commune_id: c
        for c in CommuneCoverage.objects.for_basis(basis).filter(commune_id__in=expected)
    }
    assert set(stored) == set(expected) and len(stored) == 384
    ids = [p[0] for p in independent_points(basis)]
    for code, (distance, nearest_id, inside, metres) in expected.items():
        row = stored[code]
        assert abs(row.distance_m - distance) < 1.0, code
        # The nearest place may differ only where two are equally near.
        if row.nearest_place_id != nearest_id:
            assert abs(metres[ids.index(row.nearest_place_id)] - distance) < 1.0, code
        assert row.has_place_inside == inside, code
    for km in (5, 10, 20):
        covered = set(
            CommuneCoverage.objects.for_basis(basis)
            .covered(km * 1000)
            .filter(commune_id__in=expected)
            .values_list("commune_id", flat=True)
        )
        assert covered == {
            c for c, (d, _, inside, _) in expected.items() if inside or d <= km * 1000
        }


@pytest.mark.parametrize("basis", ["mediators", "places"])
def test_only_real_mediation_points_count(network, basis):
    counted = set(mediation_points(basis).values_list("pk", flat=True))
    assert counted == {pk for pk, _, _ in independent_points(basis)}
    for town in ["digne", "barcelonnette", "gap", "tallard", "saint-denis", "pertuis"]:
        assert network[town].pk in counted
    names = ["Castellane", "Briançon"]  # closed to the public, deleted
    if basis == "mediators":  # no mediator, an unvalidated one, an ended activity
        names += ["Sisteron", "Embrun", "Saint-Pierre", "Forcalquier", "Saint-Paul"]
    excluded = Place.objects.filter(import_source="tests-coverage", commune__in=names)
    assert excluded.count() == len(names)
    assert not counted & set(excluded.values_list("pk", flat=True))


def test_reunion_is_measured_on_the_ellipsoid_not_lambert93(network):
    services.recompute()
    row = CommuneCoverage.objects.for_basis("mediators").get(commune_id="97416")  # Saint-Pierre
    ref = Commune.objects.get(code="97416").reference_point
    in_reunion = [(pk, x, y) for pk, x, y in independent_points("mediators") if y < -20]
    assert network["saint-denis"].pk in {pk for pk, _, _ in in_reunion}
    metres = {pk: GEOD.inv(ref.x, ref.y, x, y)[2] for pk, x, y in in_reunion}
    nearest = min(metres, key=metres.get)
    assert abs(row.distance_m - metres[nearest]) < 1.0
    assert abs(metres[row.nearest_place_id] - metres[nearest]) < 1.0


def test_border_commune_of_04_is_covered_through_a_place_in_05(network):
    services.recompute()
    mediators = CommuneCoverage.objects.for_basis("mediators")
    row = mediators.select_related("nearest_place").get(commune_id="04066")  # Curbans (04)
    across = row.nearest_place
    assert across.departement_code == "05"  # Tallard or another place across the border
    assert not row.has_place_inside and row.distance_m <= 10_000
    assert mediators.covered(10_000).filter(commune_id="04066").exists()
    # Without the place across the border, Curbans is farther from any mediation point.
    across.deleted_at = timezone.now()
    across.save()
    services.recompute()
    assert mediators.get(commune_id="04066").distance_m > row.distance_m


def test_recomputing_one_departement_keeps_the_others(network):
    services.recompute()
    before = CommuneCoverage.objects.for_basis("mediators").get(commune_id="97411")
    services.recompute(departement="04")
    assert CommuneCoverage.objects.filter(commune__departement_id="04").count() == 2 * 198
    after = CommuneCoverage.objects.for_basis("mediators").get(commune_id="97411")
    assert after.pk == before.pk
