"""Entry points (issue 11 #8): a search-first home page with a door for each audience, a login
that lands where the role works, a password reset by e-mail, a navigation that shows each visitor
only what they may use (the API and open data in the footer)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from actors.demo import DEMO_ACCOUNTS
from actors.models import Actor, Role

pytestmark = pytest.mark.django_db

COORDINATOR, MEDIATOR = DEMO_ACCOUNTS["demo-001"], DEMO_ACCOUNTS["demo-003"]


def main_nav(html: str) -> str:
    found = re.search(r'<nav class="site-nav" id="site-nav".*?</nav>', html, re.S)
    assert found, "no main navigation"
    return found.group(0)


def footer(html: str) -> str:
    return re.search(r'<footer class="site-footer">.*?</footer>', html, re.S).group(0)


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def log_in(client, account, **extra):
    username, password, _ = account
    return client.post("/connexion/", {"username": username, "password": password, **extra})


# --- home: search first, a door for each audience ---------------------------------------------


def test_home_opens_on_a_search_that_goes_to_the_places_with_the_commune(client):
    html = client.get("/").content.decode()
    form = re.search(r'<form method="get" action="([^"]+)"[^>]*role="search".*?</form>', html, re.S)
    assert form and form.group(1) == "/lieux/"
    assert "Trouver de l'aide près de chez moi" in html
    assert 'name="commune"' in form.group(0)
    assert html.index('role="search"') < html.index("Territoires disponibles")
    # what the form sends is a search the places page answers
    results = client.get("/lieux/", {"commune": "Barcelonnette"})
    assert results.status_code == 200
    assert "Barcelonnette (04)" in results.content.decode()


def test_home_has_a_door_for_coordinators_and_one_for_gis_users(client):
    html = client.get("/").content.decode()
    doors = re.search(r'<section class="doors".*?</section>', html, re.S).group(0)
    assert {"/mon-reseau/", "/couverture/", "/tiles/"} <= hrefs(doors)
    assert "Données ouvertes" in doors
    assert {
        "/api/docs/",
        "/ogc/",
        "/tiles/communes.json",
        "/api/v1/export/lieux.geojson",
        "/api/v1/export/lieux.csv",
    } <= hrefs(doors)


def test_home_door_of_a_signed_in_coordinator_leads_to_their_departement(client):
    log_in(client, COORDINATOR)
    doors = re.search(
        r'<section class="doors".*?</section>', client.get("/").content.decode(), re.S
    )
    assert {"/mon-reseau/04/", "/mon-equipe/", "/couverture/04/"} <= hrefs(doors.group(0))


def test_home_territory_rows_are_links(client):
    html = client.get("/").content.decode()
    table = re.search(r'<table class="table table-cards">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>\s*<td.*?</tr>", table, re.S)
    assert len(rows) == 3  # 04, 05, 974
    for code in ("04", "05", "974"):
        assert {f"/mon-reseau/{code}/", f"/couverture/{code}/"} <= hrefs(table)
    assert all('<a href="/mon-reseau/' in row for row in rows)
    assert "/couverture/" in hrefs(html)  # the national table stays reachable


# --- navigation: only what the visitor may use ------------------------------------------------


def test_public_navigation_has_no_coordinator_or_api_link_and_the_footer_has_the_api(client):
    html = client.get("/lieux/").content.decode()
    links = hrefs(main_nav(html))
    assert links == {"/lieux/", "/connexion/"}
    assert {"/api/docs/", "/ogc/", "/api/v1/export/lieux.geojson"} <= hrefs(footer(html))


def test_the_footer_offers_to_sign_in_only_to_visitors_not_signed_in(client):
    assert "/connexion/" in hrefs(footer(client.get("/lieux/").content.decode()))
    log_in(client, COORDINATOR)
    signed_in = footer(client.get("/lieux/").content.decode())
    assert "/connexion/" not in hrefs(signed_in) and "/api/docs/" in hrefs(signed_in)
    client.logout()
    assert "/connexion/" in hrefs(footer(client.get("/lieux/").content.decode()))


def test_coordinator_navigation_leads_to_their_departement(client):
    log_in(client, COORDINATOR)
    nav = main_nav(client.get("/lieux/").content.decode())
    assert {"/mon-reseau/04/", "/mon-equipe/", "/couverture/04/", "/mon-profil/"} <= hrefs(nav)
    assert "/api/docs/" not in hrefs(nav) and "Se déconnecter" in nav


def test_mediator_navigation_has_their_profile_and_no_team(client):
    log_in(client, MEDIATOR)
    nav = main_nav(client.get("/mon-profil/").content.decode())
    assert hrefs(nav) == {"/lieux/", "/mon-profil/"}
    assert 'href="/mon-profil/" aria-current="page"' in nav


# --- login lands where the role works ---------------------------------------------------------


def test_coordinator_lands_on_the_network_of_their_departement(client):
    response = log_in(client, COORDINATOR)
    assert response.status_code == 302 and response["Location"] == "/mon-reseau/04/"


def test_mediator_lands_on_their_profile(client):
    response = log_in(client, MEDIATOR)
    assert response.status_code == 302 and response["Location"] == "/mon-profil/"


def test_staff_lands_in_the_administration(client, settings):
    get_user_model().objects.create_user("gardien", password="donnees-2026", is_staff=True)
    response = client.post("/connexion/", {"username": "gardien", "password": "donnees-2026"})
    assert response.status_code == 302 and response["Location"] == f"/{settings.ADMIN_PATH}"


def test_coordinator_of_several_departements_lands_on_their_team(client):
    actor = Actor.objects.get(external_id="demo-001")
    actor.territory_departements.add("05")
    response = log_in(client, COORDINATOR)
    assert response["Location"] == "/mon-equipe/"


def test_a_person_without_a_role_lands_on_the_home_page(client):
    get_user_model().objects.create_user("visiteur", password="visite-2026")
    response = client.post("/connexion/", {"username": "visiteur", "password": "visite-2026"})
    assert response["Location"] == "/"


def test_an_unvalidated_coordinator_lands_on_their_profile(client):
    Actor.objects.filter(external_id="demo-001").update(is_validated=False)
    assert Role.COORDINATEUR in Actor.objects.get(external_id="demo-001").roles
    assert log_in(client, COORDINATOR)["Location"] == "/mon-profil/"


def test_a_safe_next_wins_and_an_unsafe_one_is_ignored(client):
    assert log_in(client, MEDIATOR, next="/couverture/05/")["Location"] == "/couverture/05/"
    client.logout()
    response = log_in(client, MEDIATOR, next="https://ailleurs.example/piege")
    assert response["Location"] == "/mon-profil/"


def test_login_page_offers_the_password_reset(client):
    html = client.get("/connexion/").content.decode()
    assert 'href="/mot-de-passe/oublie/"' in html and "Mot de passe oublié" in html


# --- password reset by e-mail, end to end -----------------------------------------------------


def test_password_reset_by_email_end_to_end(client):
    username = MEDIATOR[0]
    user = get_user_model().objects.get(username=username)
    page = client.get("/mot-de-passe/oublie/")
    assert page.status_code == 200 and "Adresse électronique" in page.content.decode()

    response = client.post("/mot-de-passe/oublie/", {"email": user.email.upper()})
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe/oublie/envoye/"
    assert "Vérifiez votre messagerie" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Maillage : choisir un nouveau mot de passe"
    assert "Bonjour Jean-Pierre" in message.body and username in message.body
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token for a session, then the form
    assert form.status_code == 200
    html = form.content.decode()
    assert "Choisir un nouveau mot de passe" in html and 'id="id_new_password1"' in html
    set_url = form.redirect_chain[-1][0]

    weak = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "entièrement numérique" in weak.content.decode()

    new = "Tilleul-de-l-Ubaye-2026"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/mot-de-passe/nouveau/termine/"
    assert "Mot de passe enregistré" in client.get(done["Location"]).content.decode()

    assert client.post("/connexion/", {"username": username, "password": new})["Location"] == (
        "/mon-profil/"
    )
    again = client.get(link, follow=True)  # a used link says so
    assert "Ce lien ne marche plus" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post("/mot-de-passe/oublie/", {"email": "personne@example.org"})
    assert response["Location"] == "/mot-de-passe/oublie/envoye/"
    assert mail.outbox == []


def test_password_reset_refuses_a_malformed_address_in_french(client):
    response = client.post("/mot-de-passe/oublie/", {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in response.content.decode()
    assert mail.outbox == []


def test_email_settings_come_from_the_environment(monkeypatch):
    import importlib

    from geo_directory.settings import base

    monkeypatch.setenv("MAILLAGE_EMAIL_HOST", "smtp.example.org")
    monkeypatch.setenv("MAILLAGE_EMAIL_PORT", "465")
    monkeypatch.setenv("MAILLAGE_EMAIL_SSL", "1")
    monkeypatch.setenv("MAILLAGE_EMAIL_FROM", "Maillage 04 <maillage@example.org>")
    try:
        configured = importlib.reload(base)
        assert configured.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        assert (configured.EMAIL_HOST, configured.EMAIL_PORT) == ("smtp.example.org", 465)
        assert configured.EMAIL_USE_SSL and not configured.EMAIL_USE_TLS
        assert configured.DEFAULT_FROM_EMAIL == "Maillage 04 <maillage@example.org>"
    finally:
        monkeypatch.undo()
        unconfigured = importlib.reload(base)
    assert unconfigured.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
