"""The uncached hot path of /api/v1/lieux/ (issue 13): a moving map's bbox and a "near me" point
cost one statement after the version, compile nothing per request, touch no session."""

import json
import random
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from geo_directory import cache as response_cache
from places.api import pages
from places.filters import PlaceFilter, PlaceFilterSet
from places.layer import PLACES
from places.models import Place

pytestmark = pytest.mark.django_db
URL = "/api/v1/lieux/"
DIGNE = (6.2357, 44.0925)


def moved_queries(count: int, seed: int = 4):
    """Random bboxes and points around Digne-les-Bains, as a panning map sends them."""
    rng = random.Random(seed)
    for _ in range(count):
        dx, dy = rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)
        lon, lat = DIGNE[0] + dx, DIGNE[1] + dy
        size = rng.uniform(0.05, 0.6)
        yield f"bbox={lon - size:.4f},{lat - size:.4f},{lon + size:.4f},{lat + size:.4f}"
        yield f"near={lon:.5f},{lat:.5f}&radius_km={rng.uniform(0.5, 40):.2f}"
        yield f"near={lon:.5f},{lat:.5f}"
        yield f"near={lon:.4f},{lat:.4f}&bbox={lon - size:.4f},{lat - size:.4f},{lon:.4f},{lat:.4f}"


def test_a_swapped_statement_is_the_one_the_orm_compiles_for_the_request():
    for query in moved_queries(15):
        search = PlaceFilter.from_query(QueryDict(query + "&page=2&page_size=7"))
        sql, params, shared = pages._matches_sql(search)
        assert shared and (sql, params) == pages._compiled(search.values), query


def test_the_page_and_its_count_are_the_querysets_and_its_text_the_one_statement():
    version = response_cache.version()
    for query in moved_queries(10, seed=9):
        search = PlaceFilter.from_query(QueryDict(query + "&page_size=5"))
        matches = PlaceFilterSet.narrow(PLACES.rows(), search.values)
        matched, features = pages.page(search, version)  # features from the cache, mostly
        assert (matched, features) == pages.whole_page(search, "default"), query
        ids = [feature["id"] for feature in json.loads(f"[{features}]")]
        assert matched == matches.count(), query
        assert ids == list(matches.values_list("pk", flat=True)[:5]), query


def test_a_write_is_seen_by_the_next_page():
    search = PlaceFilter.from_query(QueryDict("near=6.2357,44.0925&radius_km=30&page_size=1"))
    before = json.loads(pages.page(search, response_cache.version())[1])
    Place.objects.filter(pk=before["id"]).update(nom="Médiathèque renommée")
    after = json.loads(pages.page(search, response_cache.version())[1])
    assert after["id"] == before["id"] and after["properties"]["nom"] == "Médiathèque renommée"


def test_a_page_past_the_last_match_still_says_how_many_match(client):
    query = "near=6.2357,44.0925&radius_km=30"
    data = json.loads(client.get(f"{URL}?{query}&page=500").content)
    assert data["features"] == [] and data["numberReturned"] == 0
    search = PlaceFilter.from_query(QueryDict(query))
    assert data["numberMatched"] == PlaceFilterSet.narrow(PLACES.rows(), search.values).count() > 0


def test_a_moved_bbox_costs_the_version_and_one_statement_and_compiles_nothing(client):
    # This worker's first of each shape, and the Features of the area (kept per version).
    client.get(f"{URL}?bbox=5.5,43.5,7.0,44.7&page_size=1000")
    client.get(f"{URL}?near=5.93,44.19&radius_km=20&page_size=10")
    for query in ("bbox=5.91,43.95,6.45,44.31&page_size=100", "near=5.97,44.12&radius_km=20"):
        with (
            CaptureQueriesContext(connection) as queries,
            mock.patch.object(
                SQLCompiler, "as_sql", autospec=True, wraps=SQLCompiler.as_sql
            ) as as_sql,
        ):
            response = client.get(f"{URL}?{query}")
        assert response.status_code == 200
        assert json.loads(response.content)["numberMatched"] > 0
        # the version, the page's rows (their Features: from the cache)
        assert len(queries) == 2, [q["sql"][:80] for q in queries]
        assert as_sql.call_count == 0, query


def test_an_anonymous_api_read_touches_no_session(client):
    response = client.get(f"{URL}?bbox=5.9,43.9,6.5,44.3")
    assert response.status_code == 200
    assert not response.cookies
    vary = [part.strip().lower() for part in response["Vary"].split(",")]
    assert "cookie" not in vary and {"accept", "accept-encoding"} <= set(vary)
