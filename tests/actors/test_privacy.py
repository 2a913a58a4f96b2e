"""Without consent, the public sees no trace of a person: every public output is searched for
the name, e-mail and phone of each demo actor who did not consent."""

import io
import json

import pytest
from django.core.management import call_command

from actors.models import Actor
from actors.querysets import mediators_outside_team

from .factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


def traces(actor):
    found = [actor.full_name, actor.email, actor.phone]
    return [text for text in found if text]


def public_outputs(client):
    """Text of every public page, API response, export and map of the demo territory."""
    private = Actor.objects.filter(visibility_consent=False)
    place_ids = set(private.values_list("activities__place", flat=True)) - {None}
    urls = ["/", "/mon-reseau/", "/lieux/", "/couverture/", "/api/v1/departements/04/reseau/"]
    for code in ("04", "05", "974"):
        urls += [
            f"/mon-reseau/{code}/",
            f"/mon-reseau/{code}/lieux/",
            f"/couverture/{code}/",
            f"/api/v1/lieux/?departement={code}&page_size=1000",
            f"/api/v1/lieux/?departement={code}&format=csv",
            f"/api/v1/lieux/?departement={code}&format=json&page_size=1000",
            f"/api/v1/acteurs/?departement={code}&page_size=200",
        ]
        directory = f"/mon-reseau/{code}/acteurs/"
        pages = client.get(directory).context["page"].paginator.num_pages
        urls += [f"{directory}?page={n}" for n in range(1, pages + 1)]
    sample = sorted(place_ids)[:15]  # place sheets where they work (the lists cover the rest)
    urls += [f"/lieux/{pk}/" for pk in sample]
    urls += [f"/api/v1/lieux/{pk}/" for pk in sample]
    urls += [f"/lieux/?q=Digne-les-Bains&radius_km=100&place={pk}" for pk in sorted(place_ids)[:3]]
    urls += [f"/acteurs/{actor.pk}/" for actor in private]
    outputs = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        if "json" in response.get("Content-Type", ""):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        outputs[url] = (response.status_code, text)
    for fmt in ("standard-csv", "standard-json", "geojson"):
        out = io.StringIO()
        call_command("export_places", format=fmt, stdout=out)
        outputs[f"export_places {fmt}"] = (200, out.getvalue())
    return outputs


def test_no_public_output_contains_a_non_consenting_actor(client):
    private = list(Actor.objects.filter(visibility_consent=False, is_fictional=True))
    public = list(Actor.objects.public().active())
    assert len(private) > 10 and len(public) > 10
    outputs = public_outputs(client)
    assert all(outputs[f"/acteurs/{actor.pk}/"][0] == 404 for actor in private)
    mine = [url for url in outputs if "reseau" in url or "acteurs" in url]
    assert all(outputs[url][0] == 200 for url in mine if not url.startswith("/acteurs/"))
    everything = "\n".join(text for _, text in outputs.values())
    for actor in private:
        for trace in traces(actor):
            assert trace not in everything, f"{trace} leaks"
    for actor in private[:10]:  # searching their exact name finds nothing
        response = client.get("/mon-reseau/04/acteurs/", {"q": actor.full_name})
        assert response.context["page"].paginator.count == 0
        assert response.content.decode().count(actor.full_name) == 1  # the search box itself
    # the search is meaningful: consenting actors do appear in the same outputs
    assert all(actor.full_name in everything for actor in public)
    assert all(actor.email in everything for actor in public if actor.email)


def test_a_non_consenting_actor_in_a_coordinators_popup_or_export_stays_private(client):
    gap = make_place("gap", "Tiers-lieu de Gap")
    secret = make_actor("Secrète", "Sans-Consentement", consent=False, places=[gap])
    coordinator_04 = make_coordinator(departements=["04"])
    client.force_login(coordinator_04.user)
    export = client.get("/mon-equipe/export.csv").content.decode()
    team_page = client.get("/mon-equipe/").content.decode()
    for trace in traces(secret):
        assert trace not in export and trace not in team_page
    assert client.get(f"/acteurs/{secret.pk}/").status_code == 404


def test_a_coordinator_sees_contact_details_of_their_own_team_only(client):
    digne = make_place("digne")
    mine = make_actor("Équipière", consent=False, places=[digne])
    theirs = make_actor("Autre", consent=False, places=[digne])
    public = make_actor("Publique", consent=True, places=[digne])
    coordinator = make_coordinator(departements=["04"], employer=digne)
    other = make_coordinator(departements=["04"])
    add_to_team(coordinator, mine)
    add_to_team(other, theirs)
    client.force_login(coordinator.user)
    mine_page = client.get(f"/acteurs/{mine.pk}/").content.decode()
    assert mine.email in mine_page and mine.phone in mine_page
    theirs_page = client.get(f"/acteurs/{theirs.pk}/")
    assert theirs_page.status_code == 200  # a mediator of the territory, to invite
    assert theirs.email not in theirs_page.content.decode()
    assert theirs.phone not in theirs_page.content.decode()
    assert public.email in client.get(f"/acteurs/{public.pk}/").content.decode()
    export = client.get("/mon-equipe/export.csv").content.decode()
    assert mine.email in export and theirs.email not in export and public.email not in export
    assert theirs in mediators_outside_team(coordinator)
    team_html = client.get("/mon-equipe/").content.decode()
    assert theirs.full_name in team_html and theirs.email not in team_html
