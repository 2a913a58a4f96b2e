"""The five real files of ../shared/data/lieux/ (skipped when absent): expected counts, computed
from the raw rows here, and a second import that changes nothing."""

import csv
import json

import pytest

from places.importers.demo import PLACE_FILES
from places.models import Place

from .helpers import issues, run_import
from .test_demo_import import unlocatable

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

FORMATS = {
    "france-services-2022-12.csv": "france-services-csv",
    "conseillers-numeriques-lieux-2022-12.json": "cnfs-json",
    "lieux-mediation-numerique-data-inclusion-2023-02.json": "v0-json",
    "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json": "v0-json",
    "lieux-mediation-numerique-hinaura-aura-2022.json": "v0-json",
}


def raw_rows(path):
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    return json.loads(path.read_text(encoding="utf-8"))


def has_point(row):
    return bool(str(row.get("latitude") or "").strip() and str(row.get("longitude") or "").strip())


@pytest.mark.parametrize(("name", "source"), PLACE_FILES, ids=[s for _, s in PLACE_FILES])
def test_each_shared_file_imports_with_the_expected_counts_and_reimports_unchanged(
    shared_data, name, source
):
    path = shared_data / "lieux" / name
    rows = raw_rows(path)
    expected_rejected = sum(unlocatable(row) for row in rows)
    report = run_import(path, f"shared-{source}")
    assert report.format == FORMATS[name]
    assert report.read == len(rows)
    assert len(report.rejected) == expected_rejected
    assert report.created == len(rows) - expected_rejected
    assert Place.objects.filter(import_source=f"shared-{source}").count() == report.created
    without_point = sum(not has_point(row) and not unlocatable(row) for row in rows)
    assert len([w for w in report.warnings if w.reason.startswith("sans coordonnées")]) == (
        without_point
    )
    again = run_import(path, f"shared-{source}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)


def test_france_services_quirks(shared_data):
    report = run_import(shared_data / "lieux" / "france-services-2022-12.csv", "shared-fs")
    assert len(report.rejected) == 26  # 29 rows without coordinates, 3 of them with a code
    assert issues(report.cleaned, field="code_insee", value="0null")
    lozere = Place.objects.get(import_source="shared-fs", code_postal="48330")
    assert lozere.departement_code == "48" and lozere.code_insee == ""
    saint_martin = Place.objects.filter(import_source="shared-fs", code_insee="97801")
    assert saint_martin.count() == 2  # overseas collectivité: in France, kept


def test_data_inclusion_quirks(shared_data):
    path = shared_data / "lieux" / "lieux-mediation-numerique-data-inclusion-2023-02.json"
    rows = raw_rows(path)
    report = run_import(path, "shared-di", dry_run=True)
    # ids reused across producers of the file: each keyed by its producer, none lost
    ids = [row["id"] for row in rows]
    reused = {i for i in ids if ids.count(i) > 1}
    assert len([w for w in report.warnings if w.field == "id"]) == sum(
        1 for i in ids if i in reused
    )
    # arrondissements municipaux (Paris, Lyon, Marseille) resolved to their commune
    arrondissements = [r for r in rows if (r.get("code_insee") or "")[:3] in {"751", "693", "132"}]
    resolved = [c for c in report.cleaned if c.field == "code_insee"]
    assert len(resolved) >= 127 and len(arrondissements) >= 127


def test_hub_du_sud_centre_of_france_and_marseille(shared_data):
    path = shared_data / "lieux" / "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json"
    report = run_import(path, "shared-hds", dry_run=True)
    [centre] = [w for w in report.warnings if "centre de la France" in w.reason]
    assert "84" in centre.reason
    assert not report.rejected
