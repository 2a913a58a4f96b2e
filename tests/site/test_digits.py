"""Digits read as digits (issue 11, journeys): the site's typeface, Atkinson Hyperlegible, slashes
its zero and has no alternate, so "04400 Barcelonnette" read "Ø44ØØ". In Chromium, the zeros of a
place sheet's postal code are drawn from the site's own unslashed zero ("Maillage Zero", built by
scripts/make_zero_font.py from the typeface's zero) and every other character from the typeface."""

import pytest

from .conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def platform_fonts(page, selector):
    """The fonts Chromium actually drew a node's text with, and how many glyphs of each."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"]: f["glyphCount"] for f in fonts}


def test_a_postal_code_has_round_zeros(browser, server, settings, demo_place_id, artifacts_dir):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"
    context = new_context(browser, "phone")
    try:
        page = context.new_page()
        page.goto(f"{server}/lieux/{demo_place_id}/")
        page.evaluate("document.fonts.ready")
        postcode = page.locator("main p.address")
        postcode.evaluate("p => p.id = 'postcode-under-test'")
        fonts = platform_fonts(page, "#postcode-under-test")
        text = postcode.inner_text()
        zeros = text.count("0")
        assert zeros >= 2, text
        assert fonts.get("Maillage Zero") == zeros, fonts  # each zero from the unslashed one
        assert fonts.get("Atkinson Hyperlegible", 0) > 0, fonts  # the rest from the typeface
        postcode.screenshot(path=str(artifacts_dir / "site" / "postal-code-zeros.png"))
    finally:
        context.close()
