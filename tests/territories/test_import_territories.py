"""The real demo territory, as imported from fixtures/ (COG 2026 + 2018 polygons)."""

import gzip
import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from geo_directory import demo
from geo_directory.territories import importers
from geo_directory.territories.models import Commune, CommuneAlias, Departement

pytestmark = pytest.mark.django_db


def cog_current_codes(departement: str) -> set[str]:
    path = demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    return {
        r["code"]
        for r in records
        if r["type"] == "commune-actuelle" and r["departement"] == departement
    }


@pytest.mark.parametrize("code", ["04", "05", "974"])
def test_communes_of_demo_departements_match_cog_2026(code):
    expected = cog_current_codes(code)
    loaded = set(Commune.objects.in_departement(code).values_list("code", flat=True))
    assert loaded == expected
    assert len(loaded) == {"04": 198, "05": 162, "974": 24}[code]


def test_every_commune_has_valid_polygon_and_inner_reference_point():
    communes = Commune.objects.filter(departement_id__in=["04", "05", "974"])
    assert not communes.filter(geom__isnull=True).exists()
    for commune in communes:
        assert commune.geom.valid
        assert commune.geom.geom_type == "MultiPolygon"
        assert commune.geom.intersects(commune.reference_point), commune.code


def test_merged_commune_has_union_of_its_old_polygons():
    # 05120 (Sainte-Marie, 2018) is today a commune déléguée of 05001 (COG 2026).
    features = json.loads(
        (demo.TERRITORIES / "communes-05-hautes-alpes.geojson").read_text(encoding="utf-8")
    )["features"]
    parts = {f["properties"]["code"]: shape(f["geometry"]) for f in features}
    assert "05120" in parts and "05001" in parts
    commune = Commune.objects.get(code="05001")
    merged = shape(json.loads(commune.geom.geojson))
    expected = parts["05001"].union(parts["05120"])
    assert merged.symmetric_difference(expected).area < 1e-9
    assert merged.contains(parts["05120"].representative_point())
    assert not Commune.objects.filter(code="05120").exists()


def test_old_codes_and_arrondissements_resolve_to_current_commune():
    assert CommuneAlias.objects.current_code("05120") == "05001"
    assert CommuneAlias.objects.current_code("04070") == "04070"  # Digne-les-Bains itself
    assert CommuneAlias.objects.current_code("75112") == "75056"  # Paris 12e
    assert CommuneAlias.objects.current_code("69383") == "69123"  # Lyon 3e
    assert CommuneAlias.objects.current_code("13208") == "13055"  # Marseille 8e
    assert CommuneAlias.objects.current_code("99999") is None


def test_populations_and_postal_codes_come_from_cog():
    digne = Commune.objects.get(code="04070")
    assert digne.nom == "Digne-les-Bains"
    assert digne.population > 15000
    assert "04000" in digne.codes_postaux
    assert digne.departement.nom == "Alpes-de-Haute-Provence"
    assert digne.region.nom == "Provence-Alpes-Côte d'Azur"
    assert 100 < digne.area_km2 < 130  # 117 km² per INSEE


def test_departement_outlines_loaded():
    dep = Departement.objects.get(code="974")
    assert dep.nom == "La Réunion"
    assert dep.geom is not None and dep.geom.valid
    assert (
        Departement.objects.containing(Commune.objects.get(code="97411").reference_point)[0] == dep
    )


def test_reimport_changes_nothing():
    report = importers.TerritoryImporter(
        cog_communes=demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz",
        commune_files=[demo.TERRITORIES / "communes-04-alpes-de-haute-provence.geojson"],
    ).run()
    assert report.communes == {"created": 0, "updated": 0, "unchanged": 198}
    assert report.aliases["created"] == 0 and report.aliases["updated"] == 0


def write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cog_path():
    return str(demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz")


def test_malformed_geojson_is_a_clear_error_and_database_is_unchanged(tmp_path):
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    before = Commune.objects.count()
    with pytest.raises(CommandError, match=r"broken\.geojson: JSON illisible ligne 1"):
        call_command("import_territories", "--cog", cog_path(), "--communes", str(bad))
    assert Commune.objects.count() == before


def test_feature_without_code_names_the_feature(tmp_path):
    bad = write(
        tmp_path / "nocode.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"nom": "X"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[6, 44], [6.1, 44], [6, 44.1], [6, 44]]],
                    },
                }
            ],
        },
    )
    with pytest.raises(CommandError, match=r"nocode\.geojson, entité 0: propriété « code »"):
        call_command("import_territories", "--cog", cog_path(), "--communes", str(bad))


def test_invalid_geometry_is_repaired_and_reported(tmp_path):
    # A self-intersecting "bow-tie" outline for Mende (48095): repaired, never rejected.
    bowtie = [[[3.45, 44.50], [3.55, 44.56], [3.55, 44.50], [3.45, 44.56], [3.45, 44.50]]]
    path = write(
        tmp_path / "mende.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "48095", "nom": "Mende"},
                    "geometry": {"type": "Polygon", "coordinates": bowtie},
                }
            ],
        },
    )
    report = importers.TerritoryImporter(cog_communes=cog_path(), commune_files=[path]).run()
    assert report.repaired == ["48095"]
    mende = Commune.objects.get(code="48095")
    assert mende.geom.valid and mende.geom.num_geom == 2
    # A département gets all of its current communes, with the missing polygons reported.
    assert Commune.objects.in_departement("48").count() == len(cog_current_codes("48"))
    assert "48001" in report.communes_without_polygon


def test_failure_while_writing_leaves_database_as_it_was(tmp_path, monkeypatch):
    def explode(codes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        importers.TerritoryImporter, "derive_geometry_fields", staticmethod(explode)
    )
    path = demo.TERRITORIES / "communes-04-alpes-de-haute-provence.geojson"
    lozere = write(
        tmp_path / "lozere.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "48095", "nom": "Mende"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[3.45, 44.5], [3.55, 44.5], [3.55, 44.56], [3.45, 44.5]]],
                    },
                }
            ],
        },
    )
    with pytest.raises(RuntimeError):
        importers.TerritoryImporter(cog_communes=cog_path(), commune_files=[path, lozere]).run()
    assert not Commune.objects.in_departement("48").exists()


def test_command_prints_report(capsys):
    call_command(
        "import_territories",
        "--cog",
        cog_path(),
        "--communes",
        str(demo.TERRITORIES / "communes-05-hautes-alpes.geojson"),
        verbosity=0,
    )
    out = capsys.readouterr().out
    assert "Communes : 0 créé(s), 0 mis à jour, 162 inchangé(s)" in out
    assert "Polygones fusionnés dans leur commune actuelle : 1 (05120 → 05001)" in out
    assert "Communes actuelles sans polygone : 0" in out
