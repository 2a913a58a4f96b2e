"""Journey 3 of ../shared/JOURNEYS.md, a GIS analyst: the OGC API – Features address (landing
page, collections, the places and communes layers complete in WGS84 with their coverage
properties, as QGIS would page them), the whole places layer in one GeoJSON file and one
standard CSV file from the footer, the national map on vector tiles coloured by coverage, and
the OpenAPI documentation to script monthly extracts."""

import csv
import io
import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def all_features(request, url):
    """Every feature of an OGC items URL, following rel=next as GDAL's OAPIF driver does."""
    features, matched = [], None
    while url:
        page = request.get(url, headers={"Accept": "application/geo+json"}).json()
        matched = page.get("numberMatched", matched)
        features += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return features, matched


def in_wgs84(features):
    for feature in features:
        coords = feature["geometry"]["coordinates"]
        while isinstance(coords[0], list):
            coords = coords[0]
        lon, lat = coords[:2]
        assert -180 <= lon <= 180 and -90 <= lat <= 90, feature["id"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_gis_analyst_gets_the_layers(walk, server, no_tiles, viewport):
    w = walk("gis", viewport, accept_downloads=True)
    page = w.page
    # 1. the OGC API – Features address, as a person reads it before pasting it into QGIS
    page.goto(f"{server}/ogc/")
    w.shot("ogc-landing")
    w.axe()
    page.goto(f"{server}/ogc/collections?f=html")
    titles = page.locator("main table tbody tr").all_inner_texts()
    ids = {line.split("\n")[-1].split("\t")[0].strip() for line in titles}
    assert {"lieux", "communes"} <= ids, titles
    w.shot("ogc-collections")
    w.axe()
    page.goto(f"{server}/ogc/collections/communes?f=html")
    properties = page.locator("main").inner_text()
    assert "covered" in properties and "distance_m" in properties  # its coverage properties
    w.shot("ogc-communes")
    w.axe()
    places, places_matched = all_features(
        page.request, f"{server}/ogc/collections/lieux/items?limit=1000"
    )
    communes, communes_matched = all_features(
        page.request, f"{server}/ogc/collections/communes/items?limit=1000"
    )
    assert len(places) == places_matched > 0 and len(communes) == communes_matched > 0
    assert len({f["id"] for f in places}) == len(places)  # complete, each once
    in_wgs84(places)
    in_wgs84(communes[:50])
    assert {"covered", "distance_m"} <= set(communes[0]["properties"])

    # 2. the whole layer in one file, from the footer
    with page.expect_download() as download:
        w.press(page.get_by_role("link", name="Tous les lieux en GeoJSON"))
    collection = json.loads(open(download.value.path(), "rb").read())  # noqa: SIM115
    assert len(collection["features"]) == places_matched
    with page.expect_download() as download:
        w.press(page.get_by_role("link", name="Tous les lieux en CSV"))
    text = open(download.value.path(), "rb").read().decode("utf-8")  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == places_matched and {"id", "nom", "latitude", "longitude"} <= set(rows[0])

    # 3. the national map on vector tiles, communes coloured by coverage
    page.goto(f"{server}/tiles/")
    page.wait_for_selector("#coverage-map[data-loaded='true']", state="attached")
    assert (
        page.evaluate(
            "() => document.getElementById('coverage-map').maplibre.getSource('communes').url"
        )
        .split("?")[0]
        .endswith("/tiles/communes.json")
    )
    w.shot("national-map")
    w.axe()

    # 4. the OpenAPI documentation
    page.goto(f"{server}/api/docs/")
    page.wait_for_selector("#swagger-ui .information-container")
    assert page.locator("#swagger-ui .opblock").count() > 5
    w.shot("api-docs")
    w.axe()
