"""Actor and place ids that pass ``str.isdigit()`` without being ASCII ("²") are refused by the
actors' own views, not only by the project's input middleware."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore

from actors import views_team
from tests.actors.factories import make_coordinator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor_id", ["²", "١٢", "12²"])
def test_invite_with_a_unicode_digit_id_is_refused_clearly(rf, actor_id):
    request = rf.post("/mon-equipe/inviter/", {"actor": actor_id})
    request.user = make_coordinator(departements=["04"]).user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = views_team.invite(request)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(request)] == [
        "Ce médiateur ne peut pas être invité dans votre équipe."
    ]


def test_actors_api_lieu_with_a_unicode_digit_is_a_400(client):
    response = client.get("/api/v1/acteurs/", {"lieu": "²"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target, landing",
    [
        # ignored: back to the section acted on (issue 11 #5)
        ("9999999999999999", "/mon-equipe/#invitations"),  # was reversed as a view name: 500
        ("actors:team", "/mon-equipe/#invitations"),
        ("https://evil.example/", "/mon-equipe/#invitations"),
        ("//evil.example/", "/mon-equipe/#invitations"),
        ("/acteurs/1/", "/acteurs/1/"),
    ],
)
def test_next_is_a_path_of_this_site_or_ignored(client, target, landing):
    client.force_login(make_coordinator(departements=["04"]).user)
    response = client.post("/mon-equipe/inviter/", {"email": "x@example.org", "next": target})
    assert response.status_code == 302 and response["Location"] == landing
