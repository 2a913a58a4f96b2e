"""The journeys of ../shared/JOURNEYS.md walked end to end in Chromium, as a new user would, at
1366x900 and 390x844: each step's page, form and click, the outcome a person would see asserted,
axe-core run on each page of the journey (0 violations of any impact) and a screenshot of each
step saved in test-artifacts/journeys/<journey>/<width>/NN-step.png.

One live server over the demo data and one browser per module (tests/conftest.py); a journey that
writes (invitations, a mediator's profile and places) puts the demo data back afterwards."""

import re
from pathlib import Path

import pytest

from tests.site.conftest import VIEWPORTS, log_in  # noqa: F401  (log_in: for the modules)

AXE = (Path(__file__).parents[1] / "site" / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .map(v => v.id + " (" + v.impact + "): " + v.help + " :: "
    + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
MAP_READY = ".leaflet-overlay-pane path.leaflet-interactive"


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


@pytest.fixture
def no_tiles(settings, server):
    """The base map from the live server (a 404 per tile): no request leaves the machine."""
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"


class Walk:
    """One journey at one width: a page, numbered screenshots, axe on each page."""

    def __init__(self, page, folder: Path, viewport: str):
        self.page, self.folder, self.viewport = page, folder, viewport
        self.steps = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    @property
    def phone(self) -> bool:
        return self.viewport == "phone"

    def shot(self, name: str, *, full_page: bool = False, element=None):
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{name}.png"
        if element is not None:
            element.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def axe(self):
        """axe-core on the page as it is now: 0 violations of any impact; and the page does
        not scroll sideways (on a phone, a wide table scrolls in its own box)."""
        wide = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 0, f"{self.page.url} is {wide} px wider than the {self.viewport}"
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE)
        found = self.page.evaluate(RUN_AXE)
        assert found == [], f"axe on {self.page.url} at {VIEWPORTS[self.viewport]}:\n" + "\n".join(
            found
        )

    def press(self, locator):
        """A tap on a phone, a click on a computer."""
        locator.scroll_into_view_if_needed()
        locator.tap() if self.phone else locator.click()

    def in_view(self, selector: str) -> bool:
        return self.page.evaluate(
            """(selector) => {
                const box = document.querySelector(selector).getBoundingClientRect();
                return box.top >= 0 && box.bottom <= window.innerHeight;
            }""",
            selector,
        )

    def number(self, selector: str) -> int:
        """A figure as the page prints it ("1 234", "12 345 habitants")."""
        text = self.page.locator(selector).first.inner_text()
        return int(re.sub(r"\D", "", text))


@pytest.fixture
def walk(browser, artifacts_dir, request):
    """``walk(journey, viewport)`` opens a context at that width (touch on a phone)."""
    contexts = []

    def start(journey: str, viewport: str, **extra) -> Walk:
        width, height = VIEWPORTS[viewport]
        context = browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
            locale="fr-FR",
            timezone_id="Europe/Paris",
            **extra,
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        folder = artifacts_dir / "journeys" / journey / f"{width}x{height}"
        return Walk(context.new_page(), folder, viewport)

    yield start
    for context in contexts:
        context.close()
