"""The uncached hot path of /api/v1/lieux/ (issue 13): a moving map's bbox and a "near me" point
cost one statement (the version and the page's rows), compile nothing per request, touch no
session."""

import json
import random
import re
from contextlib import contextmanager
from unittest import mock

import pytest
from csp import utils as csp_utils
from django import urls
from django.db import close_old_connections, connection, connections
from django.db.models.sql.compiler import SQLCompiler
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from geo_directory import cache as response_cache
from places import same_place
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


def test_a_versioned_page_reads_the_version_and_the_page_the_other_reads_give():
    for query in moved_queries(6, seed=5):
        search = PlaceFilter.from_query(QueryDict(query + "&page_size=4"))
        version, matched, features = pages.versioned_page(search)
        # the version exact to the microsecond (cache keys, ETag, Last-Modified)
        assert version == response_cache.version() and version.changed_at.tzinfo is not None
        assert (matched, features) == pages.whole_page(search, "default"), query


def test_a_versioned_page_without_any_write_yet_has_version_zero_and_its_rows():
    search = PlaceFilter.from_query(QueryDict("near=6.2357,44.0925&radius_km=30&page_size=3"))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {response_cache.VERSION_TABLE}")
    assert response_cache.version() == response_cache.Version(0, None)
    version, matched, features = pages.versioned_page(search)
    assert version == response_cache.Version(0, None)
    assert (matched, features) == pages.whole_page(search, "default") and matched > 3


@pytest.mark.parametrize(
    "query",
    [
        "near=6.2357,44.0925&radius_km=30",  # Digne: a shape compiled once, prepared
        "near=5.93,44.19&radius_km=40&frais_a_charge=Gratuit",  # with a filter: compiled now
        "near=-30.0,45.0&radius_km=5",  # the Atlantic: no match
    ],
)
def test_the_search_pages_read_is_the_places_version_and_the_querysets_matches(query):
    search = PlaceFilter.from_query(QueryDict(query))
    expected = [
        (pk, pytest.approx(metres.m, abs=1e-6))
        for pk, metres in PlaceFilterSet.narrow(PLACES.rows(), search.values).values_list(
            "pk", "distance"
        )
    ]
    row, matches = pages.nearest(search, same_place.VERSION_SQL)
    assert same_place.stamp_of(row) == same_place.stamp()
    assert [(pk, metres) for pk, metres in matches] == expected, query
    assert pages.nearest(search) == (None, matches)


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


def test_a_moved_bbox_costs_one_statement_and_compiles_nothing(client):
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
        # the version and the page's rows in one statement (their Features: from the cache)
        assert len(queries) == 1, [q["sql"][:80] for q in queries]
        assert "coverage_directoryversion" in queries[0]["sql"]
        assert as_sql.call_count == 0, query


def test_an_anonymous_api_read_touches_no_session(client):
    response = client.get(f"{URL}?bbox=5.9,43.9,6.5,44.3")
    assert response.status_code == 200
    assert not response.cookies
    vary = [part.strip().lower() for part in response["Vary"].split(",")]
    assert "cookie" not in vary and {"accept", "accept-encoding"} <= set(vary)


# The headers of an API GET as the code before issue 13's fixed-cost work answered them
# (recorded from it; the policy's directives sorted: django-csp orders them by a set).
RECORDED_HEADERS = {
    "Content-Type": "application/geo+json",
    "Cache-Control": "public, no-cache",
    "Vary": "Accept, Accept-Encoding, Accept-Language, origin",
    "Allow": "GET, HEAD, OPTIONS",
    "X-Frame-Options": "DENY",
    "Content-Language": "fr",
    "Content-Encoding": "gzip",
    "access-control-allow-origin": "*",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
RECORDED_POLICY = [
    "base-uri 'self'",
    "connect-src 'self' https://*.tile.openstreetmap.fr",
    "default-src 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data: blob: https://*.tile.openstreetmap.fr",
    "object-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "worker-src 'self' blob:",
]
BROWSER = {
    "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8",
    "HTTP_ORIGIN": "https://exemple.org",
    "HTTP_ACCEPT_ENCODING": "gzip",
}


def test_an_api_get_keeps_the_recorded_headers_and_builds_no_policy_nor_route(client, settings):
    settings.COSTLY_CONCURRENCY = 2  # the admission on, as served
    url = f"{URL}?near=5.93,44.19&radius_km=20&page_size=10"
    client.get(url, **BROWSER)  # this worker's first: the policy and the route, once
    with (
        mock.patch("csp.middleware.build_policy", wraps=csp_utils.build_policy) as policy,
        mock.patch("geo_directory.csp.build_policy", wraps=csp_utils.build_policy) as ours,
        mock.patch("geo_directory.admission.resolve", wraps=urls.resolve) as resolve,
        mock.patch.object(
            translation, "get_language_from_request", wraps=translation.get_language_from_request
        ) as language,
    ):
        response = client.get(url, **BROWSER)
    assert response.status_code == 200
    headers = dict(response.items())
    policy_text = headers.pop("Content-Security-Policy")
    for name in ("ETag", "Last-Modified", "Content-Length"):  # the data's, the gzip's
        headers.pop(name)
    assert headers == RECORDED_HEADERS
    assert sorted(policy_text.split("; ")) == RECORDED_POLICY
    assert not response.cookies
    # built once per worker, not per request (django-csp built it twice, report-only included)
    assert policy.call_count == ours.call_count == 0
    assert resolve.call_count == 0  # the admission's route of this path: remembered
    assert language.call_count == 0  # one language: no cookie nor Accept-Language parsed


def test_a_page_still_gets_a_nonce_in_its_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"'.encode() in response.content
    assert client.get("/")["Content-Security-Policy"] != policy  # a fresh nonce each time


@contextmanager
def own_connection():
    """The default connection as a worker has it: its own, in autocommit (not the test's
    transaction; the demo data is committed), started over by each request. Yields it and the
    test's own connection."""
    original = connections["default"]
    # kept between requests, as served (the tests' settings close it after each request)
    fresh = original.__class__({**original.settings_dict, "CONN_MAX_AGE": 60}, alias="default")
    connections["default"] = fresh
    try:
        yield fresh, original
    finally:
        fresh.close()
        connections["default"] = original


NEAR_ME = f"{URL}?near=5.93,44.19&radius_km=20&page_size=10"


def test_an_uncached_near_me_request_is_one_statement_and_no_health_check(client):
    with own_connection() as (db, _test_db):
        client.get(NEAR_ME)  # this worker's first of the shape
        client.get(f"{URL}?bbox=5.5,43.5,7.0,44.7&page_size=1000")  # the area's Features
        with mock.patch.object(
            type(db), "is_usable", autospec=True, wraps=type(db).is_usable
        ) as is_usable:
            for point in ("5.95,44.17", "5.91,44.21", "6.02,44.1"):
                close_old_connections()  # what a request's start does (the test client not)
                statements = []

                def seen(run, sql, *args, statements=statements):
                    statements.append(sql)
                    return run(sql, *args)

                with db.execute_wrapper(seen):
                    response = client.get(NEAR_ME.replace("5.93,44.19", point))
                assert response.status_code == 200 and json.loads(response.content)["features"]
                # the version (also the connection's check) and the page's ids; no SELECT 1
                assert len(statements) == 1, [q[:70] for q in statements]
                assert response_cache.VERSION_TABLE in statements[0]
                assert is_usable.call_count == 0


def test_a_connection_dropped_by_postgis_is_replaced_at_the_version_read(client):
    with own_connection() as (db, test_db):
        assert client.get(NEAR_ME).status_code == 200
        pid = db.connection.info.backend_pid
        with test_db.cursor() as cursor:  # as a PostGIS restart would
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        close_old_connections()
        response = client.get(NEAR_ME.replace("5.93", "5.94"))
        assert response.status_code == 200, response.content[:200]
        assert db.connection.info.backend_pid != pid


def test_a_shapes_statements_are_prepared_once_per_connection(client):
    """PostgreSQL plans a moving map's statements once per connection (psycopg prepared
    nothing while Django's connection had no prepare threshold, even when asked)."""
    for point in ("5.95,44.17", "5.91,44.21", "6.02,44.1", "5.99,44.13", "5.97,44.2", "6.0,44.16"):
        assert client.get(NEAR_ME.replace("5.93,44.19", point)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%page.page_id%distance%"],
        )
        executions = [row[0] for row in cursor.fetchall()]
    assert executions and max(executions) >= 6, executions
