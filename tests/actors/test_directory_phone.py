"""The annuaire des acteurs on a phone (issue 11, journeys): its filters were a column of five
open fields above the results, so after filtering the results were below the fold and a
coordinator on a 390x844 phone saw the same form again. Now the filters are folded and grouped
as on the public search, and after submitting the heading that gives the count has the focus and
is in view, at both widths; on a wide screen the filters stay open beside the results."""

import re

import pytest

from tests.site.conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

COUNT = re.compile(r"^\d+ acteurs? — Médiateur numérique$")


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


def in_view(page, selector) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_after_filtering_the_count_is_in_view_with_the_focus(
    browser, server, artifacts_dir, viewport
):
    context = new_context(browser, viewport)
    try:
        page = context.new_page()
        page.goto(f"{server}/mon-reseau/04/acteurs/")
        filters = page.locator("details.filters")
        if viewport == "phone":
            assert filters.get_attribute("open") is None  # folded: the actors come first
            assert in_view(page, "#result-count")
            filters.locator("> summary").click()
        else:
            assert filters.get_attribute("open") is not None  # a column beside the results
        page.get_by_label("Rôle", exact=True).select_option(label="Médiateur numérique")
        page.get_by_role("button", name="Filtrer", exact=True).click()
        page.wait_for_load_state()
        assert "role=mediateur" in page.url
        heading = page.locator("#result-count")
        assert COUNT.match(" ".join(heading.inner_text().split())), heading.inner_text()
        assert in_view(page, "#result-count"), f"the count is out of view on the {viewport}"
        assert page.evaluate("() => document.activeElement.id") == "result-count"
        if viewport == "phone":
            assert filters.get_attribute("open") is None
            assert "(1 choisi)" in filters.locator("> summary").inner_text()
        folder = artifacts_dir / "actors"
        folder.mkdir(exist_ok=True)
        page.screenshot(path=str(folder / f"directory-filtered-{viewport}.png"))
    finally:
        context.close()
