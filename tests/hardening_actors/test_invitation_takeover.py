"""Nobody takes over an invitation by typing someone else's e-mail on their profile.

An e-mail change counts only once confirmed by the link sent to the new address, by the account
that asked; invitations are bound to the person invited. Inviting an address never names its
owner beyond what the public or the coordinator's territory may see.
"""

import html
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing

from actors.models import Actor, Invitation
from tests.actors.factories import make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def profile_post(client, actor, **changes):
    data = {
        "first_name": actor.first_name,
        "last_name": actor.last_name,
        "email": actor.email,
        "phone": actor.phone,
        "visibility_consent": "on" if actor.visibility_consent else "",
    }
    data.update(changes)
    return client.post("/mon-profil/", data, follow=True)


def confirmation_link(message):
    (url,) = re.findall(r"http://testserver(/mon-profil/courriel/[^/\s]+/)", message.body)
    return url


@pytest.fixture
def digne():
    return make_place("digne", "Médiathèque de Digne")


@pytest.fixture
def coordinator(digne):
    return make_coordinator(departements=["04"], employer=digne)


def test_typing_the_invited_address_gives_nothing(client, coordinator, digne):
    invited = make_actor("Invitée", places=[digne], login=True, email="invitee@example.org")
    intruder = make_actor("Intrus", places=[digne], login=True, email="intrus@example.org")
    client.force_login(coordinator.user)
    client.post("/mon-equipe/inviter/", {"email": "invitee@example.org"}, follow=True)
    invitation = Invitation.objects.get(coordinator=coordinator)
    assert invitation.actor == invited
    mail.outbox.clear()

    client.force_login(intruder.user)
    saved = profile_post(client, intruder, email="Invitee@Example.org")
    intruder.refresh_from_db()
    assert intruder.email == "intrus@example.org"  # not until confirmed
    assert intruder.pending_email == "invitee@example.org"
    assert "votre courriel ne change qu'une fois ce lien ouvert" in messages_of(saved)[0]
    (sent,) = mail.outbox
    assert sent.to == ["invitee@example.org"]  # the link goes to the new address only
    profile = client.get("/mon-profil/").content.decode()
    assert coordinator.full_name not in profile and "en attente de confirmation" in profile
    answer = client.post(f"/mon-profil/invitations/{invitation.pk}/", {"answer": "accept"})
    assert answer.status_code == 404
    assert not Actor.objects.team_of(coordinator).exists()

    # the link lands in the real owner's mailbox: useless to them, it is not their account
    client.force_login(invited.user)
    refused = client.post(confirmation_link(sent))
    assert refused.status_code == 403
    assert "concerne un autre compte" in html.unescape(refused.content.decode())
    intruder.refresh_from_db()
    assert intruder.email == "intrus@example.org"
    # and their invitation is still theirs
    assert coordinator.full_name in client.get("/mon-profil/").content.decode()
    client.post(f"/mon-profil/invitations/{invitation.pk}/", {"answer": "accept"})
    assert list(Actor.objects.team_of(coordinator)) == [invited]


def test_an_invitation_to_a_new_address_goes_to_whoever_confirms_it(client, coordinator, digne):
    client.force_login(coordinator.user)
    client.post("/mon-equipe/inviter/", {"email": "nouvelle@example.org"}, follow=True)
    invitation = Invitation.objects.get(coordinator=coordinator)
    assert invitation.actor is None
    mail.outbox.clear()

    squatter = make_actor("Squat", places=[digne], login=True)
    client.force_login(squatter.user)
    profile_post(client, squatter, email="nouvelle@example.org")
    assert coordinator.full_name not in client.get("/mon-profil/").content.decode()
    assert client.post(f"/mon-profil/invitations/{invitation.pk}/").status_code == 404

    owner = make_actor("Nouvelle", places=[digne], login=True, email="ancienne@example.org")
    client.force_login(owner.user)
    mail.outbox.clear()
    profile_post(client, owner, email="nouvelle@example.org")
    (sent,) = mail.outbox
    link = confirmation_link(sent)
    page = client.get(link)
    assert page.status_code == 200 and "nouvelle@example.org" in page.content.decode()
    owner.refresh_from_db()
    assert owner.email == "ancienne@example.org"  # a GET (a mail scanner) changes nothing
    confirmed = client.post(link, follow=True)
    assert messages_of(confirmed) == ["Votre courriel est désormais nouvelle@example.org."]
    owner.refresh_from_db()
    assert (owner.email, owner.pending_email) == ("nouvelle@example.org", "")
    invitation.refresh_from_db()
    assert invitation.actor == owner
    assert coordinator.full_name in confirmed.content.decode()  # their profile lists it now

    # the squatter's own unconfirmed request is void: it replaced nothing it could use
    client.force_login(squatter.user)
    assert coordinator.full_name not in client.get("/mon-profil/").content.decode()
    # a link works once
    client.force_login(owner.user)
    again = client.post(link)
    assert again.status_code == 400
    assert "déjà servi" in html.unescape(again.content.decode())


def test_broken_expired_and_replaced_links_change_nothing(client, digne, monkeypatch):
    person = make_actor("Lien", places=[digne], login=True, email="lien@example.org")
    client.force_login(person.user)
    profile_post(client, person, email="premier@example.org")
    first = confirmation_link(mail.outbox[-1])
    profile_post(client, person, email="second@example.org")
    second = confirmation_link(mail.outbox[-1])

    replaced = client.post(first)
    assert replaced.status_code == 400
    assert "remplacé par une demande plus récente" in html.unescape(replaced.content.decode())
    tampered = client.post(second[:-3] + "xx/")
    assert tampered.status_code == 400
    assert "n'est pas valide" in html.unescape(tampered.content.decode())
    later = time.time() + timedelta(days=4).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)
    expired = client.post(second)
    assert expired.status_code == 400
    assert "a expiré" in html.unescape(expired.content.decode())
    person.refresh_from_db()
    assert person.email == "lien@example.org"

    monkeypatch.undo()
    assert client.post(second).status_code == 302
    person.refresh_from_db()
    assert person.email == "second@example.org"
    # removing one's address needs no link
    profile_post(client, person, email="")
    person.refresh_from_db()
    assert person.email == ""


def test_staff_setting_an_address_binds_its_invitations(client, coordinator):
    from django.contrib.auth import get_user_model

    client.force_login(coordinator.user)
    client.post("/mon-equipe/inviter/", {"email": "arrivee@example.org"})
    newcomer = make_actor("Arrivée", login=True, email="")
    admin = get_user_model().objects.create_superuser("admin-claim", password="x")
    client.force_login(admin)
    change = client.get(f"/admin/actors/actor/{newcomer.pk}/change/")
    assert change.status_code == 200
    form = change.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"email": "arrivee@example.org", "roles": "mediateur"})
    for inline in change.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    saved = client.post(f"/admin/actors/actor/{newcomer.pk}/change/", data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    newcomer.refresh_from_db()
    assert newcomer.email == "arrivee@example.org"
    assert Invitation.objects.get(email="arrivee@example.org").actor == newcomer


def test_inviting_an_address_names_only_whom_the_coordinator_may_see(client, coordinator, digne):
    gap = make_place("gap", "Tiers-lieu de Gap")
    hidden_elsewhere = make_actor(
        "Cachée", "Ailleurs", places=[gap], consent=False, email="cachee@example.org"
    )
    public_elsewhere = make_actor("Publique", "Visible", places=[gap], email="pub@example.org")
    hidden_here = make_actor("Discrète", "Ici", places=[digne], consent=False, email="ici@ex.org")
    client.force_login(coordinator.user)
    for address in ("cachee@example.org", "pub@example.org", "ici@ex.org"):
        response = client.post("/mon-equipe/inviter/", {"email": address}, follow=True)
        assert messages_of(response) == [f"Invitation envoyée à {address}."]
        assert hidden_elsewhere.last_name not in response.content.decode()
    # still bound to the person: they get it
    assert Invitation.objects.get(email="cachee@example.org").actor == hidden_elsewhere

    team = html.unescape(client.get("/mon-equipe/").content.decode())
    listing = team[team.index('id="invitation-list"') :]
    assert "cachee@example.org" in listing
    assert hidden_elsewhere.full_name not in team
    assert public_elsewhere.full_name in listing  # the public sees them
    assert hidden_here.full_name in listing  # validated and working in the territory
    assert "Nom visible après acceptation" in listing
