"""Damaged files: impossible coordinates, truncated CSV, NUL and undecodable bytes, Ctrl-C.

Each is rejected or refused with its line (and field), never a traceback, never a silent import.
"""

import pytest

from places.models import Place

from .helpers import issues, run_import, write_json, write_standard_csv

pytestmark = pytest.mark.django_db

SISTERON = {
    "id": "sisteron-1",
    "nom": "Médiathèque Louis Aragon",
    "commune": "Sisteron",
    "code_postal": "04200",
    "adresse": "Avenue Paul Arène",
    "latitude": "44.1955",
    "longitude": "5.9437",
    "date_maj": "2024-02-12",
}


def places(source):
    return set(Place.objects.filter(import_source=source).values_list("source_id", flat=True))


# -- coordinates ---------------------------------------------------------------------------------


def test_coordinates_outside_wgs84_are_rejected_naming_the_field_and_value(tmp_path):
    rows = [
        SISTERON,  # line 2
        {**SISTERON, "id": "lat-1000", "latitude": "1000"},
        {**SISTERON, "id": "lon-200", "longitude": "200.5"},
        {**SISTERON, "id": "lat-nan", "latitude": "NaN"},
        {**SISTERON, "id": "lon-inf", "longitude": "-inf"},
        {**SISTERON, "id": "lat-1e400", "latitude": "1e400"},
    ]
    report = run_import(write_standard_csv(tmp_path / "lieux.csv", rows), "essai-coord")
    rejected = {i.source_id: i for i in report.rejected}
    assert {k: (i.line, i.field, i.value) for k, i in rejected.items()} == {
        "lat-1000": (3, "latitude", "1000"),
        "lon-200": (4, "longitude", "200.5"),
        "lat-nan": (5, "latitude", "NaN"),
        "lon-inf": (6, "longitude", "-inf"),
        "lat-1e400": (7, "latitude", "1e400"),
    }
    assert "[-90, 90]" in rejected["lat-1000"].reason
    assert "[-180, 180]" in rejected["lon-200"].reason
    assert "pas un nombre" in rejected["lat-nan"].reason
    assert places("essai-coord") == {"sisteron-1"}


def test_json_coordinates_of_the_wrong_type_are_rejected(tmp_path):
    rows = [
        {**SISTERON, "latitude": 44.1955, "longitude": 5.9437},
        {**SISTERON, "id": "liste", "latitude": [44.1955], "longitude": 5.9437},
        {**SISTERON, "id": "vrai", "latitude": True, "longitude": 5.9437},
    ]
    report = run_import(write_json(tmp_path / "lieux.json", rows), "essai-coord", "standard-json")
    assert [(i.line, i.source_id, i.field) for i in report.rejected] == [
        (2, "liste", "latitude"),
        (3, "vrai", "latitude"),
    ]
    assert places("essai-coord") == {"sisteron-1"}
    assert not issues(report.rejected, source_id="sisteron-1")
