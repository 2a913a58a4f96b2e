"""`date_maj` is never empty: a missing or epoch date becomes the import date, stored once."""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from places.models import Place

from .helpers import issues, run_import, write_standard_csv

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("places.migrations.0003_fill_missing_update_dates")

MANOSQUE = {
    "id": "manosque-1",
    "nom": "Médiathèque d'Herbès",
    "commune": "Manosque",
    "code_postal": "04100",
    "adresse": "Rue Jean-Jacques Rousseau",
    "latitude": "43.8329",
    "longitude": "5.7868",
    "date_maj": "2024-03-01",
}


def rows():
    return [
        MANOSQUE,  # line 2
        {**MANOSQUE, "id": "sans-date", "nom": "France services de Manosque", "date_maj": ""},
        {**MANOSQUE, "id": "epoque", "nom": "Point numérique CAF", "date_maj": "1970-01-01"},
        {**MANOSQUE, "id": "illisible", "nom": "Mairie de Manosque", "date_maj": "bientôt"},
    ]


def dates(source="essai-dates"):
    return dict(Place.objects.filter(import_source=source).values_list("source_id", "date_maj"))


def test_a_missing_or_epoch_date_becomes_the_import_date_with_a_warning(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report = run_import(path, "essai-dates")
    today = timezone.localdate()
    assert dates() == {
        "manosque-1": datetime.date(2024, 3, 1),
        "sans-date": today,
        "epoque": today,
        "illisible": today,
    }
    warned = {(i.line, i.source_id): i for i in issues(report.warnings, field="date_maj")}
    assert set(warned) == {(3, "sans-date"), (4, "epoque"), (5, "illisible")}
    assert warned[(3, "sans-date")].value == ""
    assert warned[(4, "epoque")].value == "1970-01-01"
    assert f"date de l'import ({today.isoformat()})" in warned[(3, "sans-date")].reason
    assert "1970-01-01" in warned[(4, "epoque")].reason
    assert "illisible" in warned[(5, "illisible")].reason


def test_reimporting_keeps_the_date_given_at_the_first_import(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    run_import(path, "essai-dates")
    # As if the first import had run on an earlier day.
    first_day = datetime.date(2026, 1, 15)
    Place.objects.filter(import_source="essai-dates").exclude(source_id="manosque-1").update(
        date_maj=first_day
    )
    before = dict(
        Place.objects.filter(import_source="essai-dates").values_list("source_id", "updated_at")
    )
    report = run_import(path, "essai-dates")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert dates()["sans-date"] == dates()["epoque"] == first_day
    after = dict(
        Place.objects.filter(import_source="essai-dates").values_list("source_id", "updated_at")
    )
    assert after == before
    [warning] = issues(report.warnings, field="date_maj", source_id="sans-date")
    assert "2026-01-15" in warning.reason  # the report says which date was kept


def test_a_changed_place_without_a_date_is_dated_by_the_import_that_changed_it(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    run_import(path, "essai-dates")
    Place.objects.filter(import_source="essai-dates").update(date_maj=datetime.date(2026, 1, 15))
    changed = [{**row, "telephone": "04 92 70 34 00"} for row in rows()[1:2]]
    write_standard_csv(path, changed)
    report = run_import(path, "essai-dates")
    assert report.updated == 1
    assert dates()["sans-date"] == timezone.localdate()


def test_the_migration_dates_null_and_epoch_rows_by_their_creation(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    run_import(path, "essai-dates")
    places = Place.objects.filter(import_source="essai-dates")
    created = datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC)  # 1 July in Paris
    places.update(created_at=created)
    places.filter(source_id="sans-date").update(date_maj=None)
    places.filter(source_id="epoque").update(date_maj=datetime.date(1970, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FILL_DATES)
    assert dates()["sans-date"] == dates()["epoque"] == datetime.date(2025, 7, 1)
    assert dates()["manosque-1"] == datetime.date(2024, 3, 1)
    assert not Place.objects.filter(date_maj__isnull=True).exists()
    assert not Place.objects.filter(date_maj=datetime.date(1970, 1, 1)).exists()
