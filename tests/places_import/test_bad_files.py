"""Damaged files: impossible coordinates, truncated CSV, NUL and undecodable bytes, Ctrl-C.

Each is rejected or refused with its line (and field), never a traceback, never a silent import.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

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


# -- NUL and undecodable bytes -------------------------------------------------------------------


def test_a_nul_byte_rejects_its_row_naming_line_and_field_and_the_others_import(tmp_path):
    rows = [
        SISTERON,
        {**SISTERON, "id": "nul-adresse", "adresse": "Avenue Paul\x00 Arène"},
        {**SISTERON, "id": "nul-services", "services": "Aide aux démarches administratives\x00"},
        {**SISTERON, "id": "nul\x00id"},
        {**SISTERON, "id": "sisteron-2", "nom": "Mairie de Sisteron"},
    ]
    path = write_standard_csv(tmp_path / "lieux.csv", rows)
    out = tmp_path / "out.txt"
    with open(out, "w") as handle:
        call_command("import_places", str(path), source="essai-nul", verbosity=1, stdout=handle)
    assert places("essai-nul") == {"sisteron-1", "sisteron-2"}
    printed = out.read_text()
    assert (
        "ligne 3 [id nul-adresse] adresse = « Avenue Paul\\x00 Arène » : caractère NUL" in printed
    )
    report = run_import(path, "essai-nul")
    assert [(i.line, i.field) for i in report.rejected] == [
        (3, "adresse"),
        (4, "services"),
        (5, "id"),
    ]
    assert report.unchanged == 2


def test_a_nul_escape_in_json_is_rejected_the_same_way(tmp_path):
    rows = [SISTERON, {**SISTERON, "id": "json-nul", "nom": "Médiathèque\u0000"}]
    report = run_import(write_json(tmp_path / "lieux.json", rows), "essai-nul", "standard-json")
    [rejected] = report.rejected
    assert (rejected.line, rejected.source_id, rejected.field) == (2, "json-nul", "nom")
    assert places("essai-nul") == {"sisteron-1"}


def test_an_invalid_utf8_byte_refuses_the_csv_naming_line_and_field(tmp_path):
    rows = [SISTERON, {**SISTERON, "id": "latin1"}, {**SISTERON, "id": "sisteron-3"}]
    path = write_standard_csv(tmp_path / "lieux.csv", rows)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace("Arène".encode(), "Arène".encode("latin-1"))  # line 3
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(CommandError) as error:
        call_command("import_places", str(path), source="essai-utf8", verbosity=0)
    message = str(error.value)
    assert "ligne 3, champ « adresse » : octet 0xE8" in message
    assert "UTF-8" in message and "position" not in message
    assert places("essai-utf8") == set()


def test_an_invalid_utf8_byte_in_json_names_the_line_record_and_field(tmp_path):
    path = write_json(tmp_path / "lieux.json", [SISTERON, {**SISTERON, "id": "latin1"}])
    text = path.read_text(encoding="utf-8").replace("}, {", "},\n{")  # one record a line
    cut = text.rindex("Arène")
    path.write_bytes(
        text[:cut].encode() + "Arène".encode("latin-1") + text[cut + len("Arène") :].encode()
    )
    with pytest.raises(CommandError) as error:
        call_command("import_places", str(path), source="essai-utf8", verbosity=0)
    message = str(error.value)
    assert "ligne 2 (élément n° 2), champ « adresse » : octet 0xE8" in message
    assert "position" not in message
    assert places("essai-utf8") == set()


# -- Ctrl-C --------------------------------------------------------------------------------------

INTERRUPTED = "Import interrompu (Ctrl-C) : rien n'est écrit, base inchangée."


def test_ctrl_c_during_a_database_statement_prints_the_report_and_one_clear_line(
    tmp_path, monkeypatch
):
    """SIGINT while PostgreSQL works (psycopg cancels the statement): rolled back, no traceback,
    and the connection is still usable."""
    path = write_standard_csv(tmp_path / "lieux.csv", [SISTERON])

    def slow_insert(places):
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")

    monkeypatch.setattr("places.importers.importer.copy_insert", slow_insert)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    output = tmp_path / "out.txt"
    try:
        with open(output, "w") as out, pytest.raises(CommandError) as error:
            call_command("import_places", str(path), source="essai-ctrl-c", stdout=out)
    except KeyboardInterrupt:  # would stop the whole test run
        pytest.fail("Ctrl-C escaped the command: the user sees a traceback")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (str(error.value), error.value.returncode) == (INTERRUPTED, 130)
    assert "INTERROMPU, base inchangée" in output.read_text()
    assert places("essai-ctrl-c") == set()


def test_ctrl_c_in_a_real_import_prints_the_report_without_a_traceback(tmp_path):
    """`manage.py import_places` in its own process, sent SIGINT while it reads a large file."""
    path = write_standard_csv(
        tmp_path / "grand.csv",
        [{**SISTERON, "id": f"sisteron-{n}", "nom": f"Lieu {n}"} for n in range(20000)],
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_directory.settings.test",
        "DATABASE_URL": f"postgis://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT']}/{db['NAME']}",  # the test database (its demo territory is committed)
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "import_places",
            str(path),
            "--source",
            "essai-sigint",
            "--dry-run",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a background job may have SIGINT ignored: the command must see a real Ctrl-C
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    fd_dir = Path(f"/proc/{process.pid}/fd")
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if any(fd.resolve() == path for fd in fd_dir.iterdir()):
                break  # the import has started reading the file
        except OSError:
            pass
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    assert "Traceback" not in out + err
    assert "INTERROMPU, base inchangée" in out
    assert err.strip() == f"CommandError: {INTERRUPTED}"
