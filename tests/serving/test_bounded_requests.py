"""Every request bounded (issue 12 #2): the national communes layer comes in pages, random
thresholds share cached answers, an HTML page of OGC items shows at most 100 rows."""

import json
import re

import pytest

from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db
URL = "/api/v1/communes/"


def communes(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def link(body, rel):
    return next((item["href"] for item in body["links"] if item["rel"] == rel), None)


def test_communes_without_a_departement_come_in_pages_that_follow_each_other(client):
    total = Commune.objects.with_geometry().count()
    assert total > 250, "the demo territory has three départements"
    first = communes(client, page_size=100)
    assert first["numberMatched"] == total and first["numberReturned"] == 100
    assert len(first["features"]) == 100 and link(first, "prev") is None
    seen = [f["id"] for f in first["features"]]
    body = first
    while link(body, "next"):
        body = json.loads(client.get(link(body, "next")).content)
        seen += [f["id"] for f in body["features"]]
        assert link(body, "prev") and body["numberMatched"] == total
    assert seen == sorted(seen) and len(set(seen)) == total  # every commune once, in code order
    assert body["numberReturned"] == len(body["features"]) == (total % 100 or 100)


def test_a_departement_fits_one_page_by_default(client):
    body = communes(client, departement="04")
    assert body["numberMatched"] == body["numberReturned"] == len(body["features"]) == 198
    assert link(body, "next") is None
    assert "page=1" in link(body, "self") and "departement=04" in link(body, "self")


@pytest.mark.parametrize("size", ["0", "1001", "abc", "²"])
def test_page_size_over_1000_or_not_a_number_is_a_400_naming_it(client, size):
    response = client.get(URL, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in json.loads(response.content)["parameters"]


def test_a_page_after_the_last_is_empty_without_next(client):
    body = communes(client, departement="04", page=3, page_size=100)
    assert body["features"] == [] and body["numberMatched"] == 198
    assert link(body, "next") is None and link(body, "prev")


def test_the_schema_documents_the_pages(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    operation = json.loads(text)["paths"]["/api/v1/communes/"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert names["page_size"]["schema"]["maximum"] == 1000
    assert "page" in names and "0,5 km" in names["threshold_km"]["description"]


def test_random_thresholds_share_one_cached_answer(client, monkeypatch):
    from coverage.api import CommuneCoverageList

    first = communes(client, departement="04", threshold_km="7.3")
    assert {f["properties"]["threshold_km"] for f in first["features"]} == {7.5}

    def never(*args, **kwargs):
        raise AssertionError("built again for a threshold of the same half kilometre")

    monkeypatch.setattr(CommuneCoverageList, "_body", never)
    for value in ("7.4", "7.25", "7.50", "7.7"):
        assert communes(client, departement="04", threshold_km=value) == first
    assert "threshold_km=7.5" in link(first, "self")


def test_quantised_thresholds_are_the_tiles_and_ogc_variants_too(client):
    tile = client.get("/tiles/communes/8/132/92.pbf?threshold_km=7.3")
    same = client.get("/tiles/communes/8/132/92.pbf?threshold_km=7.4")
    assert tile.status_code == 200 and same["X-Tile-Cache"] == "hit"
    assert same["ETag"] == tile["ETag"]
    items = client.get("/ogc/collections/communes/items?threshold_km=12.2&limit=1")
    assert json.loads(items.content)["features"][0]["properties"]["threshold_km"] == 12.0


def test_an_html_page_of_ogc_items_shows_at_most_100_rows(client):
    response = client.get("/ogc/collections/communes/items?limit=10000&f=html")
    assert response.status_code == 200
    page = response.content.decode()
    assert len(re.findall(r"<tr><td><a href=", page)) == 100
    following = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "limit=100" in following and "offset=100" in following
    as_json = json.loads(client.get("/ogc/collections/communes/items?limit=10000").content)
    assert as_json["numberReturned"] == as_json["numberMatched"] > 250  # JSON keeps its limit
