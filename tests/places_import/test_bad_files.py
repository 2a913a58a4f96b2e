"""Damaged files: impossible coordinates, truncated CSV, NUL and undecodable bytes, Ctrl-C.

Each is rejected or refused with its line (and field), never a traceback, never a silent import.
"""

import pytest
from django.core.management import CommandError, call_command

from places.models import Place

from .helpers import FIXTURES, issues, run_import, write_json, write_standard_csv

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


# -- truncated CSV -------------------------------------------------------------------------------

FRANCE_SERVICES = FIXTURES / "france-services-2022-12.csv"


def france_services_lines(*ids):
    lines = FRANCE_SERVICES.read_text(encoding="utf-8").splitlines(keepends=True)
    return [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in ids]


def test_a_csv_cut_inside_a_number_rejects_the_cut_row_and_keeps_the_others(tmp_path):
    header, banon, barcelonnette, forcalquier = france_services_lines("568", "573", "574")
    cut = forcalquier[: forcalquier.index("5.776292") + len("5.77")]  # no newline at the end
    path = tmp_path / "france-services.csv"
    path.write_text(header + banon + barcelonnette + cut, encoding="utf-8")
    report = run_import(path, "essai-tronque")
    [rejected] = report.rejected
    assert (rejected.line, rejected.source_id, rejected.field, rejected.value) == (
        4,
        "574",
        "longitude",
        "5.77",
    )
    assert "ligne incomplète : 10 champs sur 23" in rejected.reason
    assert places("essai-tronque") == {"568", "573"}  # Forcalquier is not stored at 5.77


def test_a_short_row_inside_a_standard_csv_is_rejected_with_its_line(tmp_path):
    path = write_standard_csv(
        tmp_path / "lieux.csv", [SISTERON, {**SISTERON, "id": "court"}, {**SISTERON, "id": "x"}]
    )
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = ",".join(lines[2].split(",")[:9]) + "\n"  # stops after "latitude"
    path.write_text("".join(lines), encoding="utf-8")
    report = run_import(path, "essai-tronque")
    assert [(i.line, i.source_id, i.field, i.value) for i in report.rejected] == [
        (3, "court", "latitude", "44.1955")
    ]
    assert "9 champs sur 32" in report.rejected[0].reason
    assert places("essai-tronque") == {"sisteron-1", "x"}


def test_a_csv_cut_inside_a_quoted_field_is_refused_naming_the_line(tmp_path):
    detail = "Ateliers, permanences\net aide aux démarches en ligne"
    rows = [SISTERON, {**SISTERON, "id": "coupe", "presentation_detail": detail}]
    path = write_standard_csv(tmp_path / "lieux.csv", rows)
    content = path.read_text(encoding="utf-8")
    path.write_text(content[: content.index("aide aux")], encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_places", str(path), source="essai-tronque", verbosity=0)
    message = str(error.value)
    assert "base inchangée" in message and "ligne 3" in message
    assert "guillemet ouvert jamais refermé" in message
    assert places("essai-tronque") == set()
