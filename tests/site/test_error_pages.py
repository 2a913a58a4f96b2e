"""The error pages wear the site's look and lead somewhere: 404 offers the place search, 500 needs
nothing but static files, 503 (PostGIS down, rendered without a request) carries no inline
script that would lack the policy's nonce."""

import re

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_not_found_page_offers_the_place_search(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "img/maillage-mark.svg" in html
    form = re.search(r'<form method="get" action="/lieux/"[^>]*role="search".*?</form>', html, re.S)
    assert form and 'name="commune"' in form.group(0)


def test_server_error_page_has_the_look_without_request_or_database():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Une erreur est survenue" in html
    assert "css/maillage.css" in html and "img/maillage-mark.svg" in html
    assert "<script" not in html


def test_unavailable_page_has_the_look_and_no_inline_script(client, monkeypatch):
    from geo_directory import views

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.Departement.objects, "territory_summary", down)
    monkeypatch.setattr(views.cache, "version", down)
    response = client.get("/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "Service momentanément indisponible" in html and "img/maillage-mark.svg" in html
    assert "<script nonce" not in html
    assert 'id="site-nav"' not in html  # nothing to navigate to while PostGIS is down
