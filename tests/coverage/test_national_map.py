"""The national map /tiles/ (issue 11 #9): threshold and basis controls, a département search,
a button for each overseas territory (La Réunion first on the demo: the most uncovered people),
and dots drawn on the same basis as the colours, which the legend names."""

import html
import json
import math
import re

import mapbox_vector_tile
import pytest

from coverage.querysets import mediation_points
from tests.towns import TOWNS

pytestmark = pytest.mark.django_db


def config(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-config="([^"]+)"', page).group(1)))


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_the_page_has_threshold_basis_and_the_legend_names_the_basis(client):
    page = client.get("/tiles/", {"seuil": "20", "base": "places"}).content.decode()
    conf = config(page)
    assert conf["communes"].endswith("?threshold_km=20&basis=places")
    assert conf["lieux"].endswith("?basis=places")  # dots on the colours' basis
    assert 'id="national-map-controls"' in page and 'name="seuil"' in page
    assert 'name="base"' in page and 'value="places" selected' in page
    legend = html.unescape(page[page.index('id="coverage-map-basis"') :])
    assert "Couleurs et points sur la même base : " in legend
    assert "tous les lieux recevant du public" in legend[:300]
    default = config(client.get("/tiles/").content.decode())
    assert default["communes"].endswith("?threshold_km=10&basis=mediators")
    assert default["lieux"].endswith("?basis=mediators")


def test_overseas_buttons_come_most_uncovered_first_and_work_without_javascript(client):
    page = html.unescape(client.get("/tiles/").content.decode())
    buttons = re.findall(r'name="departement" value="(\d+)" data-go-to', page)
    assert buttons[0] == "974"  # La Réunion: the demo's only loaded overseas département
    assert set(buttons) == {"971", "972", "973", "974", "976"}
    assert "La Réunion" in page and "hab. non couverts" in page
    reunion = config(client.get("/tiles/", {"departement": "974"}).content.decode())["start"]
    west, south, east, north = reunion
    assert 55.1 < west < east < 55.9 and -21.5 < south < north < -20.8


def test_a_departement_can_be_searched_and_a_bad_one_is_named(client):
    page = client.get("/tiles/").content.decode()
    assert 'role="search"' in page and 'list="departement-list"' in page
    assert '<option value="04 — Alpes-de-Haute-Provence">' in html.unescape(page)
    conf = config(page)
    west, south, east, north = conf["departements"]["04"]["bounds"]
    assert 5.4 < west < east < 7.0 and 43.6 < south < north < 44.7
    start = config(client.get("/tiles/", {"departement": "04"}).content.decode())["start"]
    assert start == conf["departements"]["04"]["bounds"]
    bad = client.get("/tiles/", {"departement": "99"})
    assert bad.status_code == 400 and "département inconnu « 99 »" in html.unescape(
        bad.content.decode()
    )


def test_the_dots_are_the_mediation_points_of_the_basis(client):
    lon, lat, *_ = TOWNS["digne"]
    z, x, y = tile_of(lon, lat, 9)

    def ids(query):
        response = client.get(f"/tiles/lieux/{z}/{x}/{y}.pbf{query}")
        assert response.status_code == 200
        features = mapbox_vector_tile.decode(response.content)["lieux"]["features"]
        return {feature["id"] for feature in features}

    everything, mediators = ids(""), ids("?basis=mediators")
    assert mediators and mediators < everything
    assert mediators <= set(mediation_points("mediators").values_list("pk", flat=True))
    assert ids("?basis=places") <= everything
    assert client.get(f"/tiles/lieux/{z}/{x}/{y}.pbf?basis=ecoles").status_code == 400
    assert client.get(f"/tiles/lieux/{z}/{x}/{y}.pbf?threshold_km=5").status_code == 400
    doc = json.loads(client.get("/tiles/lieux.json?basis=mediators").content)
    assert doc["tiles"][0].endswith("/tiles/lieux/{z}/{x}/{y}.pbf?basis=mediators")
