"""The demo excerpts (fixtures/places/), as `load_demo` imported them into the test database."""

import csv
import json

import pytest
from django.contrib.gis.geos import Point

from places.importers.demo import demo_files
from places.models import Place

from .helpers import FIXTURES, issues, run_import

pytestmark = pytest.mark.django_db


def raw_rows(path):
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    return json.loads(path.read_text(encoding="utf-8"))


def unlocatable(row):
    """No coordinates, no readable INSEE code, no postal code: nowhere to put the place."""
    has_point = str(row.get("latitude") or "").strip() and str(row.get("longitude") or "").strip()
    insee = str(row.get("code_insee") or row.get("insee_com") or "").strip()
    postal = str(row.get("code_postal") or "").strip()
    return not has_point and (not insee or insee == "0null") and not postal


@pytest.mark.parametrize(("path", "source"), demo_files(), ids=lambda v: str(v)[-30:])
def test_every_locatable_row_of_each_excerpt_is_a_place(path, source):
    rows = raw_rows(path)
    expected = len(rows) - sum(unlocatable(row) for row in rows)
    assert Place.objects.filter(import_source=source).count() == expected


@pytest.mark.parametrize(("path", "source"), demo_files(), ids=lambda v: str(v)[-30:])
def test_reimporting_an_excerpt_changes_nothing(path, source):
    before = dict(Place.objects.filter(import_source=source).values_list("id", "updated_at"))
    report = run_import(path, source)
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == len(before)
    after = dict(Place.objects.filter(import_source=source).values_list("id", "updated_at"))
    assert after == before


def test_france_services_row_without_anything_to_locate_it_is_rejected_with_its_line():
    report = run_import(FIXTURES / "france-services-2022-12.csv", "france-services", dry_run=True)
    [rejected] = report.rejected
    assert rejected.source_id == "2696"
    assert rejected.line > 1
    assert "impossible à situer" in rejected.reason
    assert not Place.objects.filter(import_source="france-services", source_id="2696").exists()


def test_0null_insee_code_is_dropped_and_the_postal_code_keeps_the_place_in_lozere():
    place = Place.objects.get(import_source="france-services", source_id="2004")
    assert place.code_insee == ""
    assert place.code_postal == "48330"
    assert place.departement_code == "48"
    assert place.location is None  # Lozère is not loaded: kept, without a position
    report = run_import(FIXTURES / "france-services-2022-12.csv", "france-services", dry_run=True)
    assert issues(report.cleaned, source_id="2004", field="code_insee", value="0null")
    assert issues(report.warnings, source_id="2004", field="latitude")


def test_place_geocoded_to_the_centre_of_france_is_kept_with_a_warning():
    path = FIXTURES / "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json"
    [row] = [r for r in raw_rows(path) if round(r.get("latitude") or 0, 2) == 46.62]
    place = Place.objects.get(import_source="hub-du-sud", source_id=row["id"])
    assert place.location.y == pytest.approx(46.62, abs=0.01)
    assert place.code_postal.startswith("84")
    report = run_import(path, "hub-du-sud", dry_run=True)
    [warning] = issues(report.warnings, source_id=row["id"], field="latitude")
    assert "centre de la France" in warning.reason


def test_id_reused_by_two_producers_of_one_file_gives_two_places():
    keys = set(
        Place.objects.filter(
            import_source="data-inclusion", source_id__endswith=":1003"
        ).values_list("source_id", flat=True)
    )
    assert keys == {"Hinaura:1003", "siao:1003"}


def test_same_id_in_two_sources_gives_two_places():
    shared = set(
        Place.objects.filter(import_source="conseillers-numeriques").values_list(
            "source_id", flat=True
        )
    ) & set(
        Place.objects.filter(import_source="data-inclusion").values_list("source_id", flat=True)
    )
    assert shared  # the data·inclusion file republishes CNFS places under the same ids
    some_id = sorted(shared)[0]
    assert Place.objects.filter(source_id=some_id).count() == 2


def test_arrondissement_code_is_resolved_to_the_current_commune():
    place = Place.objects.get(import_source="data-inclusion", source_id="cd35:167")
    assert place.code_insee == "75056"  # Paris 12e arrondissement (75112) -> Paris
    assert place.departement_code == "75"


def test_rows_without_coordinates_sit_on_their_commune_reference_point():
    placed = Place.objects.filter(location_precision=Place.Precision.COMMUNE).select_related(
        "commune_actuelle"
    )
    assert placed.count() >= 10
    for place in placed:
        reference = place.commune_actuelle.reference_point
        # the reference point, snapped to 6 decimals as every stored position
        assert place.location.coords == (round(reference.x, 6), round(reference.y, 6))
        assert place.departement_code in {"04", "05", "974"}


def test_commune_comes_from_the_point_even_without_an_insee_code():
    # CNFS permanences have no INSEE code: point-in-polygon finds the commune.
    digne = Place.objects.filter(
        import_source="conseillers-numeriques", commune_actuelle_id="04070"
    )
    assert digne.exists()
    assert all(p.departement_code == "04" for p in digne)


def test_point_in_another_commune_than_its_insee_code_takes_the_commune_of_the_point():
    report = run_import(FIXTURES / "france-services-2022-12.csv", "france-services", dry_run=True)
    [warning] = [w for w in report.warnings if "autre commune que son code INSEE" in w.reason]
    place = Place.objects.get(import_source="france-services", source_id=warning.source_id)
    assert place.code_insee == warning.value
    assert place.commune_actuelle_id != place.code_insee
    assert place.commune_actuelle.geom.intersects(Point(place.location.x, place.location.y))


def test_saint_denis_de_la_reunion_place_is_cleaned_for_the_overseas_prefix():
    place = Place.objects.get(
        import_source="data-inclusion", source_id="0154f912-8aeb-4b74-9f7e-3905c25c1d78"
    )
    assert place.commune_actuelle_id == "97411"
    assert place.departement_code == "974"
    assert place.telephone == "+262262790049"  # "0262790049" in the file
    assert "Maîtrise des outils numériques du quotidien" in place.services  # v0 vocabulary mapped
