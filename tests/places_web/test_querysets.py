"""The place querysets against real PostGIS: metres on the ellipsoid, exact boxes, index use."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from pyproj import Geod

from places.models import Place

from .factories import TOWNS, make_place

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")


def town_point(town):
    lon, lat = TOWNS[town][:2]
    return Point(lon, lat, srid=4326)


def geod_m(point, place):
    return GEOD.inv(point.x, point.y, place.location.x, place.location.y)[2]


@pytest.mark.parametrize(
    "town, radius_km",
    [("digne", 30), ("barcelonnette", 50), ("saint-denis", 20)],
)
def test_near_finds_every_place_within_radius_nearest_first_within_1_m_of_geod(town, radius_km):
    """Checked against all public places of the database (demo + these), measured by pyproj."""
    origin = town_point(town)
    make_place(town, "Au centre")
    make_place(town, "À 3 km au nord", dy=0.027)
    radius_m = radius_km * 1000
    found = list(Place.objects.public().near(origin, radius_m))

    expected = {}
    for place in Place.objects.public().located():
        d = geod_m(origin, place)
        if d <= radius_m - 1:
            expected[place.pk] = d
        elif d <= radius_m + 1:
            expected.setdefault(place.pk, None)  # on the circle: either answer is right
    must = {pk for pk, d in expected.items() if d is not None}
    got = {p.pk for p in found}
    assert must <= got <= set(expected)
    assert len(found) >= 2
    distances = [p.distance.m for p in found]
    assert all(abs(p.distance.m - geod_m(origin, p)) < 1 for p in found)
    assert all(a <= b + 1 for a, b in zip(distances, distances[1:], strict=False))
    assert found[0].nom == "Au centre" and found[0].distance.m < 1


def test_sisteron_is_26_km_from_digne_and_gap_out_of_a_50_km_radius():
    digne = town_point("digne")
    sisteron = make_place("sisteron", "Maison France services de Sisteron")
    gap = make_place("gap", "Espace numérique de Gap")
    near = {p.pk: p.distance.m for p in Place.objects.near(digne, 50_000)}
    assert abs(near[sisteron.pk] - 26_016.07) < 1
    assert gap.pk not in near  # 53.4 km on the ellipsoid
    assert gap.pk in {p.pk for p in Place.objects.near(digne, 54_000)}


def test_reunion_distances_are_metres_too():
    saint_denis = town_point("saint-denis")
    port = make_place("le-port", "Médiathèque du Port")
    found = {p.pk: p.distance.m for p in Place.objects.near(saint_denis, 20_000)}
    assert abs(found[port.pk] - 17_332.03) < 1


def bbox_sql_count(bbox):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM places_place WHERE deleted_at IS NULL AND is_visible"
            " AND ST_Intersects(location::geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            bbox,
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "bbox",
    [(5.9, 43.9, 6.5, 44.3), (6.0, 44.0, 6.9, 44.9), (55.2, -21.4, 55.9, -20.8), (1, 1, 2, 2)],
)
def test_bbox_count_equals_st_intersects(bbox):
    make_place("digne", "Sur le bord ouest", dx=5.9 - 6.2357)  # exactly on lon 5.9: inside
    assert Place.objects.public().in_bbox(*bbox).count() == bbox_sql_count(bbox)


def test_bbox_is_exact_at_the_edges():
    inside = make_place("digne", "Dedans", dx=0.0)
    outside = make_place("digne", "Dehors, 10 m à l'est", dx=0.00013)
    ids = set(Place.objects.in_bbox(6.0, 44.0, 6.2357, 44.1).values_list("pk", flat=True))
    assert inside.pk in ids and outside.pk not in ids


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test table holds a few hundred rows: small enough for the planner to prefer a
        # sequential scan, so it is told not to, to show the index *can* serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_nearby_query_uses_the_geography_index():
    text = plan(Place.objects.public().near(town_point("digne"), 20_000)[:10])
    assert "place_location_gist" in text


def test_bbox_query_uses_the_geometry_expression_index():
    text = plan(Place.objects.public().in_bbox(5.9, 43.9, 6.5, 44.3))
    assert "place_location_geom_gist" in text


def test_with_services_keeps_places_offering_any_of_them():
    internet = make_place("gap", "Cyber-base", services=["Accès internet et matériel informatique"])
    admin = make_place("gap", "Point démarches", services=["Aide aux démarches administratives"])
    found = set(
        Place.objects.filter(import_source="tests")
        .with_services(["Accès internet et matériel informatique"])
        .values_list("pk", flat=True)
    )
    assert internet.pk in found and admin.pk not in found


def test_open_now_judges_each_place_in_its_own_time_zone():
    hours = "Mo-Fr 09:00-12:00"
    digne = make_place("digne", "Ouvert le matin à Digne", horaires=hours)
    reunion = make_place("saint-denis", "Ouvert le matin à Saint-Denis", horaires=hours)
    unreadable = make_place("digne", "Horaires en texte libre", horaires="lundi 9h-12h")
    mine = Place.objects.filter(pk__in=[digne.pk, reunion.pk, unreadable.pk])
    # Tuesday 2026-12-01 06:30 UTC: 07:30 in Digne (closed), 10:30 in Saint-Denis (open).
    early = set(
        mine.open_now(datetime(2026, 12, 1, 6, 30, tzinfo=UTC)).values_list("nom", flat=True)
    )
    assert early == {"Ouvert le matin à Saint-Denis"}
    # 09:30 UTC: 10:30 in Digne (open), 13:30 in Saint-Denis (closed).
    later = set(
        mine.open_now(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)).values_list("nom", flat=True)
    )
    assert later == {"Ouvert le matin à Digne"}


def test_search_ignores_case_and_accents_over_name_address_siret_and_postal_code():
    place = make_place(
        "barcelonnette",
        "Médiathèque de l'Ubaye",
        adresse="Rue Jules-Béraud",
        pivot="21040019900018",
    )
    mine = Place.objects.filter(import_source="tests")
    for text in ("MEDIATHEQUE", "ubaye", "jules beraud", "210400199", "04400", "médiathèque ubaye"):
        assert place in mine.search(text), text
    assert place not in mine.search("Manosque")


def test_public_hides_deleted_and_invisible_places():
    hidden = make_place("digne", "Invisible", is_visible=False)
    deleted = make_place("digne", "Supprimé", deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
    ids = set(Place.objects.public().near(town_point("digne"), 5000).values_list("pk", flat=True))
    assert hidden.pk not in ids and deleted.pk not in ids
