"""Stored positions are snapped to 6 decimals at import, so that every door prints the same."""

import importlib

import pytest
from django.db import connection

from places.models import Place

from .helpers import run_import, write_json, write_standard_csv

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("places.migrations.0004_snap_positions_to_6_decimals")

# Real rows of the shared files whose coordinates sit on a rounding tie.
GAP = {
    "id": "mediation-numerique-cr93-141",
    "nom": "Universite du Temps Libre",
    "commune": "GAP",
    "code_postal": "05000",
    "adresse": "rue bayard",
    "latitude": "44.5620824",
    "longitude": "6.0765165",  # binary 6.07651650000000032: 6.076517
    "date_maj": "2021-05-04",
}
BUIS = {
    "id": "980",
    "nom": "Point Information Jeunesse Buis les Baronnies",
    "commune": "Buis les Baronnies",
    "code_postal": "26170",
    "adresse": "13 Avenue de Rieuchaud",
    "latitude": "44.270855499999996",  # PostgreSQL's numeric cast says 44.270856, Python 855
    "longitude": "5.2706755360598505",
    "date_maj": "2022-03-10",
}
SAINTE_MARIE = {  # no coordinates: the reference point of 05001, snapped too
    "id": "sainte-marie",
    "nom": "Mairie de Sainte-Marie",
    "code_postal": "05150",
    "code_insee": "05120",
    "date_maj": "2024-03-01",
}


def stored(source):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT source_id, ST_X(location::geometry), ST_Y(location::geometry),"
            " ST_AsText(location::geometry),"
            " round(ST_X(location::geometry)::numeric, 6)::float8,"
            " round(ST_Y(location::geometry)::numeric, 6)::float8"
            " FROM places_place WHERE import_source = %s",
            [source],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_positions_are_stored_with_6_decimals(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", [GAP, BUIS, SAINTE_MARIE])
    report = run_import(path, "essai-positions")
    assert report.created == 3
    points = stored("essai-positions")
    assert points[GAP["id"]][:3] == (6.076517, 44.562082, "POINT(6.076517 44.562082)")
    assert points["980"][:3] == (5.270676, 44.270855, "POINT(5.270676 44.270855)")
    for source_id, (lon, lat, _, sql_lon, sql_lat) in points.items():
        # every way of printing 6 decimals gives the stored value back
        assert (round(lon, 6), round(lat, 6)) == (lon, lat), source_id
        assert (sql_lon, sql_lat) == (lon, lat), source_id
    place = Place.objects.get(import_source="essai-positions", source_id="sainte-marie")
    reference = place.commune_actuelle.reference_point
    assert place.location.coords == (round(reference.x, 6), round(reference.y, 6))


def test_reimporting_snapped_positions_changes_nothing(tmp_path):
    path = write_json(tmp_path / "lieux.json", [GAP, BUIS, SAINTE_MARIE])
    run_import(path, "essai-positions", "standard-json")
    again = run_import(path, "essai-positions", "standard-json")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_the_migration_snaps_existing_rows_as_the_import_does(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", [GAP, BUIS, SAINTE_MARIE])
    run_import(path, "essai-positions")
    with connection.cursor() as cursor:  # rows stored before snapping: the raw floats
        cursor.execute(
            "UPDATE places_place SET location = ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
            " WHERE import_source = 'essai-positions' AND source_id = %s",
            [float(BUIS["longitude"]), float(BUIS["latitude"]), BUIS["id"]],
        )
    assert stored("essai-positions")["980"][1] == 44.270855499999996
    changed = MIGRATION.snap_positions(connection)
    assert changed >= 1
    assert stored("essai-positions")["980"][:3] == (
        5.270676,
        44.270855,
        "POINT(5.270676 44.270855)",
    )
    again = run_import(path, "essai-positions")
    assert (again.updated, again.unchanged) == (0, 3)
    assert MIGRATION.snap_positions(connection) == 0  # nothing left to snap anywhere
