"""The site shell in Chromium: live server over the demo data, demo logins, screenshots."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actors.demo import DEMO_ACCOUNTS
from actors.models import Actor
from places.models import Place

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(demo_server):
    return demo_server


@pytest.fixture(scope="module")
def demo_place_id(django_db_blocker):
    """A public place of Barcelonnette (the retired person's town in the public journey)."""
    with django_db_blocker.unblock():
        return (
            Place.objects.public()
            .filter(nom__icontains="Barcelonnette")
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )


@pytest.fixture(scope="module")
def public_actor_id(django_db_blocker):
    """A mediator who agreed to be shown to the public (their page is public)."""
    with django_db_blocker.unblock():
        return Actor.objects.public().order_by("pk").values_list("pk", flat=True).first()


@pytest.fixture(scope="module")
def reset_link(django_db_blocker):
    """A valid password-reset path for the demo mediator (what the e-mail would hold)."""
    username = DEMO_ACCOUNTS["demo-003"][0]
    with django_db_blocker.unblock():
        user = get_user_model().objects.get(username=username)
        token = default_token_generator.make_token(user)
    return f"/mot-de-passe/nouveau/{urlsafe_base64_encode(force_bytes(user.pk))}/{token}/"


def new_context(browser, name, **extra):
    width, height = VIEWPORTS[name]
    return browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=name == "phone", **extra
    )


def log_in(page, server, account):
    """Logs the demo ``account`` (a key of DEMO_ACCOUNTS) in through the login form."""
    username, password, _ = DEMO_ACCOUNTS[account]
    page.goto(f"{server}/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
