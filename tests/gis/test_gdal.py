"""GDAL's own OGC API client (Debian's gdal-bin) against a live server over the test database."""

import re
import shutil
import subprocess

import pytest

from geo_directory.territories.models import Commune
from ogc import documents
from places.models import Place
from tests.towns import TOWNS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is not installed"),
]


def run(*args, cwd=None):
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def layer_summaries(text: str) -> dict:
    """ogrinfo -so output -> {layer: {"count": n, "fields": {name: type}}}."""
    layers = {}
    for block in text.split("Layer name: ")[1:]:
        name = block.split("\n", 1)[0].strip()
        count = int(re.search(r"Feature Count: (\d+)", block).group(1))
        fields = dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", block, flags=re.M))
        layers[name] = {"count": count, "fields": fields}
    return layers


def test_ogrinfo_lists_both_collections_with_database_counts(gis_server):
    layers = layer_summaries(run("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{gis_server}/ogc/"))
    assert set(layers) == {"lieux", "communes"}
    assert layers["lieux"]["count"] == Place.objects.public().located().count()
    assert layers["communes"]["count"] == Commune.objects.with_geometry().count()
    assert layers["lieux"]["fields"]["date_maj"] == "Date"
    assert layers["lieux"]["fields"]["latitude"] == "Real"
    assert layers["communes"]["fields"]["population"] == "Integer"
    assert layers["communes"]["fields"]["covered"] == "Integer(Boolean)"


def test_ogr2ogr_copies_every_place_paging_through_next(gis_server, tmp_path):
    """GDAL 3.6 reads 10 features a page by default: the copy follows ~70 next links."""
    out = tmp_path / "lieux.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{gis_server}/ogc/", "lieux")
    layers = layer_summaries(run("ogrinfo", "-ro", "-so", str(out), "lieux"))
    expected = Place.objects.public().located()
    assert layers["lieux"]["count"] == expected.count()
    assert layers["lieux"]["fields"]["date_maj"] == "Date"
    assert layers["lieux"]["fields"]["longitude"] == "Real"
    # Every place arrived, at its own position ([lon, lat] read correctly by GDAL).
    sql = "SELECT nom, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM lieux WHERE commune = 'Sisteron'"
    dump = run("ogrinfo", "-ro", "-q", str(out), "-sql", sql)
    assert "Point numérique 0 de Sisteron" in dump
    sisteron = TOWNS["sisteron"]
    assert f"lon (Real) = {sisteron.lon}" in dump and f"lat (Real) = {sisteron.lat}" in dump


def test_gdal_pushes_attribute_filters_down_to_the_server(gis_server, monkeypatch):
    """GDAL reads the filters of /collections/lieux/items in the OpenAPI document (and its
    ``filter-lang``) and sends ``-where code_insee = '04019'`` as a CQL filter: only the places
    in Barcelonnette come (``code_insee``: the commune that holds the point)."""
    seen = []
    original = documents.items_queryset

    def spy(layer, query):
        seen.append(query.cql)
        return original(layer, query)

    monkeypatch.setattr(documents, "items_queryset", spy)  # the live server runs in this process
    out = run(
        "ogrinfo",
        "-ro",
        "-q",
        f"OAPIF:{gis_server}/ogc/",
        "lieux",
        "-where",
        "code_insee = '04019'",
    )
    expected = Place.objects.public().located().filter(commune_actuelle_id="04019")
    assert out.count("OGRFeature(lieux)") == expected.count() >= 2
    assert "Point numérique 0 de Barcelonnette" in out
    assert "Sisteron" not in out
    # filtered by the server, not after the download
    assert any(tree is not None and "04019" in repr(tree) for tree in seen)
