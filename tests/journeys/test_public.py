"""Journey 2 of ../shared/JOURNEYS.md, someone looking for help near home: a retired person in
Barcelonnette opens the search on her phone (or a computer), types her town, keeps 20 km, ticks
"Aide aux démarches administratives", "Gratuit" and "ouvert maintenant", reads the list sorted by
distance with today's hours and the map, opens a place (address, hours, appointment,
accessibility, mediators, last update) and prints it; a social worker opens the shared URL."""

import re

import pytest

from actors.models import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

DISTANCE = re.compile(r"^(\d+(?:,\d)?) km$|^(\d+) m$")
HEADING = re.compile(r"^(\d+) lieux? à moins de 20 km de Barcelonnette \(04\)$|^Aucun lieu")


def distance_m(text: str) -> float:
    match = DISTANCE.match(text.strip())
    assert match, f"distance written as {text!r}"
    return float(match[1].replace(",", ".")) * 1000 if match[1] else float(match[2])


def search(walk, *, open_now: bool):
    page = walk.page
    filters = page.locator("details.filters")
    if filters.get_attribute("open") is None:
        filters.locator("> summary").click()
    page.get_by_label("Aide aux démarches administratives").check()
    page.get_by_label("Gratuit", exact=True).check()
    page.get_by_label("Ouvert maintenant").set_checked(open_now)
    page.get_by_role("button", name="Voir les lieux").click()
    page.wait_for_selector("#resultats")
    heading = " ".join(page.locator("#resultats").inner_text().split())
    assert HEADING.match(heading), heading
    # on a phone too, the count is what she sees and what a screen reader reads
    assert walk.in_view("#resultats"), f"results heading out of view: {heading}"
    assert page.evaluate("() => document.activeElement.id") == "resultats"
    return heading


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_retired_person_finds_help_near_barcelonnette(
    walk, server, no_tiles, viewport, django_db_blocker
):
    w = walk("public", viewport)
    page = w.page
    # 1. the search page, her town typed
    page.goto(f"{server}/lieux/")
    assert page.locator("h1").inner_text() == "Trouver un lieu d'aide au numérique"
    w.axe()
    page.get_by_label("Commune, code postal ou code INSEE").fill("Barcelonnette")
    assert page.get_by_label("Rayon").input_value() == "20"  # she keeps 20 km
    w.shot("search-typed")

    # 2. three filters ticked; "ouvert maintenant" depends on the hour of the run
    heading = search(w, open_now=True)
    w.shot("results-open-now")
    if heading.startswith("Aucun lieu"):  # closed at this hour: the page says what to do
        assert "retirez des filtres" in page.locator(".results .empty").inner_text()
        heading = search(w, open_now=False)
        w.shot("results-any-hour")
    w.axe()

    # 3. sorted by distance, today's hours, the same places on the map
    results = page.locator("#result-list > li")
    assert results.count() > 0
    shown = page.locator("#result-list .distance strong").all_inner_texts()
    distances = [distance_m(text) for text in shown]
    assert distances == sorted(distances)
    assert "Barcelonnette" in results.first.inner_text()
    assert page.locator("#result-list .today").count() > 0
    assert page.locator("#result-list .today").first.inner_text().startswith("Aujourd'hui : ")
    markers = page.locator("#results-map .leaflet-marker-icon")
    markers.first.wait_for(state="attached")
    # the site's own marks, as the legend under the map shows them, not Leaflet's blue pin
    assert page.locator("#results-map img.leaflet-marker-icon").count() == 0
    assert (
        markers.count()
        == page.locator("#results-map .leaflet-marker-icon:is(.cov-point, .cov-cluster)").count()
    )
    assert "un lieu" in page.locator("#results-legend").inner_text()
    page.locator("#results-map").scroll_into_view_if_needed()
    w.shot("results-map")
    shared = page.url  # what the social worker copies
    assert "commune=Barcelonnette" in shared

    # 4. a place's sheet
    results.first.locator("h3 a").click()
    page.wait_for_selector("main h1")
    place_id = int(re.search(r"/lieux/(\d+)/", page.url)[1])
    sheet = page.locator("main").inner_text()
    for title in ("Adresse et accès", "Contact et rendez-vous", "Horaires"):
        assert title in sheet
    assert "04400 Barcelonnette" in page.locator("main p.address").inner_text()
    assert re.search(r"Mis à jour le (1er|\d+) \w+ \d{4}|Date de mise à jour inconnue", sheet)
    assert "Acceslibre" in sheet  # the accessibility sheet, or that there is none
    with django_db_blocker.unblock():
        shown = list(
            Actor.objects.public()
            .filter(activities__place_id=place_id, activities__end_date__isnull=True)
            .values_list("first_name", flat=True)
        )
    for name in shown:
        assert name in sheet, f"consenting mediator {name} not on the sheet"
    if page.locator("table.week").count():
        assert page.locator("table.week tr[aria-current=date]").count() == 1
    page.locator(".map-small .leaflet-marker-icon.cov-point").wait_for(state="attached")
    w.shot("place-sheet", full_page=True)
    w.axe()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Imprimer la fiche").is_visible()
    w.shot("place-sheet-print", full_page=True)
    page.emulate_media(media="screen")

    # the prescriber opens the shared search URL: the same results
    other = page.context.new_page()
    other.goto(shared)
    assert " ".join(other.locator("#resultats").inner_text().split()) == heading
