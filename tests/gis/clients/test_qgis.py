"""QGIS headless (Debian's python3-qgis) adds every Maillage layer and finds what the server has.

The OGC API - Features layer (provider "OAPIF") for both collections, the XYZ vector-tile layer
and the GeoJSON export through /vsicurl/, in one QGIS session (qgis_session.py, run by the
system Python with QT_QPA_PLATFORM=offscreen). Each count is compared with the server's own
numberMatched, asked over HTTP.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.towns import TOWNS

from .server import DEPARTEMENTS, REAL_TOWNS, api_features, api_matched, ogc_matched

QGIS_PYTHON = "/usr/bin/python3"
SESSION = Path(__file__).with_name("qgis_session.py")


def qgis_missing() -> str | None:
    """Why QGIS cannot run here, or None."""
    if not os.path.exists(QGIS_PYTHON):
        return f"{QGIS_PYTHON} is absent"
    probe = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, timeout=60
    )
    if probe.returncode:
        return (
            f"{QGIS_PYTHON} cannot import qgis (python3-qgis; make test installs it): "
            + (probe.stderr.strip().splitlines() or ["?"])[-1]
        )
    return None


MISSING = qgis_missing()
# The mark makes pytest-django set up the test database (demo_server alone would not).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

TOWN_KEYS = {"Gap": "gap", "Digne-les-Bains": "digne", "Barcelonnette": "barcelonnette"}
VIEWS = [
    {"name": name, "lon": TOWNS[key].lon, "lat": TOWNS[key].lat} for name, key in TOWN_KEYS.items()
] + [{"name": "mer", "lon": 5.0, "lat": 42.5}]  # the sea south of Marseille: no place
CHECKS = {
    "lieux": {
        "towns": REAL_TOWNS,
        "departements": DEPARTEMENTS,
        "attributes": ["id", "code_insee", "nom", "commune"],
    },
    "communes": {
        "towns": REAL_TOWNS,
        "departements": DEPARTEMENTS,
        "attributes": ["code_insee", "nom", "departement"],
    },
    "views": VIEWS,
}


@pytest.fixture(scope="module")
def qgis(server, tmp_path_factory):
    """What one headless QGIS session saw of the live server (see qgis_session.py)."""
    folder = tmp_path_factory.mktemp("qgis")
    checks, out = folder / "checks.json", folder / "out.json"
    checks.write_text(json.dumps(CHECKS))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(folder),  # QGIS writes its profile and network cache there
        "XDG_RUNTIME_DIR": str(folder),
    }
    result = subprocess.run(
        [QGIS_PYTHON, "-X", "faulthandler", str(SESSION), server, str(checks), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0 and out.exists(), (
        f"QGIS session failed ({result.returncode}): {result.stderr[-3000:]}"
    )
    seen = json.loads(out.read_text())
    timings = {k: v["seconds"] for k, v in seen.items() if isinstance(v, dict) and "seconds" in v}
    print(f"\nQGIS {seen['qgis_version']}: {seen['total_seconds']} s in all, {timings}")
    return seen


def valid(step: dict) -> dict:
    assert step.get("valid"), f"QGIS refused the layer: {step.get('error')} {step.get('log')}"
    return step


def test_qgis_oapif_lieux_counts_every_place_the_server_has(qgis, server):
    layer = valid(qgis["oapif_lieux"])
    matched = ogc_matched(server, "lieux")
    assert layer["feature_count"] == matched, layer["log"]
    assert layer["iterated"] == matched
    assert {"id", "code_insee", "departement", "date_maj"} <= set(layer["fields"])
    assert layer["crs"] in ("EPSG:4326", "OGC:CRS84")


def test_qgis_oapif_lieux_reads_the_places_of_gap_digne_and_barcelonnette(qgis, server):
    layer = valid(qgis["oapif_lieux"])
    for town, code in REAL_TOWNS.items():
        read = layer["by_town"][code]
        assert len(read) == api_matched(server, code_insee=code) > 0, town
        assert len(read) == ogc_matched(server, "lieux", code_insee=code), town
        assert {place["code_insee"] for place in read} == {code}
        api = {f["properties"]["id"] for f in api_features(server, code_insee=code)}
        assert {place["id"] for place in read} == api, town
    for code in DEPARTEMENTS:
        count = layer["by_departement"][code]
        assert count == ogc_matched(server, "lieux", departement=code) > 0, code
        assert count == api_matched(server, departement=code), code


def test_qgis_query_builder_filter_counts_what_the_api_counts(qgis, server):
    """The layer's provider filter (QGIS's query builder) on code_insee finds the places the
    API's ``code_insee=`` finds. QGIS 3.22 evaluates it after downloading every page (its OAPIF
    provider sends only date comparisons, as ``datetime=``); QGIS >= 3.28 sends CQL2."""
    layer = valid(qgis["oapif_lieux"])
    for town, code in REAL_TOWNS.items():
        filtered = layer["subset"][code]
        assert filtered["accepted"], town
        assert filtered["iterated"] == api_matched(server, code_insee=code) > 0, (
            f"{town}: {filtered['items_urls']}"
        )


def test_qgis_reads_the_standard_id_of_each_place(qgis):
    """Property ``id`` is the standard's "<import_source>:<source_id>" (publication contract)."""
    layer = valid(qgis["oapif_lieux"])
    ids = [place["id"] for places in layer["by_town"].values() for place in places]
    wrong = [value for value in ids if not (isinstance(value, str) and ":" in value)]
    assert not wrong, f"id attributes that are not '<source>:<id>' strings: {wrong[:5]}"


def test_qgis_oapif_communes_counts_every_commune_and_names_them(qgis, server):
    layer = valid(qgis["oapif_communes"])
    matched = ogc_matched(server, "communes")
    assert layer["feature_count"] == matched, layer["log"]
    assert layer["iterated"] == matched
    for town, code in REAL_TOWNS.items():
        assert layer["by_town"][code] == [
            {"code_insee": code, "nom": town, "departement": code[:2]}
        ], town
    for code in DEPARTEMENTS:
        count = layer["by_departement"][code]
        assert count == ogc_matched(server, "communes", departement=code) > 0, code


def test_qgis_adds_the_ogc_landing_page_typed_without_its_final_slash(qgis):
    """Users paste http://host/ogc in QGIS's connection dialog: it must work as /ogc/."""
    valid(qgis["oapif_without_slash"])


def test_qgis_vector_tile_layer_draws_the_places_of_each_town(qgis):
    layer = valid(qgis["vector_tiles"])
    assert layer["source_type"] == "xyz"
    pixels = layer["red_pixels"]
    for town in REAL_TOWNS:
        assert pixels[town] > 0, f"QGIS drew no place around {town}: {layer['tiles']}"
    assert pixels["mer"] == 0
    statuses = [tile["status"] for tile in layer["tiles"]]
    assert statuses and set(statuses) <= {200, 204} and 200 in statuses, layer["tiles"]


def test_qgis_reads_the_geojson_export_through_vsicurl(qgis, server):
    layer = valid(qgis["export_vsicurl"])
    assert layer["feature_count"] == ogc_matched(server, "lieux")
    assert {"id", "code_insee", "departement"} <= set(layer["fields"])
