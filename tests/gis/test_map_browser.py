"""The national coverage map in a real headless Chromium: MapLibre draws our vector tiles."""

import os

import pytest

from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# WebGL without a GPU: Chromium's software rasteriser (SwiftShader), for this page only.
WEBGL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


@pytest.fixture(scope="module")
def webgl_browser(playwright, browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    args = [a for a in browser_type_launch_args["args"] if a != "--disable-gpu"] + WEBGL_ARGS
    browser = playwright.chromium.launch(
        **{**browser_type_launch_args, "args": args, "headless": True}
    )
    yield browser
    browser.close()


def test_national_map_draws_commune_tiles_and_answers_a_click(
    gis_server, webgl_browser, artifacts_dir, settings
):
    settings.MAP_TILES_URL = ""  # no network in tests: the communes alone make the map
    page = webgl_browser.new_page(viewport={"width": 1100, "height": 900})
    tiles = []
    page.on(
        "response",
        lambda r: tiles.append((r.url, r.status)) if "/tiles/communes/" in r.url else None,
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{gis_server}/tiles/")
    page.wait_for_selector("#coverage-map[data-loaded='true']", timeout=20000, state="attached")
    # Fly to Digne-les-Bains and let the commune tiles of 04 load.
    page.evaluate(
        "document.getElementById('coverage-map').maplibre"
        ".jumpTo({center: [6.2356, 44.0925], zoom: 9})"
    )
    page.wait_for_function(  # a function, not an expression: the CSP forbids eval()
        "() => document.getElementById('coverage-map').maplibre.areTilesLoaded()", timeout=20000
    )
    assert any(status == 200 for _url, status in tiles), tiles
    rendered = page.evaluate(
        "document.getElementById('coverage-map').maplibre"
        ".queryRenderedFeatures({layers: ['communes-fill']}).map(f => f.properties.code_insee)"
    )
    assert "04070" in rendered  # Digne-les-Bains is drawn
    box = page.locator("#coverage-map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => document.getElementById('coverage-map-info').textContent.length > 0"
    )
    info = page.locator("#coverage-map-info").text_content()
    assert "Digne-les-Bains (04070)" in info and "habitants" in info
    page.screenshot(path=str(artifacts_dir / "gis-national-map.png"))
    assert not errors, errors
    page.close()
