"""Login throttling (issue 12, #13): after a few wrong passwords for one username from one
address, even the right password no longer logs in (a French lockout page, 429); a success
before that resets the count; one address trying many usernames is locked out too, at a higher
limit (a library's shared address is not locked by one person's typos); the admin is behind
MAILLAGE_ADMIN_PATH."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from actors.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

USERNAME, PASSWORD, _ = DEMO_ACCOUNTS["demo-001"]


def attempt(client, password, username=USERNAME, url="/connexion/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in():
    client = Client()
    for i in range(40):
        response = attempt(client, f"mauvais-{i}")
        assert not logged_in(client)
    response = attempt(client, PASSWORD)
    assert not logged_in(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Connexion momentanément bloquée" in page
    assert "même avec le bon mot de passe" in page and "15 minutes" in page
    assert "(5) pour cet identifiant depuis votre adresse" in page


def test_the_lockout_comes_after_the_failure_limit():
    client = Client()
    statuses = [attempt(client, "mauvais").status_code for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    assert statuses[:-1] == [200] * (settings.LOGIN_FAILURE_LIMIT - 1)  # "incorrect" form
    assert statuses[-1] == 429


def test_a_success_resets_the_count():
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        attempt(client, "mauvais")
    assert attempt(client, PASSWORD).status_code == 302 and logged_in(client)
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        attempt(client, "mauvais")
    attempt(client, PASSWORD)
    assert logged_in(client)


def test_the_lockout_is_per_username_and_address():
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(attacker, "mauvais")
    assert attempt(attacker, PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="198.51.100.20")
    attempt(colleague, PASSWORD)
    assert logged_in(colleague)


def test_the_admin_login_is_throttled_too(staff_user):
    client = Client()
    url = "/" + settings.ADMIN_PATH + "login/"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, "mauvais", username=staff_user.username, url=url)
    response = attempt(client, "x", username=staff_user.username, url=url)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_path_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/'); print('admin still served')\n"
        "except Resolver404:\n    print('no /admin/')\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_directory.settings.test",
        "MAILLAGE_ADMIN_PATH": "/gestion-maillage",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["/gestion-maillage/", "no", "/admin/"]


def test_the_admin_path_defaults_to_admin():
    assert settings.ADMIN_PATH == "admin/"


def test_behind_a_trusted_proxy_the_client_address_is_counted(rf, settings):
    from geo_directory.auth import client_ip

    request = rf.post(
        "/connexion/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8"
    )
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: the header is the client's word
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "5.6.7.8"  # what the one trusted proxy saw


def test_a_very_long_username_is_refused_and_counted_without_a_500(client):
    long_name = "x" * 1999
    statuses = [attempt(client, "mauvais", username=long_name).status_code for _ in range(6)]
    assert statuses == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429] * 2


def test_one_address_trying_many_usernames_is_locked_out():
    """A password sprayed over many usernames, one try each: never 5 for one username, but the
    address is locked at its own limit, the right password of a real account included."""
    sprayer = Client(REMOTE_ADDR="203.0.113.50")
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.LOGIN_FAILURE_LIMIT
    statuses = [
        attempt(sprayer, "Printemps2026!", username=f"agent-{i}").status_code for i in range(limit)
    ]
    assert statuses[:-1] == [200] * (limit - 1)
    assert statuses[-1] == 429
    response = attempt(sprayer, PASSWORD)
    assert response.status_code == 429 and not logged_in(sprayer)
    assert "depuis votre adresse, tous identifiants confondus" in response.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.77")  # another address is not affected
    attempt(other, PASSWORD)
    assert logged_in(other)


def test_a_shared_address_is_not_locked_by_one_persons_typos():
    """At a library, one user locked out after their typos; the next user of the same address
    still logs in."""
    library = "192.0.2.10"
    first = Client(REMOTE_ADDR=library)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(first, "mauvais", username="quelqu-un")
    assert attempt(first, "mauvais", username="quelqu-un").status_code == 429
    second = Client(REMOTE_ADDR=library)
    attempt(second, PASSWORD)
    assert logged_in(second)


def test_logging_into_ones_own_account_does_not_reset_the_address_count(staff_user):
    """An attacker with an account of their own cannot wipe the address's failures by logging in
    between guesses: a success clears only that username's own failures."""
    attacker = Client(REMOTE_ADDR="203.0.113.60")
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for i in range(limit - 1):
        attempt(attacker, "devine", username=f"cible-{i}")
    attempt(attacker, "x", username=staff_user.username)
    assert logged_in(attacker)
    attacker = Client(REMOTE_ADDR="203.0.113.60")
    assert attempt(attacker, "devine", username="cible-derniere").status_code == 429
