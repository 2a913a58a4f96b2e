"""A coordinator invites a mediator from "hors de mon équipe" in a real browser (chromium).

pytest-django's ``live_server`` forces ``transactional_db``, whose flush would wipe the demo data
loaded once per session; as tests/places_web does, this module starts Django's own live server
thread over the committed demo data, and deletes the invitations it made afterwards.
"""

import re

import pytest

from actors.models import Invitation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def server(demo_server, django_db_blocker):
    with django_db_blocker.unblock():
        before = set(Invitation.objects.values_list("pk", flat=True))
    yield demo_server
    with django_db_blocker.unblock():
        Invitation.objects.exclude(pk__in=before).delete()


def test_demo_coordinator_invites_a_mediator_outside_the_team(
    server, page, demo_login, artifacts_dir
):
    username, password = demo_login
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/connexion/?next=/mon-equipe/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/mon-equipe/")
    assert page.locator("h1").inner_text() == "Mon équipe"

    invitable = page.locator("#outside-team tbody tr").filter(
        has=page.get_by_role("button", name="Inviter")
    )
    first = invitable.first
    name = first.locator("td a").first.inner_text()
    first.get_by_role("button", name="Inviter").click()

    # back on the row it was done on, the message beside it (issue 11 #5)
    page.wait_for_url(re.compile(rf"{re.escape(server)}/mon-equipe/#mediateur-\d+$"))
    feedback = page.locator("#hors-equipe .section-messages")
    assert f"Invitation envoyée à {name}." in feedback.inner_text()
    shown = [m for m in page.locator(".messages").all() if m.is_visible()]
    assert len(shown) == 1  # not repeated at the top of the page
    anchor = page.url.rsplit("#", 1)[1]
    box = page.locator(f"#{anchor}").bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    pending = page.locator("#invitation-list tbody tr").filter(has_text=name)
    assert "En attente" in pending.inner_text()
    row = page.locator("#outside-team tbody tr").filter(has_text=name)
    assert "Invitation en attente" in row.inner_text()
    assert row.get_by_role("button", name="Inviter").count() == 0
    page.screenshot(path=str(artifacts_dir / "actors-invitation-pending.png"), full_page=True)
