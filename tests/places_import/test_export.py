"""Export in the standard (validated by its own Table Schema), GeoJSON, and the round trip."""

import csv
import io
import json
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from frictionless import Resource, Schema

from places.duplicates import find_duplicates
from places.exporters import standard_csv_chunks
from places.layer import PLACES
from places.models import Place

from .helpers import run_import

pytestmark = pytest.mark.django_db
SCHEMA = Schema.from_descriptor(
    json.loads((settings.FIXTURES_DIR / "standard" / "schema.json").read_text(encoding="utf-8"))
)


def export(tmp_path, *options):
    path = tmp_path / "export.out"
    call_command("export_places", *options, output=path)
    return path


def test_standard_csv_export_passes_the_standards_table_schema(tmp_path):
    path = export(tmp_path, "--format", "standard-csv")
    resource = Resource(path=path.name, basepath=str(tmp_path), format="csv", schema=SCHEMA)
    report = resource.validate()
    errors = [error.message for task in report.tasks for error in task.errors][:5]
    assert report.valid, errors
    with open(path, encoding="utf-8") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == PLACES.rows().count()


def test_a_broken_value_fails_the_schema_so_the_validation_test_means_something(tmp_path):
    path = export(tmp_path, "--format", "standard-csv", "--departement", "05")
    text = path.read_text(encoding="utf-8").replace(",05", ",5", 1)
    path.write_text(text, encoding="utf-8")
    resource = Resource(path=path.name, basepath=str(tmp_path), format="csv", schema=SCHEMA)
    assert not resource.validate().valid


def test_export_then_import_into_an_empty_database_gives_back_the_same_places(tmp_path):
    def records():
        rows = csv.DictReader(io.StringIO("".join(standard_csv_chunks(PLACES.rows()))))
        return Counter(tuple((k, v) for k, v in row.items() if k != "id") for row in rows)

    before = records()
    path = export(tmp_path, "--format", "standard-csv")
    Place.objects.all().delete()
    report = run_import(path, "aller-retour", "standard-csv")
    assert report.created == sum(before.values()) and not report.rejected
    assert records() == before


def test_departement_filter_and_geojson_export(tmp_path):
    path = export(tmp_path, "--format", "geojson", "--departement", "974")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    expected = PLACES.rows().filter(departement_code="974")
    assert len(data["features"]) == expected.count() > 10
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 55.2 < lon < 55.9 and -21.5 < lat < -20.8  # [lon, lat] on La Réunion
        assert feature["id"] and isinstance(feature["properties"]["services"], list)


def test_standard_json_export_reads_back_as_the_standard(tmp_path):
    path = export(tmp_path, "--format", "standard-json", "--departement", "04")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data) == PLACES.rows().filter(departement_code="04").count()
    assert all(isinstance(item.get("services", []), list) for item in data)
    report = run_import(path, "json-04")
    assert report.format == "standard-json" and report.created == len(data)


def test_duplicates_across_sources_in_hautes_alpes_are_listed_and_nothing_changes():
    before = list(Place.objects.order_by("id").values_list("id", "updated_at"))
    pairs = find_duplicates(departement="05")
    assert pairs
    la_batie = [
        p
        for p in pairs
        if p.first.startswith("france-services:612 ")
        and p.second.startswith("conseillers-numeriques:")
    ]
    assert la_batie and la_batie[0].distance_m < 50
    assert "même code postal 05230" in la_batie[0].reason
    for pair in pairs:
        assert pair.first.split(":")[0] != pair.second.split(":")[0]
        assert pair.distance_m <= 50 and 0.6 <= pair.score <= 1
    assert list(Place.objects.order_by("id").values_list("id", "updated_at")) == before
