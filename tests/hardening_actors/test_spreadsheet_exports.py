"""Spreadsheet exports (priorities CSV, team CSV) write no cell a spreadsheet would run as a
formula; the standard CSV of places, a data exchange format, keeps names as they are."""

import csv
import io

import pytest

from geo_directory import spreadsheet
from geo_directory.spreadsheet import defuse
from tests.actors.factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "value, shown",
    [
        (HOSTILE, "'" + HOSTILE),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Médiathèque de Digne", "Médiathèque de Digne"),
        ("+33492301234", "+33492301234"),  # only a number: nothing to run
        ("-5", "-5"),
        (-5, -5),
        (None, None),
    ],
)
def test_defuse(value, shown):
    assert defuse(value) == shown


def test_priorities_csv_defuses_a_hostile_place_name(client, django_capture_on_commit_callbacks):
    # the only place in the Ubaye valley: the nearest point of uncovered communes around it
    with django_capture_on_commit_callbacks(execute=True):  # the coverage follows the write
        make_place("barcelonnette", HOSTILE, is_visible=True)
    response = client.get(
        "/couverture/04/priorites.csv", {"seuil": "autre", "seuil_libre": "1", "base": "places"}
    )
    assert response.status_code == 200
    rows = spreadsheet.read(response.content.decode())
    nearest = {row["point_le_plus_proche"] for row in rows}
    assert "'" + HOSTILE in nearest and HOSTILE not in nearest
    assert not any(value[:1] in "=+-@\t\r" for row in rows for value in row.values() if value)


def test_team_export_defuses_every_text_cell(client):
    place = make_place("digne", "+Lieu=1+1")
    coordinator = make_coordinator(departements=["04"])
    add_to_team(coordinator, make_actor("-Camille", "@Nom", places=[place]))
    client.force_login(coordinator.user)
    (row,) = spreadsheet.read(client.get("/mon-equipe/export.csv").content.decode())
    cells = (row["prenom"], row["nom"], row["lieux_activite"])
    assert cells == ("'-Camille", "'@Nom", "'+Lieu=1+1")
    assert row["telephone"].startswith("04 65 7")


def test_standard_csv_of_places_keeps_names_as_they_are(client):
    make_place("digne", HOSTILE, is_visible=True)
    response = client.get("/api/v1/export/lieux.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    assert HOSTILE in {row["nom"] for row in rows}
