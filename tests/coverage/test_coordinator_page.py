"""The coverage page as the coordinator of 04 reads it (issue 11 #3, #7, #10, #13): a folded
layer control, a legend for every mark in the palette, tappable suggested sites, distances in
km, priorities sortable without JavaScript, "mon équipe" beside "tout le monde", exports that
French Excel opens."""

import json
import re

import pytest

from actors.models import Actor
from coverage.reports import DepartementCoverage
from geo_directory import spreadsheet

pytestmark = pytest.mark.django_db

MARK = re.compile(r"\b(?:cov|ifn)-[a-z]+(?:-[a-z0-9]+)*\b")
# Classes that draw no mark of their own: the polygons' common class, the cluster's sizes.
NOT_MARKS = {"cov-commune", "cov-cluster-small", "cov-cluster-medium", "cov-cluster-large"}


def page(client, **query) -> str:
    response = client.get("/couverture/04/", query)
    assert response.status_code == 200
    return response.content.decode()


def map_script(html: str) -> str:
    scripts = re.findall(r"<script nonce=[^>]*>(.*?)</script>", html, re.S)
    return next(s for s in scripts if "L.map(" in s)


def legend(html: str) -> str:
    return re.search(r'<div class="map-legend" id="map-legend">(.*?)</aside>', html, re.S).group(1)


def table_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="table table-cards" id="priorities">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def number(text: str) -> float | None:
    digits = re.sub(r"[^\d,]", "", text).replace(",", ".")
    return float(digits) if digits else None


@pytest.fixture
def coordinator(client, demo_coordinator):
    client.force_login(demo_coordinator.user)
    return demo_coordinator


@pytest.fixture
def demo_coordinator():
    return Actor.objects.get(external_id="demo-001")


def test_the_layer_control_starts_folded(client):
    script = map_script(page(client))
    assert '"collapsed": true' in script and '"collapsed": false' not in script


@pytest.mark.parametrize("team", [False, True], ids=["tout le monde", "mon équipe"])
def test_the_legend_explains_every_mark_of_the_map_in_the_palette(client, coordinator, team):
    html = page(client, perimetre="equipe" if team else "tous", sites=3)
    script = map_script(html)
    drawn = set(MARK.findall(script)) - NOT_MARKS
    explained = set(MARK.findall(legend(html)))
    assert {"cov-point", "cov-cluster", "cov-site", "cov-uncovered", "cov-outline"} <= drawn
    assert drawn <= explained, f"marks without a legend: {drawn - explained}"
    # No colour of its own on the map: every mark is coloured by the palette's CSS classes,
    # and no marker is Leaflet's default blue pin.
    assert not re.findall(r"#[0-9a-fA-F]{6}\b", script)
    assert all("icon:" in call for call in re.findall(r"L\.marker\([^)]*\)[^;]*", script))
    assert "L.circleMarker" not in script and "tooltip" not in script.lower()
    if team:
        assert {"cov-team", "cov-others", "cov-point-other"} <= drawn


def test_suggested_sites_open_a_popup_on_tap(client):
    script = map_script(page(client, seuil=5, sites=2))
    sites = re.search(r"var sites = (\[.*?\]);", script).group(1)
    assert sites.count('"rank"') == 2 and "habitants couverts" in sites
    assert "bindPopup(box)" in script and "bindTooltip" not in script


def test_distances_are_in_km_with_a_french_decimal_comma(client):
    html = page(client)
    rows = table_rows(html)
    distances = [row[4] for row in rows]
    assert distances and all(re.fullmatch(r"\d+,\d\xa0km|—", d) for d in distances), distances
    assert "23,6\xa0km" in distances  # Barcelonnette, 23 636 m from France services Seyne
    assert not re.search(r"\d m</td>", html)


@pytest.mark.parametrize(
    "sort, order, column",
    [
        ("population", "desc", 2),
        ("ifn", "desc", 3),
        ("distance", "desc", 4),
        ("distance", "asc", 4),
    ],
)
def test_priorities_sort_on_the_server_by_population_ifn_and_distance(client, sort, order, column):
    rows = table_rows(page(client, tri=sort, ordre=order))
    values = [number(row[column]) for row in rows]
    known = [v for v in values if v is not None]
    assert len(known) > 5
    assert known == sorted(known, reverse=order == "desc")
    assert values[: len(known)] == known  # unknown values last
    ranked = DepartementCoverage.load("04", 10, "mediators").priorities(sort, order)
    assert [row[1].split()[-1] for row in rows] == [r["code_insee"] for r in ranked[: len(rows)]]


def test_sort_links_work_without_javascript_and_say_the_current_order(client):
    html = page(client, tri="ifn")
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert 'aria-sort="descending"' in head and head.count("aria-sort=") == 1
    ifn_link = re.search(r'<a href="([^"]+)">IFN', head).group(1)
    assert "tri=ifn" in ifn_link and "ordre=asc" in ifn_link and ifn_link.endswith("#priorites")
    assert re.search(r'<form method="get" action="#priorites" class="priority-sort"', html)
    assert client.get("/couverture/04/", {"tri": "nom"}).status_code == 400


def test_the_priorities_scroll_box_is_reachable_by_keyboard(client):
    html = page(client)
    box = re.search(r'<div class="table-scroll priorities-scroll"([^>]*)>', html).group(1)
    assert 'tabindex="0"' in box and 'role="region"' in box and "aria-labelledby=" in box
    label = re.search(r'aria-labelledby="([^"]+)"', box).group(1)
    assert f'id="{label}"' in html


def test_a_coordinator_sees_my_team_beside_everyone(client, coordinator):
    everyone = DepartementCoverage.load("04", 10, "mediators")
    mine = DepartementCoverage.load("04", 10, "mediators", Actor.objects.team_of(coordinator))
    html = page(client)  # "tout le monde" map, both figures
    for name, view in (("team", mine), ("everyone", everyone)):
        figure = re.search(rf'id="{name}-uncovered-communes">([^<]+)<', html).group(1)
        assert int(re.sub(r"\D", "", figure)) == view.summary()["uncovered_communes"]
    covered_by_team = {r["code_insee"] for r in mine.rows if r["covered"]}
    only_others = [
        r for r in everyone.rows if r["covered"] and r["code_insee"] not in covered_by_team
    ]
    assert only_others, "the demo team does not cover every commune others cover"
    assert re.search(r'id="only-others">(\d+)<', html).group(1) == str(len(only_others))
    assert 'href="?perimetre=equipe"' in html

    team_html = page(client, perimetre="equipe")
    script = map_script(team_html)
    # each commune's class is the first of its values, joined in the browser to its shape
    assert script.count('["cov-others",') == len(only_others)
    assert 'aria-current="page">Carte de mon équipe' in team_html


def test_my_team_page_links_to_its_coverage(client, coordinator):
    html = client.get("/mon-equipe/").content.decode()
    assert 'href="/couverture/04/?perimetre=equipe"' in html


def test_anonymous_visitors_see_no_team_figures(client):
    html = page(client, perimetre="equipe")
    assert 'id="team-uncovered-communes"' not in html and "cov-others" not in map_script(html)


def test_priorities_export_opens_in_french_excel(client):
    response = client.get("/couverture/04/priorites.csv", {"tri": "distance"})
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffrang;code_insee;nom;population;ifn;distance_km;")
    rows = spreadsheet.read(body)
    assert rows and all("," in r["distance_km"] or not r["distance_km"] for r in rows)
    distances = [float(r["distance_km"].replace(",", ".")) for r in rows if r["distance_km"]]
    assert distances == sorted(distances, reverse=True)  # the page's order
    barcelonnette = next(r for r in rows if r["code_insee"] == "04019")
    assert barcelonnette["distance_km"] == "23,6" and "," in barcelonnette["ifn"]
    assert "Médiation" in body or "é" in body  # accents survive (UTF-8)


def test_team_export_opens_in_french_excel(client, coordinator):
    body = client.get("/mon-equipe/export.csv").content.decode("utf-8")
    assert body.startswith("\ufeffprenom;nom;courriel;telephone;roles;lieux_activite")
    rows = spreadsheet.read(body)
    assert rows and all(re.fullmatch(r"0\d( \d\d){4}|", r["telephone"]) for r in rows)


def test_the_standard_csv_of_places_stays_as_the_standard_says(client):
    response = client.get("/api/v1/export/lieux.csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("id,") and ";" not in header


def test_my_team_figures_follow_a_change_of_team(client):
    """The team's coverage is kept per data version and members: removing the only member
    leaves the team covering nothing on the next view."""
    from tests.actors.factories import add_to_team, make_actor, make_coordinator, make_place

    digne = make_place("digne", "Médiathèque de Digne (équipe)")
    coordinator = make_coordinator(departements=["04"], employer=digne)
    member = make_actor("Seul", "Membre", places=[digne])
    add_to_team(coordinator, member)
    client.force_login(coordinator.user)

    def team_uncovered():
        html = page(client, perimetre="equipe")
        return int(re.sub(r"\D", "", re.search(r'id="team-uncovered-communes">([^<]+)<', html)[1]))

    before = team_uncovered()
    assert before < 198
    client.post(f"/mon-equipe/retirer/{member.pk}/")
    assert team_uncovered() == 198  # nobody left: every commune of 04 uncovered by the team


def test_a_coordinator_sees_every_mediation_point_on_the_everyone_map(client, coordinator):
    def points(html: str) -> list:
        return json.loads(re.search(r"var points = (\[.*?\]);", map_script(html)).group(1))

    signed_in = points(page(client, perimetre="tous"))
    team = points(page(client, perimetre="equipe"))
    client.logout()
    anonymous = points(page(client))
    assert signed_in == anonymous
    assert len(team) < len(anonymous)
