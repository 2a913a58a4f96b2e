"""Hostile input (issue 12, #7): NUL bytes, control characters and non-ASCII digits in a path
segment, a query parameter or a form field are a 400 that names them, JSON on the machine paths
(the OGC exception shape under /ogc/), a French page elsewhere; a 500 there is JSON too."""

import json

import pytest
from django.test import RequestFactory

from geo_directory import middleware

pytestmark = pytest.mark.django_db


def body(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/v1/lieux/?departement=%00", "departement"),
        ("/api/v1/lieux/?departement=0%1B4", "departement"),
        ("/api/v1/lieux/%C2%B2/", "pk"),
        ("/api/v1/lieux/%D9%A1/", "pk"),  # ARABIC-INDIC DIGIT ONE
        ("/api/v1/communes/?departement=%00", "departement"),
        ("/api/v1/communes/?threshold_km=%C2%B2", "threshold_km"),
        ("/api/v1/acteurs/?departement=%00", "departement"),
        ("/tiles/communes.json?threshold_km=1%00", "threshold_km"),
    ],
)
def test_api_and_tiles_name_the_refused_parameter(client, url, name):
    response = client.get(url)
    assert response.status_code == 400
    data = body(response)
    assert data["error"] == "invalid_parameter"
    assert list(data["parameters"]) == [name]
    assert name in data["parameters"][name][0]


def test_the_reason_says_what_is_wrong(client):
    nul = body(client.get("/api/v1/lieux/?departement=%00"))["parameters"]["departement"]
    assert nul == ["Le paramètre « departement » contient un caractère nul (U+0000), refusé."]
    digit = body(client.get("/api/v1/lieux/%C2%B2/"))["parameters"]["pk"]
    assert "chiffre non ASCII « ² » (U+00B2)" in digit[0] and "0 à 9" in digit[0]


def test_ogc_answers_its_own_exception_shape(client):
    response = client.get("/ogc/collections/communes/items/1%00")
    assert response.status_code == 400
    data = body(response)
    assert data["code"] == "InvalidParameterValue"
    assert data["parameter"] == "feature_id"
    assert "caractère nul" in data["description"]
    data = body(client.get("/ogc/collections/lieux/items?limit=%D9%A1%D9%A0"))
    assert data["parameter"] == "limit" and "« ١ »" in data["description"]


@pytest.mark.parametrize(
    "url, name",
    [
        ("/mon-reseau/04%00/", "code"),
        ("/lieux/?commune=Digne%00", "commune"),
        ("/couverture/?tri=%C2%B2", "tri"),
        ("/lieux/?%00=1", "\\x00"),
    ],
)
def test_pages_answer_a_french_400_page(coordinator_client, url, name):
    response = coordinator_client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Requête invalide" in page and f"« {name} »" in page


def test_a_unicode_digit_in_a_form_field_is_refused(coordinator_client):
    response = coordinator_client.post("/mon-equipe/inviter/", {"actor": "²"})
    assert response.status_code == 400
    assert "« actor »" in response.content.decode()
    assert "chiffre non ASCII" in response.content.decode()


def test_form_fields_keep_line_breaks_and_passwords_any_digit(client):
    # the login form still answers (a wrong password, not a 400) with "²" in the password
    response = client.post("/connexion/", {"username": "personne", "password": "mot²de\tpasse"})
    assert response.status_code == 200
    assert middleware.check_value("ligne 1\r\nligne 2\t", form_field=True) == []


def test_ordinary_french_input_is_untouched(client):
    assert client.get("/lieux/?commune=Saint-Étienne-les-Orgues").status_code == 200
    assert client.get("/api/v1/lieux/?q=%C3%A9cole&departement=04").status_code == 200


def test_a_500_under_the_machine_paths_is_json():
    request = RequestFactory().get("/api/v1/lieux/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = middleware.server_error(request)
    assert response.status_code == 500
    assert body(response)["error"] == "server_error"
    request = RequestFactory().get("/ogc/collections")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        data = body(middleware.server_error(request))
    assert data["code"] == "ServerError" and "Erreur interne" in data["description"]


def test_a_500_page_elsewhere_stays_html():
    request = RequestFactory().get("/lieux/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = middleware.server_error(request)
    assert response.status_code == 500 and b"Une erreur est survenue" in response.content
