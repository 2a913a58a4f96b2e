"""Territory files with coordinates outside WGS84 are refused whole, naming where and what."""

import json

import pytest
from django.core.management import CommandError, call_command

from geo_directory import demo
from geo_directory.territories.models import Commune, Departement

pytestmark = pytest.mark.django_db

COG = str(demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz")
MENDE = [[[3.45, 44.50], [3.55, 44.50], [3.55, 44.56], [3.45, 44.50]]]
MARVEJOLS = [[[3.25, 44.53], [3.32, 44.53], [3.32, 44.58], [3.25, 44.53]]]


def feature(code, nom, ring):
    properties = json.dumps({"code": code, "nom": nom})
    return (
        f'{{"type": "Feature", "properties": {properties},'
        f' "geometry": {{"type": "Polygon", "coordinates": {ring}}}}}'
    )


def write(path, *features):
    # Written as text: NaN is not JSON, but Python's json (and so the importer) reads it.
    text = f'{{"type": "FeatureCollection", "features": [{", ".join(features)}]}}'
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad_ring", "expected"),
    [
        ("[[[3.45, 44.5], [6.1, 1000], [3.55, 44.56], [3.45, 44.5]]]", "latitude 1000"),
        ("[[[3.45, 44.5], [203.5, 44.5], [3.55, 44.56], [3.45, 44.5]]]", "longitude 203.5"),
        ("[[[3.45, 44.5], [NaN, 44.5], [3.55, 44.56], [3.45, 44.5]]]", "longitude NaN"),
        ("[[[3.45, 44.5], [3.5, -Infinity], [3.55, 44.56], [3.45, 44.5]]]", "latitude -inf"),
    ],
)
def test_a_commune_outside_wgs84_is_refused_and_nothing_is_imported(tmp_path, bad_ring, expected):
    path = write(
        tmp_path / "lozere.geojson",
        feature("48095", "Mende", MENDE),  # a good feature first: not imported either
        feature("48092", "Marvejols", bad_ring),
    )
    with pytest.raises(CommandError) as error:
        call_command("import_territories", "--cog", COG, "--communes", str(path), verbosity=0)
    message = str(error.value)
    assert "Import annulé, base inchangée" in message
    assert "lozere.geojson, entité 1 (code 48092)" in message
    assert expected in message
    assert "[-180, 180]" in message and "[-90, 90]" in message
    assert not Commune.objects.in_departement("48").exists()


def test_a_departement_outline_outside_wgs84_is_refused(tmp_path):
    communes = write(tmp_path / "mende.geojson", feature("48095", "Mende", MENDE))
    outline = write(
        tmp_path / "departement-48.geojson",
        feature("48", "Lozère", "[[[3.0, 44.1], [3.9, 44.1], [3.9, 95.0], [3.0, 44.1]]]"),
    )
    with pytest.raises(CommandError, match=r"departement-48\.geojson, entité 0 \(code 48\)"):
        call_command(
            "import_territories",
            "--cog",
            COG,
            "--communes",
            str(communes),
            "--departements",
            str(outline),
            verbosity=0,
        )
    assert not Commune.objects.in_departement("48").exists()
    assert not Departement.objects.filter(code="48", geom__isnull=False).exists()


def test_ctrl_c_is_one_clear_line_and_nothing_is_imported(tmp_path, monkeypatch):
    def interrupt(codes):
        raise KeyboardInterrupt

    monkeypatch.setattr(
        "geo_directory.territories.importers.TerritoryImporter.derive_geometry_fields",
        staticmethod(interrupt),
    )
    path = write(tmp_path / "mende.geojson", feature("48095", "Mende", MENDE))
    try:
        with pytest.raises(CommandError) as error:
            call_command("import_territories", "--cog", COG, "--communes", str(path), verbosity=0)
    except KeyboardInterrupt:  # would stop the whole test run
        pytest.fail("Ctrl-C escaped the command: the user sees a traceback")
    assert error.value.returncode == 130
    assert str(error.value) == "Import interrompu (Ctrl-C) : rien n'est écrit, base inchangée."
    assert not Commune.objects.in_departement("48").exists()
