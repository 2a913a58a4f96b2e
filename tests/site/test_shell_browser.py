"""The site shell in Chromium at 390x844 and 1366x900: the phone menu folds behind a disclosure
button (and every link is there without JavaScript), the home search leads to the places, no
page of the shell scrolls sideways on a phone, and the look is our own (logo, palette, type)."""

import pytest

from .conftest import log_in, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SHELL_PAGES = ["/", "/connexion/", "/mot-de-passe/oublie/", "/mot-de-passe/oublie/envoye/"]
# pages of the other apps: a wide table or form scrolls in its own box, never the whole page
OTHER_PAGES = ["/lieux/?commune=Barcelonnette", "/couverture/", "/couverture/04/", "/mon-reseau/"]


@pytest.fixture
def no_tiles(settings, server):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"  # no outside request


def header_height(page) -> float:
    return page.evaluate("() => document.querySelector('.site-header').offsetHeight")


def test_on_a_phone_the_menu_folds_behind_a_button(browser, server, artifacts_dir):
    context = new_context(browser, "phone")
    try:
        page = context.new_page()
        page.goto(server + "/")
        button = page.get_by_role("button", name="Menu")
        find = page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Trouver un lieu"
        )
        assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
        assert not find.is_visible()
        assert header_height(page) <= 80  # one row: the logo and the button
        page.screenshot(path=str(artifacts_dir / "site" / "menu-folded-phone.png"))

        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert find.is_visible()
        box = find.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300  # a full-width tap target
        page.screenshot(path=str(artifacts_dir / "site" / "menu-open-phone.png"))
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false" and not find.is_visible()
    finally:
        context.close()


def test_without_javascript_every_link_of_the_menu_is_shown(browser, server):
    context = new_context(browser, "phone", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "/")
        nav = page.get_by_role("navigation", name="Navigation principale")
        assert nav.get_by_role("link", name="Trouver un lieu").is_visible()
        assert nav.get_by_role("link", name="Se connecter").is_visible()
        assert page.locator("#nav-toggle").is_hidden()
    finally:
        context.close()


def test_on_a_desktop_the_menu_is_one_row_without_a_button(browser, server):
    context = new_context(browser, "desktop")
    try:
        page = context.new_page()
        page.goto(server + "/lieux/")
        assert page.locator("#nav-toggle").is_hidden()
        link = page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Trouver un lieu"
        )
        assert link.is_visible() and link.get_attribute("aria-current") == "page"
        assert header_height(page) <= 90
    finally:
        context.close()


def test_a_coordinator_finds_the_team_in_the_phone_menu(browser, server):
    context = new_context(browser, "phone")
    try:
        page = context.new_page()
        log_in(page, server, "demo-001")
        assert page.url == server + "/mon-reseau/04/"
        page.get_by_role("button", name="Menu").click()
        nav = page.get_by_role("navigation", name="Navigation principale")
        assert nav.get_by_role("link", name="Mon réseau").get_attribute("aria-current") == "page"
        nav.get_by_role("link", name="Mon équipe").click()
        page.wait_for_url(server + "/mon-equipe/")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_home_search_leads_to_the_places_near_the_commune(browser, server, viewport):
    context = new_context(browser, viewport)
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.get_by_label("Ma commune ou mon code postal").fill("Barcelonnette")
        page.get_by_role("button", name="Rechercher").click()
        page.wait_for_url("**/lieux/?commune=Barcelonnette**")
        heading = page.locator("#resultats")
        assert "de Barcelonnette (04)" in heading.inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("path", SHELL_PAGES + OTHER_PAGES)
def test_no_page_scrolls_sideways_on_a_phone(browser, server, no_tiles, path):
    context = new_context(browser, "phone")
    try:
        page = context.new_page()
        page.goto(server + path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
    finally:
        context.close()


def test_the_look_is_our_own(browser, server):
    """Our logo, palette and typeface; nothing of the State design system (Marianne, #000091)."""
    context = new_context(browser, "desktop")
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.wait_for_function("() => document.fonts.status === 'loaded'")
        logo = page.locator(".brand-mark")
        assert logo.get_attribute("src").endswith("img/maillage-mark.svg")
        assert page.evaluate("() => document.querySelector('.brand-mark').naturalWidth") > 0
        style = page.evaluate(
            """() => {
                const root = getComputedStyle(document.documentElement);
                return {
                    primary: root.getPropertyValue('--color-primary').trim(),
                    uncovered: root.getPropertyValue('--map-uncovered').trim(),
                    font: getComputedStyle(document.body).fontFamily,
                    loaded: document.fonts.check('16px "Atkinson Hyperlegible"'),
                    button: getComputedStyle(document.querySelector('.btn')).backgroundColor,
                };
            }"""
        )
        assert style["primary"] == "#0e5e5f" and style["uncovered"]
        assert style["font"].startswith('"Atkinson Hyperlegible"') and style["loaded"]
        assert "Marianne" not in style["font"]
        assert style["button"] == "rgb(14, 94, 95)"
        css = page.request.get(server + "/static/css/maillage.css").text()
        assert "Marianne" not in css and "#000091" not in css.lower()
    finally:
        context.close()
