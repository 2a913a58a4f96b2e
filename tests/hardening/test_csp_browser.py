"""Content-Security-Policy (issue 12, #15), in Debian's chromium: every main page sends the
policy and still works (maps drawn, Swagger UI loaded) with no violation reported, folium's
inline scripts included (they carry the response's nonce)."""

import re

import pytest
from django.test import Client

from actors.demo import DEMO_ACCOUNTS
from places.models import Place

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


@pytest.fixture
def watched(page, settings, server):
    """The page, with CSP violations and console errors recorded."""
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"  # no outside request
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error"
            and "/no-tiles-in-tests/" not in m.text
            and "Failed to load resource" not in m.text
            and "https://cdn.redoc.ly/" not in m.text  # see EXPECTED
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.add_init_script(COLLECT)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.errors = errors
    return page


# Redoc's "API docs by Redocly" badge is an image from its CDN: the policy blocks it on purpose
# (no request leaves the site); the documentation itself is drawn.
EXPECTED = {"img-src https://cdn.redoc.ly/redoc/logo-mini.svg :0"}


def visit(page, url, ready):
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.header_value("content-security-policy")
    # scripts from the site itself, inline ones only with this response's nonce (when it has any)
    assert policy and re.search(r"script-src 'self'( 'nonce-[^']+')?(;|$)", policy), policy
    page.wait_for_selector(ready, state="attached", timeout=20000)
    page.wait_for_timeout(300)  # late violations (tiles, popups) have time to be reported
    violations = [v for v in page.evaluate("window.__csp") if v not in EXPECTED]
    assert violations == [], (url, violations)
    assert page.errors == [], (url, page.errors)
    return policy


def barcelonnette_place_id():
    return (
        Place.objects.public()
        .filter(nom__icontains="Barcelonnette")
        .values_list("pk", flat=True)
        .first()
    )


@pytest.mark.parametrize(
    "path, ready",
    [
        ("/", "main h1"),
        ("/lieux/?commune=Barcelonnette", "#results-map .leaflet-marker-icon"),
        ("/couverture/04/", ".leaflet-overlay-pane path.leaflet-interactive"),
        ("/couverture/", "main table"),
        ("/tiles/", "#coverage-map[data-loaded='true']"),
        ("/api/docs/", "#swagger-ui .information-container"),
        ("/api/redoc/", "redoc h1, #redoc-container h1, .api-content h1"),
        ("/connexion/", "#id_username"),
        ("/admin/login/", "#id_username"),
    ],
)
def test_public_pages_work_under_the_policy(watched, server, path, ready):
    visit(watched, server + path, ready)


def test_a_place_sheet_with_its_map_and_print_button(watched, server):
    place_id = barcelonnette_place_id()
    assert place_id
    visit(watched, f"{server}/lieux/{place_id}/", ".map-small .leaflet-marker-icon")
    watched.evaluate("window.print = function () { window.__printed = true; }")
    watched.get_by_role("button", name="Imprimer la fiche").click()
    assert watched.evaluate("window.__printed") is True  # no inline onclick: site.js


def test_coverage_map_popups_and_layers_raise_no_violation(watched, server):
    visit(watched, server + "/couverture/04/", ".leaflet-overlay-pane path.leaflet-interactive")
    watched.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(3).click(force=True)
    watched.wait_for_selector(".leaflet-popup-content table", timeout=10000)
    watched.locator(".leaflet-control-layers-overlays input").last.check()
    watched.wait_for_timeout(300)
    assert watched.evaluate("window.__csp") == []


def test_signed_in_pages_work_under_the_policy(watched, server):
    username, password, _ = DEMO_ACCOUNTS["demo-001"]
    watched.goto(f"{server}/connexion/?next=/mon-reseau/04/")
    watched.fill("#id_username", username)
    watched.fill("#id_password", password)
    watched.click("button[type=submit]")
    watched.wait_for_url(f"{server}/mon-reseau/04/")
    for path, ready in [
        ("/mon-reseau/04/", "main h1"),
        ("/mon-equipe/", "main h1"),
        ("/mon-reseau/04/lieux/", "main h1"),
        ("/couverture/04/?perimetre=equipe", ".leaflet-overlay-pane path.leaflet-interactive"),
    ]:
        visit(watched, server + path, ready)


def test_a_cached_page_gets_each_response_its_own_nonce():
    """The département map is shared from the cache by anonymous visitors: each answer's
    scripts still carry the nonce of that answer's header."""
    client = Client()
    nonces = []
    for _ in range(2):
        response = client.get("/couverture/04/")
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        scripts = re.findall(rb"<script nonce=\"([^\"]+)\"", response.content)
        assert scripts and set(scripts) == {nonce.encode()}
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert b"<script>" not in response.content
