"""PostGIS unreachable: API and pages answer 503 with a clear message, never a 500 or a trace.

The default connection is pointed at a closed local port (a real refused connection, as when
PostGIS is stopped), then put back."""

import json
import socket
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connections
from django.test import RequestFactory

from geo_directory.middleware import MESSAGE, server_error

pytestmark = pytest.mark.django_db


@contextmanager
def unreachable_database():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens there once the socket is closed
    original = connections["default"]
    settings = {**original.settings_dict, "PORT": str(closed_port)}
    settings["OPTIONS"] = {**settings.get("OPTIONS", {}), "connect_timeout": 1}
    unreachable = original.__class__(settings, alias="default")
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = original


@pytest.fixture
def postgis_down():
    with unreachable_database():
        yield


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3&page_size=100",
        "/api/v1/lieux/?near=6.2357,44.0925&radius_km=20&page_size=10",
        "/api/v1/communes/?departement=04",
        "/api/v1/couverture/departements/",
    ],
)
def test_api_answers_json_503(client, postgis_down, url):
    response = client.get(url)
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {"error": "database_unavailable", "detail": MESSAGE}


@pytest.mark.parametrize("url", ["/", "/couverture/04/", "/couverture/"])
def test_pages_answer_a_french_503_page(client, postgis_down, url):
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 503, text[:300]
    assert "momentanément indisponible" in text and "Traceback" not in text


def test_pages_answer_503_even_with_a_session_cookie(client, postgis_down):
    client.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
    response = client.get("/couverture/04/")
    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()


def test_a_database_error_outside_any_view_is_a_503_too():
    """``handler500`` (errors raised by middleware, e.g. reading a session) names the outage."""
    request = RequestFactory().get("/couverture/04/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()
    api = RequestFactory().get("/api/v1/lieux/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(api)
    assert json.loads(response.content)["error"] == "database_unavailable"


def test_other_errors_stay_500():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


def test_the_same_client_is_served_again_once_postgis_is_back(client):
    url = "/api/v1/lieux/?near=6.2357,44.0925&radius_km=20&page_size=10"
    assert client.get(url).status_code == 200
    with unreachable_database():
        assert client.get(url).status_code == 503
        assert client.get("/").status_code == 503
    assert client.get(url).status_code == 200
    assert client.get("/").status_code == 200
