"""A real browser (Debian's chromium) searches around Digne-les-Bains on /lieux/.

pytest-django's ``live_server`` would force ``transactional_db``, whose flush wipes the demo
territory and places loaded once per session for every other test; this module starts Django's
own live server thread over the committed demo data instead (as tests/gis does).
"""

import pytest

# django_db: without it, a run of this file alone would set up no test database at all.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


def test_search_around_digne_shows_the_same_places_in_the_list_and_on_the_map(
    server, page, settings, artifacts_dir
):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"  # no outside request
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/lieux/")
    field = page.get_by_label("Commune, code postal ou code INSEE")
    field.press_sequentially("Digne", delay=30)
    # suggestions as you type, from the communes endpoint
    page.wait_for_function(  # a function, not an expression: the CSP forbids eval()
        "() => Array.from(document.querySelectorAll('#commune-suggestions option'))"
        ".some(o => o.value === 'Digne-les-Bains (04)')"
    )
    field.fill("Digne-les-Bains (04)")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("#result-list > li")

    heading = page.locator("#resultats").inner_text()
    assert "à moins de 20 km" in heading and "Digne-les-Bains" in heading
    listed = [
        int(x)
        for x in page.locator("#result-list > li").evaluate_all(
            "items => items.map(li => li.dataset.placeId)"
        )
    ]
    assert len(listed) >= 5
    kms = page.locator("#result-list .distance strong").all_inner_texts()
    values = [float(k.replace(" km", "").replace(",", ".")) for k in kms]
    assert values == sorted(values) and values[-1] <= 20

    frame = page.locator("#results-map")
    cluster = frame.get_attribute("data-cluster")
    on_map = page.evaluate(f"window['{cluster}'].getLayers().map(m => m.options.placeId)")
    assert sorted(on_map) == sorted(listed)
    # the clustered markers are drawn (vendored Leaflet + MarkerCluster loaded from /static/)
    page.wait_for_selector("#results-map .leaflet-marker-icon")
    assert page.evaluate("typeof L.markerClusterGroup") == "function"
    page.screenshot(path=str(artifacts_dir / "places-search-digne.png"), full_page=True)


def test_around_me_searches_from_the_browser_position(server, browser, settings):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"
    context = browser.new_context(
        geolocation={"latitude": 44.3868, "longitude": 6.6517},  # Barcelonnette
        permissions=["geolocation"],
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    try:
        page = context.new_page()
        page.goto(server + "/lieux/")
        page.get_by_role("button", name="Autour de moi").click()
        page.wait_for_selector("#result-list > li")
        assert "lon=6.65170" in page.url and "lat=44.38680" in page.url
        assert "de votre position" in page.locator("#resultats").inner_text()
        first = page.locator("#result-list > li").first.inner_text()
        assert "barcelonnette" in first.lower()  # the nearest place is in the town itself
    finally:
        context.close()


def test_a_single_result_keeps_the_whole_search_circle_in_view(server, browser, settings):
    """Castellane within 5 km: one place 2.6 km away; the map shows the 5 km circle and the
    place, not a ~300 m view around them (the circle was off-screen)."""
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(server + "/lieux/?commune=Castellane&rayon=5")
        assert page.locator("#result-list > li").count() == 1
        page.wait_for_selector("#results-map .leaflet-marker-icon")
        view = page.evaluate(
            """() => {
                let circle;
                results_map.eachLayer((l) => {
                    if (l instanceof L.Circle) circle = l.getLatLng().toBounds(2 * l.getRadius());
                });
                const shown = results_map.getBounds();
                return {zoom: results_map.getZoom(), circle: shown.contains(circle),
                        place: shown.contains(results_cluster.getBounds())};
            }"""
        )
        assert view["circle"] and view["place"], view
        assert 9 <= view["zoom"] <= 12, view  # the 10 km wide circle fills the phone's map
    finally:
        context.close()
