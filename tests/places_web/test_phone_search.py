"""Public search on a phone (issue 11 #2): after submitting, the results come first.

A retired person in Barcelonnette, on a 390x844 phone, types her town, opens the folded filters,
ticks "Aide aux démarches administratives" and "Gratuit" and submits: the heading that announces
the count is in view and has the focus (a screen reader reads it), the filters are folded again
and say what was chosen. Screenshots at 1366x900 and 390x844 are saved as test artefacts.
"""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

HEADING = re.compile(r"^\d+ lieux? à moins de 20 km de Barcelonnette \(04\)$")


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


def search_as_a_person(page, server):
    page.goto(server + "/lieux/")
    page.get_by_label("Commune, code postal ou code INSEE").fill("Barcelonnette")
    filters = page.locator("details.filters")
    assert filters.get_attribute("open") is None  # folded at first
    filters.locator("> summary").click()
    page.get_by_label("Aide aux démarches administratives").check()
    page.get_by_label("Gratuit", exact=True).check()
    page.get_by_role("button", name="Voir les lieux").click()
    page.wait_for_selector("#resultats")


def heading_in_view(page) -> bool:
    return page.evaluate(
        """() => {
            const box = document.getElementById("resultats").getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }"""
    )


def test_on_a_phone_the_results_are_in_view_with_the_focus_after_submitting(
    server, browser, settings, artifacts_dir
):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"
    for width, height, name in ((390, 844, "phone"), (1366, 900, "desktop")):
        context = browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=width < 500
        )
        try:
            page = context.new_page()
            search_as_a_person(page, server)
            heading = page.locator("#resultats")
            assert HEADING.match(" ".join(heading.inner_text().split()))
            assert heading_in_view(page), f"results heading out of view on the {name}"
            assert page.evaluate("() => document.activeElement.id") == "resultats"
            assert page.locator("details.filters").get_attribute("open") is None
            chosen = page.locator(".chosen-filters").inner_text()
            assert "Aide aux démarches administratives" in chosen and "Gratuit" in chosen
            assert "(2 choisis)" in page.locator("details.filters > summary").inner_text()
            first = page.locator("#result-list > li").first
            assert "Barcelonnette" in first.inner_text()
            page.screenshot(path=str(artifacts_dir / f"places-search-{name}.png"))
            page.screenshot(
                path=str(artifacts_dir / f"places-search-{name}-full.png"), full_page=True
            )
        finally:
            context.close()
