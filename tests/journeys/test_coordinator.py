"""Journey 1 of ../shared/JOURNEYS.md, the departmental coordinator of Alpes-de-Haute-Provence:
"Mon réseau" for 04 (actors, places, both directories), the coverage map at 10 km and a click on
an uncovered commune, 20 km and the other basis, priorities sorted by population and exported,
the fragility layer, two new permanences, "mon équipe" beside everyone, then the mediators
outside her team: two invited and the team's e-mails exported."""

import csv
import io
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from actors.models import Invitation

from .conftest import MAP_READY, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server(demo_server, django_db_blocker):
    with django_db_blocker.unblock():
        before = set(Invitation.objects.values_list("pk", flat=True))
    yield demo_server
    with django_db_blocker.unblock():
        Invitation.objects.exclude(pk__in=before).delete()


# a point inside a commune's polygon that a tap would reach (not under a marker or a control)
POINT_IN = """(css) => {
  for (const path of document.querySelectorAll(css)) {
    const box = path.getBoundingClientRect();
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
      const x = box.left + box.width * i / 8, y = box.top + box.height * j / 8;
      if (x > 0 && y > 0 && x < innerWidth && y < innerHeight
          && document.elementFromPoint(x, y) === path) return [x, y];
    }
  }
  return null;
}"""


# the boxes of the open popup (its whole frame, close button included) that the map's controls
# (zoom, layers) or the map's own edge would hide
HIDDEN_PARTS = """() => {
  const popup = document.querySelector(".leaflet-popup");
  const frame = popup.closest(".leaflet-container").getBoundingClientRect();
  const parts = [popup.querySelector(".leaflet-popup-content-wrapper"),
                 popup.querySelector(".leaflet-popup-close-button")];
  const controls = [...document.querySelectorAll(".leaflet-control-zoom, .leaflet-control-layers")];
  const hidden = [];
  for (const part of parts) {
    const box = part.getBoundingClientRect();
    if (box.top < frame.top || box.left < frame.left || box.right > frame.right)
      hidden.push(part.className + " outside the map");
    for (const control of controls) {
      const c = control.getBoundingClientRect();
      if (box.left < c.right && c.left < box.right && box.top < c.bottom && c.top < box.bottom)
        hidden.push(part.className + " under " + control.className);
    }
  }
  return hidden;
}"""


def submit_controls(page, **choices):
    controls = page.locator("#coverage-controls")
    for name, value in choices.items():
        controls.locator(f"[name={name}]").select_option(value) if name != "sites" else (
            controls.locator("[name=sites]").fill(value)
        )
    controls.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    page.wait_for_selector(MAP_READY, state="attached")


def tap_uncovered_commune(w):
    page = w.page
    page.locator(".map-frame").scroll_into_view_if_needed()
    point = page.evaluate(POINT_IN, "path.cov-uncovered")
    assert point, "no uncovered commune can be tapped on the map"
    if w.phone:
        page.touchscreen.tap(*point)
    else:
        page.mouse.click(*point)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    # the map pans to show the popup (slower on a loaded machine): its first line and its close
    # button end up clear of the zoom and layer buttons
    try:
        page.wait_for_function(f"() => ({HIDDEN_PARTS})().length === 0", timeout=3000)
    except PlaywrightTimeout:
        pass
    assert page.evaluate(HIDDEN_PARTS) == []
    page.wait_for_timeout(300)  # the pan's last frames, for the screenshot
    return " ".join(popup.inner_text().split())


def network_of_04(w, server):
    """1. Mon réseau for 04: how many actors and places, a link to each directory."""
    page = w.page
    log_in(page, server, "demo-001")
    page.goto(f"{server}/mon-reseau/04/")
    assert w.number("#stat-acteurs-n") > 0 and w.number("#stat-lieux-n") > 0
    assert page.get_by_role("link", name="Voir l'annuaire des acteurs").is_visible()
    assert page.get_by_role("link", name="Voir l'annuaire des lieux").is_visible()
    w.shot("network-04")
    w.axe()
    page.get_by_role("link", name="Voir la carte de couverture du département").click()
    page.wait_for_selector(MAP_READY, state="attached")
    assert page.locator("#id_seuil").input_value() == "10"  # the map opens at 10 km


def commune_far_from_help(w) -> None:
    """2. A tap on a commune far from any mediator: its population, distance and nearest point."""
    popup = tap_uncovered_commune(w)
    assert re.search(r"Population \d", popup), popup
    assert re.search(r"Distance au point de médiation le plus proche \d+(,\d)? km", popup), popup
    assert re.search(r"Point de médiation le plus proche \S", popup), popup
    assert "couverte à 10 km non" in popup.lower()
    w.shot("coverage-10km-commune")
    w.axe()  # the coverage page, its popup open


def fragility_layer(w) -> None:
    page = w.page
    page.locator(".map-frame").scroll_into_view_if_needed()
    control = page.locator(".leaflet-control-layers")
    control.locator(".leaflet-control-layers-toggle").tap() if w.phone else control.hover()
    page.get_by_label(re.compile("Indice de fragilité numérique")).check()
    page.wait_for_selector(".leaflet-overlay-pane path[class*=ifn-]", state="attached")
    w.shot("ifn-layer")


def two_new_sites(w) -> None:
    page = w.page
    sites = page.locator("#sites > li")
    assert sites.count() == 2
    for text in sites.all_inner_texts():
        assert re.search(r"\+[\d\u202f\xa0 ]+ habitants couverts", text), text
    assert page.locator(".leaflet-marker-icon.cov-site").count() == 2
    assert w.number("#remaining") < w.number("#uncovered-population")
    page.locator("#ou-ouvrir").scroll_into_view_if_needed()
    w.shot("two-new-sites")


def team_beside_everyone(w) -> None:
    page = w.page
    assert w.number("#team-uncovered-communes") >= w.number("#everyone-uncovered-communes")
    page.locator("#mon-equipe").scroll_into_view_if_needed()
    w.shot("my-team-beside-everyone")
    w.axe()  # the "mon équipe" view: its comparison table, its own legend


def test_the_coordinator_of_04_finds_where_help_is_missing(walk, server, no_tiles):
    """The whole journey on a computer; what only a phone changes is walked below."""
    w = walk("coordinator", "desktop", accept_downloads=True)
    page = w.page
    network_of_04(w, server)
    uncovered_10 = w.number("#uncovered-communes")
    assert uncovered_10 > 0
    commune_far_from_help(w)

    # 3. 20 km: fewer uncovered communes
    submit_controls(page, seuil="20")
    uncovered_20 = w.number("#uncovered-communes")
    assert uncovered_20 < uncovered_10
    w.shot("coverage-20km")

    # 4. priorities by population, exported for the prefecture; the fragility layer
    page.locator("#id_tri").select_option("population")
    page.locator("#id_ordre").select_option("desc")
    page.get_by_role("button", name="Trier").click()
    page.wait_for_load_state()
    populations = [
        int(re.sub(r"\D", "", t) or 0)
        for t in page.locator("#priorities td[data-label=Population]").all_inner_texts()
    ]
    assert len(populations) > 1 and populations == sorted(populations, reverse=True)
    w.shot("priorities-by-population")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("tableur")).click()
    raw = open(download.value.path(), "rb").read()  # noqa: SIM115
    assert raw.startswith(b"\xef\xbb\xbf")  # French Excel reads accents
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) - 1 == uncovered_20 and rows[1][0] and populations[0] > 0
    fragility_layer(w)

    # 3 (end). "all places" shows where a place exists but no mediator works
    submit_controls(page, base="places")
    assert w.number("#uncovered-communes") <= uncovered_20
    w.shot("coverage-20km-all-places")

    # 5. back to the mediators: where two new permanences would cover the most people
    submit_controls(page, base="mediators", sites="2")
    assert w.number("#uncovered-communes") == uncovered_20
    two_new_sites(w)

    # 6. her team's coverage against everyone's
    submit_controls(page, perimetre="equipe")
    team_beside_everyone(w)

    # 7. mediators outside her team: two invited, the team's e-mails exported
    page.goto(f"{server}/mon-equipe/")
    w.axe()
    for _ in range(2):
        row = (
            page.locator("#outside-team tbody tr")
            .filter(has=page.get_by_role("button", name="Inviter"))
            .first
        )
        name = row.locator("td a").first.inner_text()
        row.get_by_role("button", name="Inviter").click()
        page.wait_for_load_state()
        assert f"Invitation envoyée à {name}." in page.locator("#hors-equipe").inner_text()
        pending = page.locator("#invitation-list tbody tr").filter(has_text=name)
        assert "En attente" in pending.inner_text()
    w.shot("two-invited")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter l'équipe (tableur)").click()
    text = open(download.value.path(), "rb").read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    email = next(i for i, title in enumerate(rows[0]) if "ourriel" in title or "mail" in title)
    assert len(rows) > 1 and all("@" in row[email] for row in rows[1:] if row[email])
    page.goto(f"{server}/mon-equipe/#invitations")
    w.shot("team-page", full_page=True)


def test_on_a_phone_the_coordinator_taps_her_way_through_the_same_pages(walk, server, no_tiles):
    """The same pages at 390x844, once each: laid out for a phone (axe, no sideways scroll),
    a commune's popup and the layer control opened by a tap, the suggested sites and the
    "mon équipe" figures in one view, the team page; the figures' logic is the computer's."""
    w = walk("coordinator", "phone")
    page = w.page
    network_of_04(w, server)
    commune_far_from_help(w)
    fragility_layer(w)
    submit_controls(page, sites="2", perimetre="equipe")
    two_new_sites(w)
    team_beside_everyone(w)
    page.goto(f"{server}/mon-equipe/#invitations")
    assert page.locator("#outside-team tbody tr").count() > 0
    w.axe()
    w.shot("team-page", full_page=True)
