"""Rows that cannot be places are rejected with line, field, value and reason; the rest import."""

import json

import pytest
from django.core.management import CommandError, call_command

from geo_directory.files import DataFileError
from places.importers import detect_format
from places.models import Place

from .helpers import FIXTURES, issues, run_import, write_json, write_standard_csv

pytestmark = pytest.mark.django_db

DIGNE = {
    "id": "digne-1",
    "nom": "Médiathèque François Mitterrand",
    "commune": "Digne-les-Bains",
    "code_postal": "04000",
    "adresse": "Boulevard Victor Hugo",
    "latitude": "44.0925",
    "longitude": "6.2356",
    "date_maj": "2024-03-01",
    "services": "Maîtrise des outils numériques du quotidien|Aide aux démarches administratives",
}


def rows():
    return [
        DIGNE,  # line 2
        {**DIGNE, "id": "sans-nom", "nom": ""},  # line 3
        {**DIGNE, "id": "zero", "latitude": "0", "longitude": "0"},  # line 4
        {**DIGNE, "id": "new-york", "latitude": "40.7128", "longitude": "-74.0060"},  # line 5
        {
            **DIGNE,
            "id": "nulle-part",
            "latitude": "",
            "longitude": "",
            "code_postal": "",
            "code_insee": "",
        },  # line 6
        {**DIGNE, "id": "illisible", "latitude": "quarante-quatre"},  # line 7
        {
            **DIGNE,
            "id": "barcelonnette",
            "nom": "France services Barcelonnette",
            "code_postal": "4400",
            "code_insee": "04019",
            "latitude": "6.65037",  # latitude and longitude swapped
            "longitude": "44.38584",
            "telephone": "04.92.81.04.71",
            "horaires": "lundi 9h-12h",
            "services": "Aide aux démarches administratives|Cuisine",
        },  # line 8
        {
            **DIGNE,
            "id": "sainte-marie",
            "nom": "Mairie de Sainte-Marie",
            "code_postal": "05150",
            "code_insee": "05120",  # commune déléguée of 05001 since 2026
            "latitude": "",
            "longitude": "",
        },  # line 9
    ]


def test_each_rejection_names_line_field_value_and_reason(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report = run_import(path, "essai")
    rejected = {(i.line, i.source_id, i.field): i for i in report.rejected}
    assert set(rejected) == {
        (3, "sans-nom", "nom"),
        (4, "zero", "latitude"),
        (5, "new-york", "latitude"),
        (6, "nulle-part", "latitude"),
        (7, "illisible", "latitude"),
    }
    assert rejected[(4, "zero", "latitude")].reason == "coordonnées à 0/0"
    assert "hors de France" in rejected[(5, "new-york", "latitude")].reason
    assert rejected[(5, "new-york", "latitude")].value == "40.7128, -74.006"
    assert "impossible à situer" in rejected[(6, "nulle-part", "latitude")].reason
    assert "illisibles" in rejected[(7, "illisible", "latitude")].reason
    assert report.created == 3
    kept = set(Place.objects.filter(import_source="essai").values_list("source_id", flat=True))
    assert kept == {"digne-1", "barcelonnette", "sainte-marie"}
    assert report.as_dict()["counts"]["rejected"] == 5


def test_cleaning_is_applied_and_reported(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report = run_import(path, "essai")
    place = Place.objects.get(import_source="essai", source_id="barcelonnette")
    assert place.code_postal == "04400"
    assert place.telephone == "+33492810471"
    assert place.horaires == ""  # unreadable hours dropped, the place kept
    assert place.services == ["Aide aux démarches administratives"]
    assert (round(place.location.x, 4), round(place.location.y, 4)) == (6.6504, 44.3858)
    assert place.commune_actuelle_id == "04019"
    cleaned = {i.field for i in issues(report.cleaned, source_id="barcelonnette")}
    assert {"code_postal", "telephone", "latitude"} <= cleaned
    warned = {i.field for i in issues(report.warnings, source_id="barcelonnette")}
    assert {"horaires", "services"} <= warned


def test_merged_commune_code_resolves_to_the_current_commune_and_its_reference_point(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report = run_import(path, "essai")
    place = Place.objects.get(import_source="essai", source_id="sainte-marie")
    assert place.code_insee == "05001"
    assert place.commune_actuelle_id == "05001"
    assert place.location_precision == Place.Precision.COMMUNE
    reference = place.commune_actuelle.reference_point
    assert place.location.coords == (round(reference.x, 6), round(reference.y, 6))
    [note] = issues(report.cleaned, source_id="sainte-marie", field="code_insee")
    assert note.value == "05120"


def test_dry_run_writes_nothing_but_reports_what_it_would_do(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report = run_import(path, "essai", dry_run=True)
    assert report.created == 3 and len(report.rejected) == 5
    assert not Place.objects.filter(import_source="essai").exists()


def test_a_failure_while_writing_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = write_standard_csv(tmp_path / "lieux.csv", [DIGNE])
    run_import(path, "essai")
    changed = {**DIGNE, "nom": "Médiathèque de Digne"}
    added = {**DIGNE, "id": "digne-2", "nom": "Espace public numérique de Digne"}
    write_standard_csv(path, [changed, added])

    def broken(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr("django.db.models.query.QuerySet.bulk_update", broken)
    with pytest.raises(RuntimeError):
        run_import(path, "essai")
    names = list(Place.objects.filter(import_source="essai").values_list("nom", flat=True))
    assert names == [DIGNE["nom"]]  # digne-2 was created then rolled back


def test_interrupted_import_prints_its_report_and_writes_nothing(tmp_path, monkeypatch):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("places.importers.importer.copy_insert", interrupt)
    output = tmp_path / "out.txt"
    try:
        with open(output, "w") as out, pytest.raises(CommandError) as error:
            call_command("import_places", str(path), source="essai", verbosity=0, stdout=out)
    except KeyboardInterrupt:  # would stop the whole test run
        pytest.fail("Ctrl-C escaped the command: the user sees a traceback")
    assert error.value.returncode == 130  # SIGINT's exit status, and no traceback
    assert str(error.value) == "Import interrompu (Ctrl-C) : rien n'est écrit, base inchangée."
    assert "INTERROMPU, base inchangée" in output.read_text()
    assert not Place.objects.filter(import_source="essai").exists()


def test_report_is_written_as_json(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    report_path = tmp_path / "rapport.json"
    call_command(
        "import_places",
        str(path),
        source="essai",
        report=report_path,
        verbosity=0,
        stdout=open(tmp_path / "out.txt", "w"),
    )
    data = json.loads(report_path.read_text())
    assert data["counts"]["created"] == 3
    assert {
        "line": 3,
        "source_id": "sans-nom",
        "field": "nom",
        "value": "",
        "reason": "nom absent",
    } in data["rejected"]


def test_unknown_format_is_a_clear_error(tmp_path):
    weird = write_json(tmp_path / "autre.json", [{"title": "x", "lat": 1}])
    with pytest.raises(DataFileError, match="JSON au format inconnu.*lat, title"):
        detect_format(weird)
    text = tmp_path / "notes.csv"
    text.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="format inconnu"):
        call_command("import_places", str(text), source="essai", verbosity=0)
    broken = tmp_path / "casse.json"
    broken.write_text('[{"nom": "x",}', encoding="utf-8")
    with pytest.raises(CommandError, match="JSON illisible ligne 1"):
        call_command("import_places", str(broken), source="essai", verbosity=0)


def test_formats_are_detected_from_content():
    detected = {
        path.name: detect_format(path)
        for path in sorted(FIXTURES.iterdir())
        if path.suffix in {".csv", ".json"}
    }
    assert detected == {
        "conseillers-numeriques-lieux-2022-12.json": "cnfs-json",
        "france-services-2022-12.csv": "france-services-csv",
        "lieux-mediation-numerique-data-inclusion-2023-02.json": "v0-json",
        "lieux-mediation-numerique-hinaura-aura-2022.json": "v0-json",
        "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json": "v0-json",
    }


def test_hostile_values_are_rejected_or_dropped_never_a_database_error(tmp_path):
    hostile = [
        {**DIGNE, "id": "x" * 300},
        {**DIGNE, "id": "long-hours", "horaires": "Mo 09:00-12:00; " * 60},
        {**DIGNE, "id": "long-name", "nom": "N" * 400, "code_postal": "0400000"},
        {**DIGNE, "id": "bad-links", "site_web": "javascript:alert(1)", "courriels": "x@"},
    ]
    path = write_standard_csv(tmp_path / "lieux.csv", hostile)
    report = run_import(path, "essai")
    assert [(i.line, i.field) for i in report.rejected] == [(2, "id")]
    hours = Place.objects.get(import_source="essai", source_id="long-hours")
    assert hours.horaires == "" and issues(report.warnings, source_id="long-hours")
    named = Place.objects.get(import_source="essai", source_id="long-name")
    assert len(named.nom) == 250 and named.code_postal == ""
    links = Place.objects.get(import_source="essai", source_id="bad-links")
    assert links.site_web == [] and links.courriels == []


def test_binary_file_is_a_clear_error(tmp_path):
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd" * 50)
    with pytest.raises(CommandError, match="illisible"):
        call_command("import_places", str(binary), source="essai", verbosity=0)
    assert not Place.objects.filter(import_source="essai").exists()


def test_point_in_the_sea_off_saint_denis_takes_the_commune_of_its_code(tmp_path):
    sea = {
        **DIGNE,
        "id": "en-mer",
        "nom": "Médiathèque François Mitterrand",
        "commune": "Saint-Denis",
        "code_postal": "97400",
        "code_insee": "97411",
        "latitude": "-20.85",  # 3 km offshore, north of Saint-Denis de La Réunion
        "longitude": "55.45",
        "telephone": "0262 90 47 00",
    }
    path = write_standard_csv(tmp_path / "lieux.csv", [sea])
    report = run_import(path, "essai")
    place = Place.objects.get(import_source="essai", source_id="en-mer")
    assert place.commune_actuelle_id == "97411" and place.departement_code == "974"
    assert place.telephone == "+262262904700"
    [warning] = issues(report.warnings, source_id="en-mer", field="latitude")
    assert "aucune commune" in warning.reason


def test_a_changed_row_is_updated_and_a_row_gone_from_the_file_is_left_alone(tmp_path):
    path = write_standard_csv(tmp_path / "lieux.csv", rows())
    run_import(path, "essai")
    before = Place.objects.get(import_source="essai", source_id="digne-1")
    changed = [{**DIGNE, "telephone": "04 92 36 62 62"}] + rows()[6:7]  # digne-1, barcelonnette
    write_standard_csv(path, changed)
    report = run_import(path, "essai")
    assert (report.created, report.updated, report.unchanged, report.absent) == (0, 1, 1, 1)
    after = Place.objects.get(import_source="essai", source_id="digne-1")
    assert after.telephone == "+33492366262" and after.updated_at > before.updated_at
    assert after.created_at == before.created_at
    assert Place.objects.filter(import_source="essai", source_id="sainte-marie").exists()


def test_the_whole_batch_is_located_with_a_handful_of_queries(django_assert_max_num_queries):
    path = FIXTURES / "conseillers-numeriques-lieux-2022-12.json"
    with django_assert_max_num_queries(15):
        report = run_import(path, "essai-requetes")
    assert report.created == report.read > 150  # never one query per row
