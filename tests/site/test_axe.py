"""axe-core on every main page of the site, at 1366x900 and 390x844: 0 violations of any impact.

axe-core comes from the npm registry, vendored with its licence in ``tests/site/vendor/`` (see its
README); Playwright evaluates it in each page as served, under the site's Content-Security-
Policy, once the page is drawn (maps included). Every rule axe enables by default runs (WCAG 2.x
A and AA, best practices). Each page is saved as a screenshot in test-artifacts/site/.
"""

from pathlib import Path

import pytest

from .conftest import VIEWPORTS, log_in, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()

RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160)),
  }));
}"""

MAP_READY = ".leaflet-overlay-pane path.leaflet-interactive"

PUBLIC_PAGES = [
    ("home", "/", "main h1"),
    ("search", "/lieux/?commune=Barcelonnette", "#results-map .leaflet-marker-icon"),
    ("place", "/lieux/{place}/", ".map-small .leaflet-marker-icon"),
    ("coverage-national", "/couverture/", "main table"),
    ("coverage-04", "/couverture/04/", MAP_READY),
    ("national-map", "/tiles/", "#coverage-map[data-loaded='true']"),
    ("network-picker", "/mon-reseau/", "main h1"),
    ("actors-directory", "/mon-reseau/04/acteurs/", "main h1"),
    ("places-directory", "/mon-reseau/04/lieux/", "main h1"),
    ("actor", "/acteurs/{actor}/", "main h1"),
    ("login", "/connexion/", "#id_username"),
    ("password-reset", "/mot-de-passe/oublie/", "#id_email"),
    ("password-reset-sent", "/mot-de-passe/oublie/envoye/", "main h1"),
    ("password-reset-new", "{reset}", "#id_new_password1"),
    ("password-reset-complete", "/mot-de-passe/nouveau/termine/", "main h1"),
    ("not-found", "/cette-page-n-existe-pas/", "main h1"),
    ("api-docs", "/api/docs/", "#swagger-ui .information-container"),
    ("api-redoc", "/api/redoc/", "#redoc-container h1"),
    ("ogc", "/ogc/", "main h1"),
]

SIGNED_IN_PAGES = [
    ("demo-001", "network-04", "/mon-reseau/04/", "main h1"),
    ("demo-001", "team", "/mon-equipe/", "main h1"),
    ("demo-001", "coverage-04-team", "/couverture/04/?perimetre=equipe", MAP_READY),
    ("demo-003", "profile", "/mon-profil/", "main h1"),
]


def axe_violations(page, url, ready, screenshot, status=200):
    response = page.goto(url)
    assert response is not None and response.status == status, url
    page.wait_for_selector(ready, state="attached", timeout=20000)
    page.wait_for_timeout(200)
    page.evaluate(AXE)
    violations = page.evaluate(RUN)
    screenshot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    return violations


def describe(violations):
    return "\n".join(
        f"- {v['rule']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


@pytest.fixture
def no_tiles(settings, server):
    settings.MAP_TILES_URL = server + "/no-tiles-in-tests/{z}/{x}/{y}.png"  # no outside request


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name, path, ready", PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_has_no_axe_violation(
    browser,
    server,
    no_tiles,
    demo_place_id,
    public_actor_id,
    reset_link,
    artifacts_dir,
    viewport,
    name,
    path,
    ready,
):
    url = server + path.format(place=demo_place_id, actor=public_actor_id, reset=reset_link)
    context = new_context(browser, viewport)
    try:
        page = context.new_page()
        shot = artifacts_dir / "site" / f"{name}-{viewport}.png"
        found = axe_violations(page, url, ready, shot, 404 if name == "not-found" else 200)
    finally:
        context.close()
    assert found == [], f"{url} at {VIEWPORTS[viewport]}:\n{describe(found)}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize(
    "account, name, path, ready", SIGNED_IN_PAGES, ids=[p[1] for p in SIGNED_IN_PAGES]
)
def test_signed_in_page_has_no_axe_violation(
    browser, server, no_tiles, artifacts_dir, viewport, account, name, path, ready
):
    context = new_context(browser, viewport)
    try:
        page = context.new_page()
        log_in(page, server, account)
        found = axe_violations(
            page, server + path, ready, artifacts_dir / "site" / f"{name}-{viewport}.png"
        )
    finally:
        context.close()
    assert found == [], f"{server}{path} at {VIEWPORTS[viewport]}:\n{describe(found)}"
