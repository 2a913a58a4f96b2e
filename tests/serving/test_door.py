"""The public door (geo_directory/door.py) answers a plain anonymous read of a moving map or a
"near me" without Django's middleware: the same status, headers and text as Django's own
answer, for each variant the rest of the stack writes differently (media type, gzip, Origin);
everything else is Django's. Called as gunicorn calls the WSGI application."""

import gzip
import json
from unittest import mock

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, close_old_connections
from django.test import RequestFactory

from geo_directory import admission, door
from geo_directory.door import Door

from .test_plain_dispatch import PLAIN, URL  # a moving map's and a near-me's pages

pytestmark = pytest.mark.django_db
VARIANTS = {
    "plain": {},
    "json": {"HTTP_ACCEPT": "application/json"},
    "gzip": {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"},
    "origin": {"HTTP_ORIGIN": "https://carte.example.org", "HTTP_ACCEPT": "*/*"},
}


@pytest.fixture(autouse=True)
def connection_kept():
    """The test's transaction outlives each request, as with Django's test client (which
    disconnects the same receivers)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


class Counted:
    """Django's WSGI application, counting the requests it serves."""

    def __init__(self):
        self.app, self.calls = WSGIHandler(), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


def call(app, url, method="GET", **meta):
    """(status, headers, body) of ``app`` for ``url``, as a WSGI server asks it."""
    environ = RequestFactory().generic(method, url, **meta).environ
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return got["status"], dict(got["headers"]), body


def readable(answer) -> tuple:
    """An answer with its body decompressed (gzip writes random bytes against BREACH) and
    without the length that follows from them."""
    status, headers, body = answer
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
        headers = {k: v for k, v in headers.items() if k != "Content-Length"}
    return status, headers, body


@pytest.fixture
def django_app():
    return Counted()


@pytest.fixture
def public_door(django_app):
    return Door(django_app)


@pytest.mark.parametrize("url", PLAIN)
@pytest.mark.parametrize("variant", VARIANTS, ids=str)
def test_the_door_answers_as_django(public_door, django_app, url, variant):
    meta = VARIANTS[variant]
    first = call(public_door, url, **meta)  # the variant's first request: Django's
    assert django_app.calls == 1
    answer = call(public_door, url.replace("6.2357", "6.2358").replace("5.9,", "5.91,"), **meta)
    again = call(public_door, url, **meta)
    assert django_app.calls == 1, "the door answered"
    reference = call(WSGIHandler(), url, **meta)
    assert readable(again) == readable(reference) == readable(first)
    assert answer[0] == "200 OK"
    assert json.loads(readable(answer)[2])["type"] == "FeatureCollection"
    if variant == "gzip":
        assert again[1]["Content-Encoding"] == "gzip" and again[1]["ETag"].startswith('W/"')
        assert int(again[1]["Content-Length"]) == len(again[2])
    if variant == "origin":
        assert again[1]["access-control-allow-origin"] == "*"


def test_the_security_headers_are_the_stacks(public_door):
    call(public_door, PLAIN[1])
    _status, headers, _body = call(public_door, PLAIN[1])
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Language"] == "fr"
    assert "frame-ancestors" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url, method, meta",
    [
        (PLAIN[1], "GET", {"HTTP_COOKIE": "sessionid=abc"}),
        (PLAIN[1], "GET", {"HTTP_AUTHORIZATION": "Token abc"}),
        (PLAIN[1], "HEAD", {}),
        (PLAIN[1], "POST", {}),
        (PLAIN[1], "GET", {"HTTP_IF_NONE_MATCH": '"abc"'}),
        (PLAIN[1], "GET", {"HTTP_RANGE": "bytes=0-10"}),
        (PLAIN[1], "GET", {"HTTP_ACCEPT": "text/html"}),
        (f"{URL}?near=6.2,44.1&format=json", "GET", {}),
        (f"{URL}?departement=04", "GET", {}),  # not a map's page
        (f"{URL}?near=6.2,44.1&ouvert_maintenant=true", "GET", {}),
        (f"{URL}?near=6.2,44.1&radius_km=0", "GET", {}),  # the view's 400
        (f"{URL}?near=\u0666.2,44.1", "GET", {}),  # the input check's 400 (an Arabic digit)
        (f"{URL}?near=6.2,44.1%01", "GET", {}),  # a control character
        ("/api/v1/communes/?departement=04", "GET", {}),  # another path
    ],
)
def test_anything_else_is_djangos(public_door, django_app, url, method, meta):
    call(public_door, PLAIN[1], **{k: v for k, v in meta.items() if k == "HTTP_ACCEPT"})
    calls = django_app.calls
    answer = call(public_door, url, method, **meta)
    assert django_app.calls == calls + 1
    assert readable(answer)[:2] == readable(call(WSGIHandler(), url, method, **meta))[:2]


def test_a_disallowed_host_is_djangos_400(public_door, django_app):
    call(public_door, PLAIN[1])
    status, _headers, _body = call(public_door, PLAIN[1], HTTP_HOST="evil.example")
    assert status.startswith("400") and django_app.calls == 2


def test_too_many_parameters_are_djangos_400(public_door, django_app, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    call(public_door, PLAIN[1])
    status, _headers, _body = call(public_door, PLAIN[1] + "&page=1&page=2&page=3")
    assert status.startswith("400") and django_app.calls == 2


def test_a_costly_kind_goes_through_admission(public_door, django_app):
    call(public_door, PLAIN[1])
    with mock.patch.object(admission.COSTS, "costly", return_value=True):
        call(public_door, PLAIN[1])
    assert django_app.calls == 2


def test_the_door_teaches_admission_its_answers_time(public_door):
    call(public_door, PLAIN[1])
    with mock.patch.object(admission.COSTS, "observe") as observe:
        call(public_door, PLAIN[2])
    (kind, seconds), _ = observe.call_args
    assert kind[0] == "api/v1/lieux/" and 0 < seconds < 5


def test_a_database_outage_is_djangos_503(public_door, django_app):
    call(public_door, PLAIN[1])
    with mock.patch("geo_directory.cache.first_read", side_effect=OperationalError("down")):
        with mock.patch("geo_directory.cache.version", side_effect=OperationalError("down")):
            status, headers, body = call(public_door, PLAIN[2])
    assert status.startswith("503") and django_app.calls == 2
    assert json.loads(body)["error"] == "database_unavailable"


def test_variants_kept_are_bounded(public_door):
    for n in range(door.MAX_VARIANTS + 20):
        call(public_door, PLAIN[1], HTTP_ORIGIN=f"https://site{n}.example.org")
    assert len(public_door.variants) == door.MAX_VARIANTS


def test_gunicorns_application_is_the_door():
    from geo_directory import wsgi

    assert isinstance(wsgi.application, Door)
    assert wsgi.application.app is wsgi.django_application
