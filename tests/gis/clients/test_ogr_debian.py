"""Debian's GDAL (3.6, gdal-bin): ogrinfo and ogr2ogr read both OGC API collections.

A ``-where`` filter is sent to the server (GDAL reads the items' query parameters in the OpenAPI
document) and gives the same count as the same ``-where`` on the GeoPackage ogr2ogr copied.
"""

import re
import shutil
import subprocess

import pytest

from .server import DEPARTEMENTS, REAL_TOWNS, items_requests, ogc_matched, pushed_down

# The mark makes pytest-django set up the test database (demo_server alone would not).
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is absent"),
]

FILTERS = (
    [("lieux", "code_insee", code) for code in REAL_TOWNS.values()]
    + [("lieux", "departement", code) for code in DEPARTEMENTS]
    + [("communes", "departement", code) for code in DEPARTEMENTS]
    + [("communes", "code_insee", REAL_TOWNS["Barcelonnette"])]
)


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stderr[-2000:]}"
    return result.stdout


def oapif(base: str) -> str:
    return f"OAPIF:{base}/ogc/"


def feature_counts(text: str) -> dict[str, int]:
    """ogrinfo -so output -> {layer: Feature Count}."""
    return {
        block.split("\n", 1)[0].strip(): int(re.search(r"Feature Count: (-?\d+)", block)[1])
        for block in text.split("Layer name: ")[1:]
    }


def sql_count(gpkg, sql: str) -> int:
    return int(
        re.search(r"n \(Integer\S*\) = (\d+)", run("ogrinfo", "-ro", "-q", gpkg, "-sql", sql))[1]
    )


@pytest.fixture(scope="module")
def gpkg(server, tmp_path_factory):
    """Both collections copied by ogr2ogr (GDAL's default paging) into one GeoPackage."""
    out = str(tmp_path_factory.mktemp("ogr") / "maillage.gpkg")
    run("ogr2ogr", "-f", "GPKG", out, oapif(server), "lieux", "communes")
    return out


def test_ogrinfo_counts_what_the_server_matches_in_each_collection(server):
    counts = feature_counts(run("ogrinfo", "-ro", "-al", "-so", oapif(server)))
    assert counts == {
        "lieux": ogc_matched(server, "lieux"),
        "communes": ogc_matched(server, "communes"),
    }


@pytest.mark.parametrize("collection", ["lieux", "communes"])
def test_ogr2ogr_copies_every_feature_of_each_collection(server, gpkg, collection):
    copied = sql_count(gpkg, f"SELECT COUNT(*) AS n FROM {collection}")
    assert copied == ogc_matched(server, collection) > 0


@pytest.mark.parametrize(("collection", "field", "value"), FILTERS)
def test_where_is_sent_to_the_server_and_counts_what_the_copy_counts(
    server, gpkg, requests_seen, collection, field, value
):
    where = f"{field} = '{value}'"
    listing = run("ogrinfo", "-ro", "-q", "-geom=NO", oapif(server), collection, "-where", where)
    read = listing.count(f"OGRFeature({collection})")
    on_the_copy = sql_count(gpkg, f"SELECT COUNT(*) AS n FROM {collection} WHERE {where}")
    assert read == on_the_copy == ogc_matched(server, collection, **{field: value}) > 0
    assert pushed_down(requests_seen, collection, field, value), (
        f"GDAL filtered {where!r} after downloading: {items_requests(requests_seen)}"
    )
