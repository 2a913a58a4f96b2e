"""The standard CSV of a search is written by PostgreSQL, one statement for all its lines
(issue 12: a filtered national ``?format=csv`` read ~12,500 places' values into Python and
wrote them with ``csv``: 1.8-4 s), with the same bytes as Python's ``csv`` writer, hostile
values included."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from places.exporters import csv_lines_sql, python_csv_chunks, standard_csv_chunks
from places.layer import PLACES
from tests.places_web.factories import make_place

pytestmark = pytest.mark.django_db


def test_the_sql_writer_gives_the_bytes_of_the_csv_module_on_hostile_values():
    make_place(
        "digne",
        'Le "Lieu", avec virgule',
        adresse="1 rue A\nbâtiment B\r\nporte C\r",
        complement_adresse="",
        presentation_resume='"entre guillemets"',
        presentation_detail="ligne\rsans saut de ligne, ni rien",
        horaires="Mo-Fr 09:00-12:00; Sa off",
        services=["Aide, démarches", 'Dit "Services"', "a|b"],
        frais_a_charge=[],
        courriels=["a@example.org", "b@example.org"],
        location_precision="commune",
        date_maj=date(999, 1, 2),
    )
    make_place("digne", " espaces autour ", commune="", telephone="", site_web=[])
    rows = PLACES.rows()
    expected = "".join(python_csv_chunks(rows))
    assert '"Le ""Lieu"", avec virgule"' in expected and "\r" in expected
    assert "".join(standard_csv_chunks(rows)) == expected
    # a search (with its own annotations and ordering), and a search matching nothing
    for search in (rows.search("virgule digne"), rows.search("bonghe"), rows.none()):
        assert "".join(standard_csv_chunks(search)) == "".join(python_csv_chunks(search))


def test_the_csv_of_a_broad_search_is_one_statement_of_lines(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/lieux/?format=csv&q=e")
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    everyone = PLACES.rows().search("e")
    assert body == "".join(python_csv_chunks(everyone))
    assert body.count("\n") > 300  # most demo places
    lines_sql, _ = csv_lines_sql(everyone)
    reading = [q["sql"] for q in queries if "places_place" in q["sql"]]
    # the search's exists() and one statement for the lines, whose rows are the lines
    assert len(reading) <= 2 and lines_sql.split(" FROM")[0] in reading[-1]
