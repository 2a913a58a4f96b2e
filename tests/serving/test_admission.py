"""Costly kinds of requests run a few at a time across the workers (geo_directory/admission.py):
another one is a quick 503 with Retry-After, so no client can hold every worker; cheap kinds and
writes are never held back, vector tiles only once their client has spent its budget of work,
and a slot is always given back."""

import json

import pytest
from django.test import Client, RequestFactory

from geo_directory import admission
from geo_directory import cache as response_cache

pytestmark = pytest.mark.django_db
COMMUNES_04 = "/api/v1/communes/?departement=04"


@pytest.fixture
def every_kind_costly(settings, tmp_path):
    """Any kind already built counts as costly (the demo data is too small to be slow); nothing
    kept from another test (a kept answer teaches no cost), slots and tile budgets of its own
    (a budget spent by an earlier run is still spent)."""
    settings.LOCAL_CACHE_DIR = str(tmp_path)
    response_cache.clear()
    admission.COSTS.clear()
    settings.COSTLY_MS = 0
    settings.COSTLY_CONCURRENCY = 1
    yield
    admission.COSTS.clear()


@pytest.fixture
def slot_taken(every_kind_costly):
    """Another worker busy with a costly answer: it holds the only slot."""
    fd = admission.acquire()
    assert fd is not None and fd >= 0
    yield
    admission.release(fd)


def test_a_costly_kind_is_a_quick_503_while_another_one_runs(client, every_kind_costly):
    assert client.get(COMMUNES_04).status_code == 200  # learnt: this kind is costly
    fd = admission.acquire()
    try:
        response = client.get(COMMUNES_04 + "&threshold_km=20")
        assert response.status_code == 503 and response["Retry-After"] == "2"
        body = json.loads(response.content)
        assert body["error"] == "busy" and "réessayez" in body["detail"]
    finally:
        admission.release(fd)
    assert client.get(COMMUNES_04 + "&threshold_km=20").status_code == 200


def test_ogc_and_pages_say_it_in_their_own_shape(client, every_kind_costly):
    items, page = "/ogc/collections/communes/items?limit=5", "/couverture/04/"
    assert client.get(items).status_code == client.get(page).status_code == 200
    fd = admission.acquire()
    try:
        ogc = client.get(items)  # built each time: waits its turn
        assert ogc.status_code == 503
        assert json.loads(ogc.content)["code"] == "ServiceUnavailable"
        assert client.get(page).status_code == 200  # kept: served to anyone, nothing to build
        html = client.get(page + "?seuil=autre&seuil_libre=17")  # a new one to build waits
        assert html.status_code == 503 and "réessayez dans quelques secondes" in html.text
    finally:
        admission.release(fd)


def test_cheap_kinds_and_writes_are_never_held_back(client, settings, slot_taken):
    settings.COSTLY_MS = 10_000  # nothing took that long: no kind is costly
    assert client.get(COMMUNES_04).status_code == 200
    settings.COSTLY_MS = 0
    client.get("/connexion/")
    assert client.get("/connexion/").status_code == 503  # a costly GET waits its turn
    login = client.post("/connexion/", {"username": "personne", "password": "x"})
    assert login.status_code != 503  # a POST never does
    for _ in range(2):  # a map asks for a dozen tiles at once: none is refused
        assert client.get("/tiles/communes/8/132/92.pbf").status_code == 200


def test_every_answer_gives_its_slot_back(client, every_kind_costly):
    for _ in range(3):
        assert client.get(COMMUNES_04).status_code == 200
        csv = client.get("/api/v1/lieux/?format=csv&departement=04")
        assert csv.status_code == 200 and b"".join(csv.streaming_content)  # sent: slot back
    fd = admission.acquire()  # free again: nothing kept it
    assert fd is not None
    admission.release(fd)


def test_a_slow_kind_does_not_hold_back_a_quick_one_of_the_same_route(client, settings):
    """Slow text searches make the places API's text search costly, never its "near me"."""
    admission.COSTS.clear()
    settings.COSTLY_CONCURRENCY, settings.COSTLY_MS = 1, 150
    admission.COSTS.observe(("api/v1/lieux/", None, ("page_size", "q")), 2.0)  # seen slow
    near = "/api/v1/lieux/?near=6.2357,44.0925&page_size=10"
    assert client.get(near).status_code == 200  # learnt: quick
    fd = admission.acquire()
    try:
        assert client.get(near.replace("6.2357", "6.24")).status_code == 200
        assert client.get("/api/v1/lieux/?q=digne&page_size=10").status_code == 503
        other = client.get("/api/v1/lieux/?near=6.2,44.1&page_size=10&radius_km=5")
        assert other.status_code == 503  # names not seen yet: judged by the route, slow lately
    finally:
        admission.release(fd)
        admission.COSTS.clear()


def test_a_client_flooding_costly_tiles_spends_its_budget_then_waits(every_kind_costly, settings):
    """Tiles are not held to the slots but to a budget of work per client: beyond it the
    flooder's tiles are a 503 saying when to come back, another client's tiles are served."""
    settings.TILE_BURST_S = 0.0001
    settings.TILE_SHARE = 0.0001  # (almost) no refill in this test
    tile = "/tiles/communes/8/132/92.pbf"
    flooder = Client(REMOTE_ADDR="203.0.113.9")
    assert flooder.get(tile).status_code == 200  # learnt: costly
    assert flooder.get(tile + "?basis=places").status_code == 200  # within the budget: spent
    refused = flooder.get(tile + "?basis=mediators")
    assert refused.status_code == 503
    assert int(refused["Retry-After"]) >= 1
    assert "tuiles" in json.loads(refused.content)["detail"]
    assert Client(REMOTE_ADDR="198.51.100.3").get(tile).status_code == 200  # another client


def test_a_tile_budget_refills_with_time(every_kind_costly, settings):
    settings.TILE_BURST_S, settings.TILE_SHARE = 2.0, 0.5
    assert admission.tile_budget("ip:203.0.113.10", spent=3.0) == pytest.approx(-1.0, abs=0.01)
    level = admission.tile_budget("ip:203.0.113.10")
    assert -1.0 < level < -0.9  # refilled at half a second per second since
    assert admission.tile_budget("ip:203.0.113.11") == 2.0  # another client: full


def test_kept_answers_teach_nothing_of_a_kinds_cost(client, settings):
    """A flood of new parameters meets answers already kept between its costly ones: those,
    and 304s, must not make its kind pass as cheap (bench/abuse.py's victim waited behind two
    costly builds at once when they did)."""
    admission.COSTS.clear()
    settings.COSTLY_CONCURRENCY, settings.COSTLY_MS = 1, 150
    path = "/api/v1/couverture/departements/?threshold_km=12&basis=places"
    kind = ("api/v1/couverture/departements/", None, ("basis", "threshold_km"))
    try:
        first = client.get(path)  # built here: its (quick, demo) time is learnt
        assert first.status_code == 200
        admission.COSTS.observe(kind, 2.0)  # then seen slow, as its builds are nationally
        for _ in range(12):  # the same answer again and again: served from the cache
            assert client.get(path).status_code == 200
        assert admission.COSTS.costly(kind)
        fd = admission.acquire()
        try:  # still held to the slots: another new threshold waits its turn
            busy = client.get(path.replace("12", "13"))
            assert busy.status_code == 503
        finally:
            admission.release(fd)
    finally:
        admission.COSTS.clear()


def test_a_revalidation_teaches_nothing_either(client, settings):
    admission.COSTS.clear()
    settings.COSTLY_CONCURRENCY, settings.COSTLY_MS = 1, 150
    path = "/api/v1/lieux/?near=6.2357,44.0925&page_size=10"
    kind = ("api/v1/lieux/", None, ("near", "page_size"))
    try:
        first = client.get(path)
        admission.COSTS.observe(kind, 2.0)
        for _ in range(12):
            assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        assert admission.COSTS.costly(kind)
    finally:
        admission.COSTS.clear()


def test_a_built_answer_is_learnt(client, settings):
    admission.COSTS.clear()
    settings.COSTLY_CONCURRENCY, settings.COSTLY_MS = 1, 150
    kind = ("api/v1/couverture/departements/", None, ("basis", "threshold_km"))
    try:
        admission.COSTS.observe(kind, 2.0)
        for km in range(21, 51):  # each one new: built, quickly on the demo
            path = f"/api/v1/couverture/departements/?threshold_km={km}&basis=places"
            assert client.get(path).status_code == 200
        assert not admission.COSTS.costly(kind)  # cheap again, after many quick builds
    finally:
        admission.COSTS.clear()


def test_a_few_quick_builds_do_not_make_a_slow_kind_cheap():
    """Slow and quick builds mixed (bench/abuse.py's floods of random thresholds: some out of
    range, a 400 at once): the kind stays costly, its cost rises fast and falls slowly."""
    admission.COSTS.clear()
    kind = ("couverture/<dep:code>/", None, ("seuil", "seuil_libre", "sites"))
    try:
        for _ in range(10):
            admission.COSTS.observe(kind, 0.175)
            for _ in range(4):  # four quick ones between two slow ones
                admission.COSTS.observe(kind, 0.003)
            assert admission.COSTS.costly(kind)  # 50 ms, the default
    finally:
        admission.COSTS.clear()


def test_builds_refused_teach_nothing_either(client, every_kind_costly, settings):
    """A flood of new thresholds refused at their builds: the quick 503s must not make the
    kind pass as cheap (bench/abuse.py's victim waited behind two builds at once when they
    did)."""
    settings.COSTLY_MS = 150
    page = "/couverture/04/"
    kind, _ = admission.kind_of(RequestFactory().get(f"{page}?seuil=autre&seuil_libre=11"))
    first = client.get(f"{page}?seuil=autre&seuil_libre=10")
    assert first.status_code == 200  # this kind's answers go through the cache: kept
    assert admission.COSTS.kept(kind)
    admission.COSTS.observe(kind, 2.0)  # its builds seen slow
    fd = admission.acquire()
    try:
        for km in range(11, 31):
            refused = client.get(f"{page}?seuil=autre&seuil_libre={km}")
            assert refused.status_code == 503
    finally:
        admission.release(fd)
    assert admission.COSTS.costly(kind)
