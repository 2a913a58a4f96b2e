"""Which database a request reads (geo_directory/replicas.py), without servers: the rules."""

import time

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from geo_directory import replicas
from geo_directory.db_router import ReplicaRouter

factory = RequestFactory()


def signed_marker(age_s: float = 0) -> str:
    signer = signing.get_cookie_signer(salt=replicas.COOKIE + replicas.COOKIE_SALT)
    value = signer.sign("1")
    if age_s:  # the same value signed age_s seconds ago
        now = time.time
        time.time = lambda: now() - age_s
        try:
            value = signer.sign("1")
        finally:
            time.time = now
    return value


@pytest.mark.parametrize(
    "method, path, cookies, primary",
    [
        ("GET", "/api/v1/lieux/", {}, False),
        ("HEAD", "/tiles/communes/8/131/93.pbf", {}, False),
        ("POST", "/api/v1/lieux/", {}, True),
        ("GET", "/healthz", {}, True),
        ("GET", "/admin/", {}, True),
        ("GET", "/mon-profil/courriel/abc/", {}, True),
        ("GET", "/connexion/", {}, True),
        ("GET", "/couverture/04/", {"sessionid": "x"}, True),
    ],
)
def test_only_public_reads_may_go_to_a_replica(method, path, cookies, primary):
    request = getattr(factory, method.lower())(path)
    request.COOKIES.update(cookies)
    assert replicas.reads_primary(request) is primary


def test_a_browser_that_wrote_reads_the_primary_for_a_few_seconds_only(settings):
    settings.READ_YOUR_WRITES_S = 10
    fresh, old = factory.get("/lieux/"), factory.get("/lieux/")
    fresh.COOKIES[replicas.COOKIE] = signed_marker()
    old.COOKIES[replicas.COOKIE] = signed_marker(age_s=11)
    forged = factory.get("/lieux/")
    forged.COOKIES[replicas.COOKIE] = "1:forged:signature"
    assert replicas.reads_primary(fresh)
    assert not replicas.reads_primary(old)
    assert not replicas.reads_primary(forged)


def test_after_its_first_write_a_request_reads_the_primary(settings):
    settings.REPLICA_ALIASES = ["replica1"]
    router = ReplicaRouter()
    token = replicas._routing.set(replicas.Routing("replica1"))
    try:
        assert router.db_for_read(None) == "replica1"
        assert router.db_for_write(None) == "default"
        assert router.db_for_read(None) == "default"
    finally:
        replicas._routing.reset(token)
    assert router.db_for_read(None) == "default"  # outside a request: commands, imports


def test_the_middleware_marks_a_write_with_a_signed_cookie(settings, monkeypatch):
    settings.REPLICA_ALIASES = ["replica1"]
    monkeypatch.setattr(replicas, "record_floor", lambda: None)
    middleware = replicas.ReplicaRoutingMiddleware(lambda request: HttpResponse("ok"))
    posted = middleware(factory.post("/mon-profil/lieux/ajouter/"))
    cookie = posted.cookies[replicas.COOKIE]
    assert cookie["max-age"] == settings.READ_YOUR_WRITES_S and cookie["httponly"]
    again = factory.get("/lieux/")
    again.COOKIES[replicas.COOKIE] = cookie.value
    assert replicas.wrote_recently(again)
    monkeypatch.setattr(replicas, "usable_replica", lambda: None)
    assert replicas.COOKIE not in middleware(factory.get("/lieux/")).cookies
