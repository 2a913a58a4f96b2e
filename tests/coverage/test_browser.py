"""A coordinator opens the coverage map of 04 in a real browser (chromium) and moves the threshold.

pytest-django's ``live_server`` forces ``transactional_db``, whose flush would wipe the demo data
loaded once per session; as tests/places_web does, this module starts Django's own live server
thread over the committed demo data (coverage included, computed by ``load_demo``).
"""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


def uncovered(page) -> int:
    text = page.locator("#uncovered-communes").inner_text()
    return int("".join(char for char in text if char.isdigit()))


def test_changing_the_threshold_changes_the_uncovered_communes(server, page, artifacts_dir):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{server}/couverture/04/", wait_until="domcontentloaded")
    assert "Alpes-de-Haute-Provence" in page.locator("h1").inner_text()
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 198
    at_10 = uncovered(page)
    assert page.locator("#id_seuil").input_value() == "10"

    page.select_option("#id_seuil", "30")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("#coverage-controls button[type=submit]")
    at_30 = uncovered(page)
    assert "seuil=30" in page.url
    assert at_30 < at_10

    page.fill("#id_seuil_libre", "3")  # free input: the select switches to "autre"
    assert page.locator("#id_seuil").input_value() == "autre"
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("#coverage-controls button[type=submit]")
    at_3 = uncovered(page)
    assert at_3 > at_10
    assert "à au plus 3 km" in page.locator(".lead").inner_text()
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts_dir / "coverage-04-threshold-3km.png"), full_page=True)


def test_the_communes_fetched_by_the_map_fill_both_layers_and_their_popups(server, page):
    """The map fetches its communes' shapes (one answer per data version, not in the page) and
    joins them to this threshold's figures: the distance layer, the IFN layer and the popups."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{server}/couverture/04/?seuil_libre=7.3")
    page.wait_for_selector(".folium-map[data-communes='loaded']", state="attached")
    communes = page.locator(".leaflet-overlay-pane path.cov-commune")
    assert communes.count() == 198
    assert page.locator(".leaflet-overlay-pane path.cov-uncovered").count() == uncovered(page)
    # drawn under the département's outline, as when they were in the page
    classes = page.evaluate(
        "[...document.querySelectorAll('.leaflet-overlay-pane path')]"
        ".map(p => p.getAttribute('class').split(' ')[0])"
    )
    assert classes[-1] == "cov-outline" and set(classes[:-1]) == {"cov-commune"}
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Indice de fragilité numérique (IFN)").check()
    assert page.locator(".leaflet-overlay-pane path[class*='ifn-']").count() == 198
    page.get_by_label("Indice de fragilité numérique (IFN)").uncheck()
    page.locator("h1").hover()  # fold the layer control again
    page.locator(".leaflet-overlay-pane path.cov-uncovered").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Couverte à 7,3 km\tnon" in text and "Population" in text and "IFN" in text
