"""What a coordinator and a mediator do with their pages: invite, answer, remove, edit places."""

import html
from datetime import date

import pytest
from django.core import mail

from actors.models import Actor, Invitation
from actors.querysets import mediators_outside_team
from geo_directory import spreadsheet

from .factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def digne():
    return make_place("digne", "Médiathèque de Digne")


def test_invitation_by_email_then_accepted_by_the_mediator(client, digne):
    coordinator = make_coordinator(departements=["04"], employer=digne)
    mediator = make_actor("Invitée", places=[digne], login=True, email="invitee@example.org")
    client.force_login(coordinator.user)

    response = client.post("/mon-equipe/inviter/", {"email": " Invitee@Example.org "}, follow=True)
    assert messages_of(response) == ["Invitation envoyée à invitee@example.org."]
    (email,) = mail.outbox
    assert email.to == ["invitee@example.org"] and coordinator.full_name in email.body
    assert "http://testserver/mon-profil/" in email.body
    invitation = Invitation.objects.get(coordinator=coordinator)
    assert (invitation.email, invitation.actor, invitation.status) == (
        "invitee@example.org",
        mediator,
        "sent",
    )
    again = client.post("/mon-equipe/inviter/", {"email": "invitee@example.org"}, follow=True)
    assert "déjà en attente" in messages_of(again)[0]
    bad = client.post("/mon-equipe/inviter/", {"email": "pas une adresse"}, follow=True)
    assert messages_of(bad) == ["Saisissez une adresse électronique valide."]
    assert Invitation.objects.count() == 1

    client.force_login(mediator.user)
    profile = client.get("/mon-profil/").content.decode()
    assert "vous invite à rejoindre son équipe" in profile and coordinator.full_name in profile
    answered = client.post(
        f"/mon-profil/invitations/{invitation.pk}/", {"answer": "accept"}, follow=True
    )
    assert messages_of(answered) == [f"Vous avez rejoint l'équipe de {coordinator.full_name}."]
    assert list(Actor.objects.team_of(coordinator)) == [mediator]
    assert Invitation.objects.get().status == "accepted"
    # an answered invitation cannot be answered twice, nor by someone else
    assert client.post(f"/mon-profil/invitations/{invitation.pk}/").status_code == 404


def test_refused_invitation_can_be_sent_again_and_remove_puts_back_outside(client, digne):
    coordinator = make_coordinator(departements=["04"], employer=digne)
    mediator = make_actor("Refus", places=[digne], login=True)
    client.force_login(coordinator.user)
    client.post("/mon-equipe/inviter/", {"actor": mediator.pk})
    client.force_login(mediator.user)
    invitation = Invitation.objects.get()
    client.post(f"/mon-profil/invitations/{invitation.pk}/", {"answer": "refuse"})
    assert Invitation.objects.get().status == "refused"
    assert not Actor.objects.team_of(coordinator).exists()

    client.force_login(coordinator.user)
    client.post("/mon-equipe/inviter/", {"actor": mediator.pk})
    assert Invitation.objects.get().status == "sent"  # same row: unique per coordinator+email

    add_to_team(coordinator, mediator)
    assert mediator not in mediators_outside_team(coordinator)
    page = client.get("/mon-equipe/").content.decode()
    assert mediator.email in page  # their own team: contact details shown
    response = client.post(f"/mon-equipe/retirer/{mediator.pk}/", follow=True)
    assert messages_of(response) == [f"{mediator.full_name} ne fait plus partie de votre équipe."]
    assert mediator in mediators_outside_team(coordinator)


def test_invitation_stays_recorded_when_the_mail_server_is_down(client, digne, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    coordinator = make_coordinator(departements=["04"], employer=digne)
    client.force_login(coordinator.user)
    response = client.post("/mon-equipe/inviter/", {"email": "loin@example.org"}, follow=True)
    assert "le courriel n'a pas pu partir" in messages_of(response)[0]
    assert Invitation.objects.filter(email="loin@example.org", status="sent").exists()


def test_export_lists_the_team_for_a_mailing_list(client, demo_coordinator):
    client.force_login(demo_coordinator.user)
    response = client.get("/mon-equipe/export.csv")
    assert 'filename="mon-equipe-' in response["Content-Disposition"]
    rows = spreadsheet.read(response.content.decode("utf-8"))
    team = Actor.objects.team_of(demo_coordinator)
    assert sorted(r["courriel"] for r in rows) == sorted(team.values_list("email", flat=True))
    assert all(r["lieux_activite"] for r in rows)


def test_export_defuses_spreadsheet_formulas(client, digne):
    coordinator = make_coordinator(departements=["04"], employer=digne)
    add_to_team(coordinator, make_actor("=HYPERLINK(1)", "@Nom", places=[digne]))
    client.force_login(coordinator.user)
    (row,) = spreadsheet.read(client.get("/mon-equipe/export.csv").content.decode())
    assert (row["prenom"], row["nom"]) == ("'=HYPERLINK(1)", "'@Nom")
    assert row["telephone"].startswith("04 65 7")  # as written in France, not +33… (a number)


def test_mediator_adds_and_ends_places_and_edits_the_profile(client, digne):
    mediator = make_actor("Profil", places=[digne], login=True, consent=False)
    sisteron = make_place("sisteron", "France services de Sisteron")
    client.force_login(mediator.user)
    page = client.get("/mon-profil/")
    assert sisteron in page.context["activity_form"].fields["place"].queryset

    gap = make_place("gap", "Tiers-lieu de Gap")
    assert gap not in page.context["activity_form"].fields["place"].queryset
    in_05 = client.get("/mon-profil/?departement=05").context["activity_form"]
    assert gap in in_05.fields["place"].queryset and sisteron not in in_05.fields["place"].queryset
    refused = client.post("/mon-profil/lieux/ajouter/", {"place": gap.pk}, follow=True)
    assert messages_of(refused) == ["Choisissez un lieu de la liste et une date valide."]
    client.post("/mon-profil/lieux/ajouter/", {"place": gap.pk, "departement": "05"}, follow=True)
    assert mediator.activities.current().filter(place=gap).exists()
    mediator.activities.filter(place=gap).end()
    response = client.post("/mon-profil/lieux/ajouter/", {"place": sisteron.pk}, follow=True)
    assert messages_of(response) == ["France services de Sisteron ajouté à vos lieux d'activité."]
    future = client.post(
        "/mon-profil/lieux/ajouter/", {"place": sisteron.pk, "start_date": "2999-01-01"}
    )
    assert future.status_code == 302 and mediator.activities.current().count() == 2

    activity = mediator.activities.get(place=digne)
    client.post(f"/mon-profil/lieux/{activity.pk}/terminer/")
    activity.refresh_from_db()
    assert activity.end_date == date.today()
    assert [a.place for a in mediator.activities.current()] == [sisteron]

    bad = client.post(
        "/mon-profil/",
        {"first_name": "Profil", "last_name": "X", "email": "x@example.org", "phone": "abc"},
    )
    assert bad.status_code == 400 and "phone" in bad.context["form"].errors
    good = client.post(
        "/mon-profil/",
        {
            "first_name": "Profil",
            "last_name": "Modifié",
            "email": "x@example.org",
            "phone": "+33465710001",
            "visibility_consent": "on",
        },
    )
    assert good.status_code == 302
    mediator.refresh_from_db()
    assert mediator.visibility_consent and list(Actor.objects.search("profil modifie")) == [
        mediator
    ]


def test_a_coordinator_not_yet_validated_is_told_why(client):
    coordinator = make_coordinator(departements=["04"], validated=False)
    client.force_login(coordinator.user)
    response = client.get("/mon-equipe/")
    assert response.status_code == 403
    assert "pas encore validée" in html.unescape(response.content.decode())


def test_someone_without_an_actor_gets_a_clear_refusal(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/mon-profil/")
    assert response.status_code == 403
    assert "Aucune fiche d'acteur" in html.unescape(response.content.decode())


def test_staff_manage_actors_in_the_admin_where_fictional_people_are_flagged(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("admin-test", password="x")
    client.force_login(admin)
    listing = client.get("/admin/actors/actor/?is_fictional__exact=1")
    assert listing.status_code == 200 and "(fictif)" in listing.content.decode()
    jp = Actor.objects.get(external_id="demo-003")
    assert client.get(f"/admin/actors/actor/{jp.pk}/change/").status_code == 200
    for model in ("teammembership", "invitation", "activity", "employment"):
        assert client.get(f"/admin/actors/{model}/").status_code == 200
    digne = Actor.objects.filter(roles__contains=["mediateur"], deleted_at__isnull=True).first()
    client.post(
        "/admin/actors/actor/",
        {"action": "soft_delete", "_selected_action": [digne.pk]},
    )
    digne.refresh_from_db()
    assert digne.deleted_at is not None and not digne.activities.current().exists()
