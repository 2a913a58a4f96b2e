"""The coordinator of 04 in Chromium at 1366x900 and 390x844 (issue 11 #3, #9, #10, #13): the
coverage map's layer control is folded, a suggested site opens its popup on a tap, no default
pin is drawn, the priorities box takes the keyboard focus; "mon équipe" colours the communes
others cover; the national map goes to La Réunion and to a département and changes its basis in
place. axe-core finds nothing on these pages and on the team pages' confirmations. Screenshots
in test-artifacts/coordinator/."""

import re
from pathlib import Path

import pytest

from actors.demo import DEMO_ACCOUNTS
from actors.models import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
MAP_READY = ".leaflet-overlay-pane path.leaflet-interactive"
AXE = (Path(__file__).parents[1] / "site" / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .map(v => v.id + " (" + v.impact + "): "
    + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


@pytest.fixture
def no_tiles(settings, server):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"  # no outside request


@pytest.fixture
def shots(artifacts_dir):
    folder = artifacts_dir / "coordinator"
    folder.mkdir(exist_ok=True)
    return folder


def open_page(browser, viewport, server, account=None):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    page = context.new_page()
    if account:
        username, password, _ = DEMO_ACCOUNTS[account]
        page.goto(f"{server}/connexion/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    return context, page


def axe(page) -> list[str]:
    page.evaluate(AXE)
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_coverage_map_of_04(browser, server, no_tiles, shots, viewport):
    context, page = open_page(browser, viewport, server)
    try:
        page.goto(f"{server}/couverture/04/?sites=3")
        page.wait_for_selector(MAP_READY, state="attached")
        page.wait_for_selector(".leaflet-marker-icon.cov-site", state="attached")
        # the layer control is folded: it hides neither popups nor half a phone's map
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        control = page.locator(".leaflet-control-layers").bounding_box()
        assert control["width"] < 60 and control["height"] < 60
        # no default blue pin; points, clusters and sites in the palette's classes
        assert page.locator("img.leaflet-marker-icon").count() == 0
        assert page.locator(
            ".leaflet-marker-icon.cov-cluster, .leaflet-marker-icon.cov-point"
        ).count()
        # a suggested site opens its popup on a tap (a phone has no hover)
        site = page.locator(".leaflet-marker-icon.cov-site").first
        site.scroll_into_view_if_needed()
        site.tap() if viewport == "phone" else site.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert re.search(r"\+[\d\u202f ]+ habitants couverts", popup.inner_text())
        page.wait_for_timeout(500)  # the popup fades in and the map pans to show it
        page.screenshot(path=str(shots / f"coverage-04-site-popup-{viewport}.png"))
        # the priorities box is reached by the keyboard
        box = page.locator(".priorities-scroll")
        box.focus()
        assert page.evaluate("document.activeElement.classList.contains('priorities-scroll')")
        page.keyboard.press("PageDown")
        page.screenshot(path=str(shots / f"coverage-04-{viewport}.png"), full_page=True)
        assert axe(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_my_team_beside_everyone(browser, server, no_tiles, shots, viewport):
    context, page = open_page(browser, viewport, server, account="demo-001")
    try:
        page.goto(f"{server}/mon-equipe/")
        page.get_by_role("link", name=re.compile("Couverture de mon équipe")).first.click()
        page.wait_for_selector(MAP_READY, state="attached")
        assert "perimetre=equipe" in page.url
        team = int(re.sub(r"\D", "", page.locator("#team-uncovered-communes").inner_text()))
        everyone = int(re.sub(r"\D", "", page.locator("#everyone-uncovered-communes").inner_text()))
        assert team > everyone
        others = int(page.locator("#only-others").inner_text())
        assert page.locator(".leaflet-overlay-pane path.cov-others").count() == others > 0
        page.locator("#team-compare").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"coverage-04-team-{viewport}.png"))
        page.screenshot(path=str(shots / f"coverage-04-team-{viewport}-full.png"), full_page=True)
        assert axe(page) == []
    finally:
        context.close()


def center(page):
    return page.evaluate(
        "() => { const c = document.getElementById('coverage-map').maplibre.getCenter();"
        " return [c.lng, c.lat]; }"
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_national_map_goes_overseas_and_to_a_departement(
    browser, server, no_tiles, shots, viewport
):
    context, page = open_page(browser, viewport, server)
    try:
        page.goto(f"{server}/tiles/")
        page.wait_for_selector("#coverage-map[data-loaded='true']", state="attached")
        first = page.locator(".territory-buttons button").first
        assert first.inner_text().startswith("La Réunion")
        first.click()
        page.wait_for_timeout(900)
        lon, lat = center(page)
        assert 55.1 < lon < 55.9 and -21.5 < lat < -20.8
        assert "departement=974" in page.url  # a link to share
        page.screenshot(path=str(shots / f"national-map-reunion-{viewport}.png"), full_page=True)

        page.fill("#departement-field", "05 — Hautes-Alpes")
        page.click("#departement-search button[type=submit]")
        page.wait_for_timeout(900)
        lon, lat = center(page)
        assert 5.4 < lon < 7.1 and 44.1 < lat < 45.2
        assert (
            "carte centrée sur hautes-alpes"
            in page.locator("#coverage-map-info").inner_text().lower()
        )

        page.select_option("#id_base", "places")
        page.wait_for_timeout(300)
        sources = page.evaluate(
            "() => { const m = document.getElementById('coverage-map').maplibre;"
            " return [m.getSource('communes').url, m.getSource('lieux').url]; }"
        )
        assert "basis=places" in sources[0] and sources[1].endswith("lieux.json?basis=places")
        assert "tous les lieux" in page.locator("#legend-basis").inner_text()
        assert "base=places" in page.url
        page.wait_for_timeout(600)
        page.screenshot(path=str(shots / f"national-map-05-places-{viewport}.png"), full_page=True)
        assert axe(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_confirmation_pages_are_accessible(browser, server, shots, viewport, django_db_blocker):
    with django_db_blocker.unblock():
        coordinator = Actor.objects.get(external_id="demo-001")
        member = Actor.objects.team_of(coordinator).order_by("pk").first()
        mediator = Actor.objects.get(external_id="demo-003")
        activity = mediator.activities.current().order_by("pk").first()
    context, page = open_page(browser, viewport, server, account="demo-001")
    try:
        page.goto(f"{server}/mon-equipe/")
        page.locator(f"#membre-{member.pk} a.btn-quiet-danger").click()
        page.wait_for_load_state()
        assert "Retirer" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / f"confirm-remove-{viewport}.png"))
        assert axe(page) == []
        page.get_by_role("link", name=re.compile("Annuler")).click()  # nothing changes
        page.wait_for_load_state()
        assert page.url.endswith(f"/mon-equipe/#membre-{member.pk}")
        page.screenshot(path=str(shots / f"team-back-to-row-{viewport}.png"))
        assert axe(page) == []
    finally:
        context.close()
    context, page = open_page(browser, viewport, server, account="demo-003")
    try:
        page.goto(f"{server}/mon-profil/lieux/{activity.pk}/terminer/")
        assert "Terminer votre activité" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / f"confirm-end-activity-{viewport}.png"))
        assert axe(page) == []
    finally:
        context.close()
