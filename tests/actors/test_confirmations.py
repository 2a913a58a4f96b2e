"""Destructive actions ask first, an invitation can be cancelled, and every action returns to
the row or section it was done on (issue 11 #5)."""

import html
import re

import pytest

from actors.models import Actor, Invitation

from .factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def digne():
    return make_place("digne", "Médiathèque de Digne")


@pytest.fixture
def team(client, digne):
    coordinator = make_coordinator(departements=["04"], employer=digne)
    member = make_actor("Camille", "Membre", places=[digne])
    add_to_team(coordinator, member)
    client.force_login(coordinator.user)
    return coordinator, member


def forms_posting_to(html: str, path: str) -> int:
    return len(re.findall(rf'<form method="post" action="{re.escape(path)}"', html))


def test_removing_a_member_asks_first_then_returns_to_the_members(client, team):
    coordinator, member = team
    page = html.unescape(client.get("/mon-equipe/").content.decode())
    path = f"/mon-equipe/retirer/{member.pk}/"
    assert forms_posting_to(page, path) == 0  # no one-click removal on the row
    assert f'href="{path}"' in page and f'id="membre-{member.pk}"' in page

    asked = client.get(path)
    assert asked.status_code == 200
    text = html.unescape(asked.content.decode())
    assert "Retirer Camille Membre de votre équipe\u202f?" in text
    assert forms_posting_to(text, path) == 1
    assert f'href="/mon-equipe/#membre-{member.pk}"' in text  # "Annuler" back to the row
    assert list(Actor.objects.team_of(coordinator)) == [member]  # asking changed nothing

    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == "/mon-equipe/#membres"
    assert not Actor.objects.team_of(coordinator).exists()
    after = html.unescape(client.get("/mon-equipe/").content.decode())
    section = after[after.index('id="membres"') : after.index('id="invitations"')]
    assert "Camille Membre ne fait plus partie de votre équipe." in section
    assert 'class="messages section-messages" role="status"' in section


def test_removing_from_the_actor_page_returns_to_it(client, team):
    _, member = team
    page = html.unescape(client.get(f"/acteurs/{member.pk}/").content.decode())
    link = f"/mon-equipe/retirer/{member.pk}/?next=/acteurs/{member.pk}/"
    assert f'href="{link}"' in page
    asked = html.unescape(client.get(link).content.decode())
    assert f'name="next" value="/acteurs/{member.pk}/"' in asked
    done = client.post(f"/mon-equipe/retirer/{member.pk}/", {"next": f"/acteurs/{member.pk}/"})
    assert done["Location"] == f"/acteurs/{member.pk}/"
    hostile = client.get(f"/mon-equipe/retirer/{member.pk}/?next=https://evil.example/")
    assert "evil" not in hostile.content.decode()


def test_an_invitation_can_be_cancelled(client, team, digne):
    coordinator, _ = team
    invitee = make_actor("Invitée", places=[digne], login=True, email="invitee@example.org")
    client.post("/mon-equipe/inviter/", {"email": "invitee@example.org"})
    invitation = Invitation.objects.get(coordinator=coordinator)
    path = f"/mon-equipe/invitations/{invitation.pk}/annuler/"
    page = html.unescape(client.get("/mon-equipe/").content.decode())
    assert f'href="{path}"' in page and f'id="invitation-{invitation.pk}"' in page

    asked = html.unescape(client.get(path).content.decode())
    assert "Annuler l'invitation envoyée à invitee@example.org\u202f?" in asked
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    done = client.post(path)
    assert done["Location"] == "/mon-equipe/#invitations"
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    after = html.unescape(client.get("/mon-equipe/").content.decode())
    assert "Invitation à invitee@example.org annulée." in after
    assert "invitee@example.org</td>" not in after

    client.force_login(invitee.user)
    profile = html.unescape(client.get("/mon-profil/").content.decode())
    assert "vous invite à rejoindre son équipe" not in profile
    client.force_login(coordinator.user)
    again = client.post("/mon-equipe/inviter/", {"email": "invitee@example.org"})
    assert again.status_code == 302
    assert Invitation.objects.filter(coordinator=coordinator, status="sent").count() == 1


def test_only_a_pending_invitation_of_my_own_can_be_cancelled(client, team, digne):
    coordinator, _ = team
    other = make_coordinator(departements=["04"])
    theirs = Invitation.objects.create(coordinator=other, email="x@example.org")
    answered = Invitation.objects.create(
        coordinator=coordinator, email="y@example.org", status="accepted"
    )
    for invitation in (theirs, answered):
        path = f"/mon-equipe/invitations/{invitation.pk}/annuler/"
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    assert Invitation.objects.count() == 2


def test_inviting_a_mediator_of_the_territory_returns_to_their_row(client, team):
    coordinator, _ = team
    sisteron = make_place("sisteron", "France services de Sisteron")
    outsider = make_actor("Loin", "Dehors", places=[sisteron])
    response = client.post("/mon-equipe/inviter/", {"actor": outsider.pk})
    assert response["Location"] == f"/mon-equipe/#mediateur-{outsider.pk}"
    page = html.unescape(client.get("/mon-equipe/").content.decode())
    row = re.search(
        rf'<tr data-actor="{outsider.pk}" id="mediateur-{outsider.pk}">(.*?)</tr>', page, re.S
    )
    assert "Invitation en attente" in row.group(1)
    section = page[page.index('id="hors-equipe"') :]
    assert "Invitation envoyée à" in section


def test_ending_an_activity_asks_first_then_returns_to_my_places(client, digne):
    mediator = make_actor("Profil", places=[digne], login=True)
    client.force_login(mediator.user)
    activity = mediator.activities.get()
    path = f"/mon-profil/lieux/{activity.pk}/terminer/"
    page = html.unescape(client.get("/mon-profil/").content.decode())
    assert forms_posting_to(page, path) == 0 and f'href="{path}"' in page
    asked = html.unescape(client.get(path).content.decode())
    assert "Terminer votre activité à Médiathèque de Digne\u202f?" in asked
    assert f'href="/mon-profil/#activite-{activity.pk}"' in asked
    activity.refresh_from_db()
    assert activity.end_date is None
    done = client.post(path)
    assert done["Location"] == "/mon-profil/#lieux"
    activity.refresh_from_db()
    assert activity.end_date is not None
    after = html.unescape(client.get("/mon-profil/").content.decode())
    section = after[after.index('id="lieux"') :]
    assert "Activité à Médiathèque de Digne terminée" in section


def test_someone_elses_activity_cannot_even_be_asked_about(client, digne):
    mine = make_actor("Moi", places=[digne], login=True)
    theirs = make_actor("Autre", places=[digne])
    client.force_login(mine.user)
    path = f"/mon-profil/lieux/{theirs.activities.get().pk}/terminer/"
    assert client.get(path).status_code == 404 and client.post(path).status_code == 404
