"""Coverage pages (French): the département map with its figures, priorities, exports, sites."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from pyproj import Geod

from coverage.reports import DepartementCoverage
from geo_directory import spreadsheet
from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db


def stat(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">([\d\s\u202f\xa0]+)<', html)
    return int(re.sub(r"\D", "", match.group(1)))


def test_map_of_04_shows_the_same_figures_as_the_api(client):
    response = client.get("/couverture/04/", {"seuil": "20", "base": "places"})
    assert response.status_code == 200
    html = response.content.decode()
    api = client.get("/api/v1/couverture/departements/04/", {"threshold_km": 20, "basis": "places"})
    figures = api.json()
    assert stat(html, "uncovered-communes") == figures["uncovered_communes"]
    assert stat(html, "uncovered-population") == figures["uncovered_population"]
    assert "Couverture des communes · Alpes-de-Haute-Provence" in html
    assert "maximum de couverture glouton" in html
    at_5km = client.get("/couverture/04/", {"seuil": "5", "sites": "2"}).content.decode()
    sites = re.search(r'id="sites">(.*?)</ol>', at_5km, re.S).group(1)
    assert len(re.findall(r"\+[\d\s\u202f\xa0]+ habitants couverts", sites)) == 2
    # Assets are served by the project, never by a CDN.
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/vendor/leaflet" in html and "markerClusterGroup" in html


def test_page_weight_of_04_stays_under_a_megabyte_and_a_half(client, settings):
    from django.contrib.staticfiles import finders

    response = client.get("/couverture/04/")
    html = response.content
    assets = re.findall(rb'(?:src|href)="/static/([^"?]+)"', html)
    total = len(html) + sum(len(open(finders.find(a.decode()), "rb").read()) for a in assets)
    assert len(assets) >= 4
    assert total < 1_500_000, total


def test_priorities_are_uncovered_communes_by_population_then_ifn(client):
    view = DepartementCoverage.load("04", 5, "mediators")
    ranked = view.priorities()
    assert ranked and all(not row["covered"] for row in ranked)
    populations = [row["population"] or 0 for row in ranked]
    assert populations == sorted(populations, reverse=True)
    response = client.get("/couverture/04/priorites.csv", {"seuil": "5"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = spreadsheet.read(response.content.decode())
    assert [r["code_insee"] for r in rows] == [r["code_insee"] for r in ranked]
    geo = client.get("/couverture/04/priorites.geojson", {"seuil": "5"})
    assert geo["Content-Type"].startswith("application/geo+json")
    features = json.loads(geo.content)["features"]
    assert [f["id"] for f in features] == [r["code_insee"] for r in ranked]
    assert features[0]["properties"]["rang"] == 1


def test_suggested_sites_cover_uncovered_people_greedily():
    view = DepartementCoverage.load("04", 5, "mediators")
    plan = view.plan(3)
    assert 1 <= len(plan.sites) <= 3
    gains = [site.gain for site in plan.sites]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    assert plan.uncovered_after == plan.uncovered_before - sum(gains)
    uncovered = {
        row["code_insee"]: row["population"] or 0 for row in view.rows if not row["covered"]
    }
    assert plan.uncovered_before == sum(uncovered.values())
    first = plan.sites[0]
    assert sum(uncovered[c] for c in first.communes) == first.gain
    # Checked independently: no commune's reference point alone covers more people.
    geod = Geod(ellps="WGS84")
    points = {c.code: c.reference_point for c in Commune.objects.in_departement("04")}
    best = 0
    for candidate in points.values():
        best = max(
            best,
            sum(
                population
                for code, population in uncovered.items()
                if geod.inv(candidate.x, candidate.y, points[code].x, points[code].y)[2] <= 5000
            ),
        )
    assert first.gain == best


def test_suggest_sites_command_prints_the_plan():
    out = io.StringIO()
    call_command("suggest_sites", departement="04", threshold_km=5, sites=2, stdout=out)
    text = out.getvalue()
    assert "habitants couverts" in text and "glouton" in text
    assert "Population encore non couverte" in text
    with pytest.raises(CommandError, match="--sites"):
        call_command("suggest_sites", departement="04", sites=11)
    with pytest.raises(CommandError, match="--departement"):
        call_command("suggest_sites", departement="99")


def test_compute_coverage_command_reports_both_bases():
    out = io.StringIO()
    call_command("compute_coverage", departement="974", stdout=out)
    assert "24 communes" in out.getvalue() and "base places" in out.getvalue()
    with pytest.raises(CommandError, match="--departement"):
        call_command("compute_coverage", departement="99")


@pytest.mark.parametrize(
    "query", [{"seuil": "abc"}, {"seuil": "autre", "seuil_libre": "500"}, {"sites": "42"}]
)
def test_bad_controls_give_a_400_page_naming_the_field(client, query):
    response = client.get("/couverture/04/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Paramètres invalides" in html and next(iter(query)) in html
    assert client.get("/couverture/04/priorites.csv", query).status_code == 400


def test_national_table_links_each_departement_and_sorts(client):
    response = client.get("/couverture/", {"tri": "population", "ordre": "asc"})
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("04", "05", "974"):
        assert f'href="/couverture/{code}/' in html
    order = re.findall(r'<a href="/couverture/(\d+)/', html)
    populations = {
        code: sum(c.population or 0 for c in Commune.objects.in_departement(code)) for code in order
    }
    assert [populations[c] for c in order] == sorted(populations.values())
    assert client.get("/couverture/", {"tri": "nope"}).status_code == 400


def test_unknown_departement_page_is_404(client):
    assert client.get("/couverture/99/").status_code == 404


def test_my_team_view_counts_only_the_places_of_my_team(client, django_user_model):
    from actors.models import Actor, TeamMembership

    from .factories import make_mediator, make_place

    user = django_user_model.objects.create_user("coordo-couverture", password="x-Long-pass-1")
    coordinator = Actor.objects.create(
        user=user,
        first_name="Dominique",
        last_name="Coordo",
        roles=["coordinateur"],
        is_validated=True,
        is_fictional=True,
    )
    place = make_place("tallard", suffix=" (équipe)")
    place.location = Commune.objects.get(code="04037").reference_point  # Le Caire
    place.save()
    member = make_mediator(place).actor
    TeamMembership.objects.create(
        coordinator=coordinator, member=member, start_date=place.created_at.date()
    )
    everyone = DepartementCoverage.load("04", 10, "mediators")
    mine = DepartementCoverage.load("04", 10, "mediators", Actor.objects.team_of(coordinator))
    rows = {row["code_insee"]: row for row in mine.rows}
    assert rows["04037"]["has_place_inside"] and rows["04037"]["nearest_place_id"] == place.pk
    assert {row["nearest_place_id"] for row in mine.rows} == {place.pk}
    assert mine.summary()["uncovered_communes"] > everyone.summary()["uncovered_communes"]

    anonymous = client.get("/couverture/04/", {"perimetre": "equipe"}).content.decode()
    assert 'name="perimetre"' not in anonymous and "Vue « mon équipe »" not in anonymous
    assert stat(anonymous, "uncovered-communes") == everyone.summary()["uncovered_communes"]
    client.force_login(user)
    page = client.get("/couverture/04/", {"perimetre": "equipe"}).content.decode()
    assert 'name="perimetre"' in page and "Vue « mon équipe »" in page
    assert stat(page, "uncovered-communes") == mine.summary()["uncovered_communes"]


@pytest.mark.parametrize(
    "url",
    [
        "/couverture/04%00/",
        "/couverture/..%2F04/",
        "/couverture/04/?seuil_libre=1e400",
        "/couverture/04/?seuil=autre&seuil_libre=-5",
        "/couverture/04/?sites=0",
        "/couverture/04/?base=%00",
        "/couverture/04/?perimetre=admin",
        "/couverture/?ordre=%27%3B",
        "/api/v1/couverture/departements/04%00/",
        "/api/v1/communes/?departement=0%004",
        "/api/v1/communes/?threshold_km=1e400",
    ],
)
def test_hostile_input_never_gets_a_500(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)


def test_national_page_shows_the_map_of_france_at_the_same_threshold(client):
    html = client.get("/couverture/", {"seuil": "20", "base": "places"}).content.decode()
    assert 'id="coverage-map"' in html
    assert "threshold_km=20" in html and "basis=places" in html
    assert "maplibre-gl.js" in html and "unpkg" not in html
