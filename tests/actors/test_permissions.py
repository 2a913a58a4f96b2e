"""Each action (invite, remove, edit consent, export) x each role, logged-out included."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from actors import permissions
from actors.models import Invitation, TeamMembership

from .factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "self", "other_mediator", "team_coordinator", "other_coordinator", "staff"]


@pytest.fixture
def world():
    digne = make_place("digne")
    target = make_actor("Cible", consent=False, places=[digne], login=True)
    other_mediator = make_actor("Voisin", places=[digne], login=True)
    team_coordinator = make_coordinator(departements=["04"], employer=digne)
    other_coordinator = make_coordinator(departements=["04"])
    add_to_team(team_coordinator, target)
    staff = get_user_model().objects.create_user("staff-perm", password="x", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="actors"))
    users = {
        "anonymous": None,
        "self": target.user,
        "other_mediator": other_mediator.user,
        "team_coordinator": team_coordinator.user,
        "other_coordinator": other_coordinator.user,
        "staff": staff,
    }
    return {"target": target, "team": team_coordinator, "other": other_coordinator, **users}


def as_role(client, world, role):
    if world[role] is not None:
        client.force_login(world[role])
    return client


def assert_login_redirect(response):
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("role", ROLES)
def test_invite(client, world, role):
    target = world["target"]
    response = as_role(client, world, role).post("/mon-equipe/inviter/", {"actor": target.pk})
    invited = Invitation.objects.filter(email=target.email)
    if role == "anonymous":
        assert_login_redirect(response)
    elif role == "other_coordinator":
        assert response.status_code == 302
        assert response["Location"] == f"/mon-equipe/#mediateur-{target.pk}"  # back to the row
        assert list(invited.values_list("coordinator", "status")) == [(world["other"].pk, "sent")]
        return
    elif role == "team_coordinator":
        assert response.status_code == 302  # already in the team: refused with a message
    else:
        assert response.status_code == 403
        assert "réservée aux coordinateurs" in response.content.decode()
    assert not invited.exists()


@pytest.mark.parametrize("role", ROLES)
def test_remove(client, world, role):
    target = world["target"]
    response = as_role(client, world, role).post(f"/mon-equipe/retirer/{target.pk}/")
    team = TeamMembership.objects.current().filter(coordinator=world["team"], member=target)
    if role == "anonymous":
        assert_login_redirect(response)
    elif role == "team_coordinator":
        assert response.status_code == 302 and not team.exists()
        assert TeamMembership.objects.filter(member=target).count() == 1  # history kept
        return
    else:
        assert response.status_code == 403
    assert team.exists()


@pytest.mark.parametrize("role", ROLES)
def test_edit_consent(client, world, role):
    target = world["target"]
    form = {
        "first_name": "Cible",
        "last_name": target.last_name,
        "email": target.email,
        "phone": target.phone,
        "visibility_consent": "on",
    }
    response = as_role(client, world, role).post("/mon-profil/", form)
    target.refresh_from_db()
    if role == "anonymous":
        assert_login_redirect(response)
    elif role == "self":
        assert response.status_code == 302 and target.visibility_consent is True
        return
    elif role == "staff":
        assert response.status_code == 403  # staff change consent in the admin
    else:
        assert response.status_code == 302  # they saved their own profile, not the target's
    assert target.visibility_consent is False
    assert permissions.can_edit_consent(world[role], target) is (role == "staff")
    admin = client.get(f"/admin/actors/actor/{target.pk}/change/")
    assert admin.status_code == (200 if role == "staff" else 302)


@pytest.mark.parametrize("role", ROLES)
def test_export(client, world, role):
    target = world["target"]
    response = as_role(client, world, role).get("/mon-equipe/export.csv")
    if role == "anonymous":
        assert_login_redirect(response)
    elif role in {"team_coordinator", "other_coordinator"}:
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        text = response.content.decode()
        assert text.startswith("\ufeffprenom;nom;courriel;telephone;roles;lieux_activite")
        assert (target.email in text) is (role == "team_coordinator")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_actor_page_buttons(client, world, role):
    target = world["target"]
    response = as_role(client, world, role).get(f"/acteurs/{target.pk}/")
    if role in {"anonymous", "other_mediator"}:
        assert response.status_code == 404  # no consent: no page for them
        return
    html = response.content.decode()
    assert ("Retirer de l'équipe" in html) is (role == "team_coordinator")
    assert ("Inviter dans l'équipe" in html) is (role == "other_coordinator")
    assert (target.email in html) is (role in {"self", "team_coordinator", "staff"})


def test_get_on_actions_is_refused_and_csrf_is_enforced(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["other_coordinator"])
    assert strict.get("/mon-equipe/inviter/").status_code == 405
    assert strict.post("/mon-equipe/inviter/", {"actor": world["target"].pk}).status_code == 403
    assert not Invitation.objects.exists()
