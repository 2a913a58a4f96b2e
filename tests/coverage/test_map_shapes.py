"""The coverage map fetches its communes' shapes instead of carrying them in the page (issues 11
and 13: the first view of /couverture/<dép>/ under 1 s on national data at any threshold): one
answer per data version for every threshold, basis and view, revalidated by its ETag."""

import json
import re

import pytest

from geo_directory.territories.models import Commune
from tests.coverage.factories import make_mediator, make_place

pytestmark = pytest.mark.django_db


def shapes_url(html: str) -> str:
    return re.search(r'fetch\("([^"]+)"', html).group(1)


def test_the_page_names_the_shapes_it_fetches_and_carries_only_its_figures(client):
    html = client.get("/couverture/04/").content.decode()
    assert html.count('"coordinates"') == 1  # the département's outline only
    url = shapes_url(html)
    assert url.startswith("/couverture/04/communes.geojson?v=")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    codes = set(Commune.objects.filter(departement_id="04").values_list("code", flat=True))
    assert {feature["id"] for feature in collection["features"]} == codes
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in collection["features"])
    assert all(f["properties"] == {} for f in collection["features"])
    # each commune's figures of this threshold, by its code, for the browser to join
    assert re.search(r'"04019": \["cov-[a-z]+", "ifn-\d"', html)


def test_every_threshold_and_view_fetches_the_same_shapes_revalidated_by_their_etag(client):
    urls = {
        shapes_url(client.get("/couverture/04/", query).content.decode())
        for query in ({}, {"seuil_libre": "7.3"}, {"seuil": "30", "base": "places"})
    }
    assert len(urls) == 1
    first = client.get(urls.pop())
    again = client.get("/couverture/04/communes.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_write_changes_the_shapes_url_and_validator(client):
    html = client.get("/couverture/04/").content.decode()
    before = client.get(shapes_url(html))
    make_mediator(make_place("barcelonnette"))
    after_html = client.get("/couverture/04/").content.decode()
    assert shapes_url(after_html) != shapes_url(html)
    stale = client.get(shapes_url(after_html), HTTP_IF_NONE_MATCH=before["ETag"])
    assert stale.status_code == 200


def test_an_unknown_departement_has_no_shapes(client):
    assert client.get("/couverture/99/communes.geojson").status_code == 404
