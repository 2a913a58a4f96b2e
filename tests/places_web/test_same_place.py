"""One real place appears once (issue 11 #6): "France services Barcelonnette" comes from the
France services file (id 21) and from Hub du Sud (id 602); the public sees one place naming both
sources, the data keeper can split or confirm a pair in the admin, and the decision, keyed by the
sources' ids, survives a re-import. The published layers keep every record."""

import html
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from places.models import DuplicateDecision, Place

from .factories import make_place

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
MONTHS = MONTHS.split()

pytestmark = pytest.mark.django_db

BARCELONNETTE = "France services Barcelonnette"
REVIEW = "/admin/places/duplicatedecision/doublons/"


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return html.unescape(response.content.decode())


def listed(text: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-place-id="(\d+)"', text)]


def on_map(text: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'"placeId": (\d+)', text)]


@pytest.fixture
def keeper(client):
    user = get_user_model().objects.create_superuser("gardien", password="x-test-pass")
    client.force_login(user)
    return user


def test_the_public_search_lists_and_maps_the_france_services_of_barcelonnette_once(client):
    assert {Place.objects.get(pk=pk).import_source for pk in (21, 602)} == {
        "france-services",
        "hub-du-sud",
    }
    found = page(client, "/lieux/?commune=Barcelonnette&rayon=20")
    ids = listed(found)
    assert len(ids) == len(set(ids)) and len({21, 602} & set(ids)) == 1
    assert sorted(on_map(found)) == sorted(ids)
    names = re.findall(
        r'<li class="result card".*?<h3><a href="(/lieux/\d+/)">([^<]+)</a>', found, re.S
    )
    assert [url for url, name in names if name == BARCELONNETTE] == ["/lieux/21/"]
    # a filter only the Hub du Sud record satisfies ("Gratuit") still finds the place, once
    free = page(client, "/lieux/?commune=Barcelonnette&rayon=20&frais_a_charge=Gratuit")
    assert len({21, 602} & set(listed(free))) == 1 and 'href="/lieux/21/"' in free
    # the département's directory too, naming how many sources
    directory = page(client, "/mon-reseau/04/lieux/?q=France+services+Barcelonnette")
    rows = directory.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count(BARCELONNETTE) == 1 and "(2 sources)" in rows


def test_the_sheet_of_either_record_is_one_sheet_naming_both_sources_with_merged_values(client):
    response = client.get("/lieux/602/")
    assert response.status_code == 302 and response["Location"] == "/lieux/21/"
    sheet = page(client, "/lieux/21/")
    sources = sheet[sheet.index('id="sources"') :]
    sources = sources[: sources.index("</section>")]
    assert "france-services</strong>, fiche 573" in sources
    assert "hub-du-sud" in sources and "mediation-numerique-france-services-573" in sources
    # the France services record has no services: the Hub du Sud's complete the sheet
    assert Place.objects.get(pk=21).services == []
    assert "Aide aux démarches administratives" in sheet and "Gratuit" in sheet
    # the most recent of the two records: the France services one, undated by its source, has
    # the date of its import (the Hub du Sud's says 2020-01-01)
    newest = Place.objects.get(pk=21).date_maj
    assert newest > Place.objects.get(pk=602).date_maj == date(2020, 1, 1)
    day = "1<sup>er</sup>" if newest.day == 1 else str(newest.day)
    assert f"Mis à jour le {day} {MONTHS[newest.month - 1]} {newest.year}" in sheet


def test_the_published_layers_keep_every_record(client):
    api = client.get("/api/v1/lieux/?departement=04&page_size=1000").json()
    ids = {feature["id"] for feature in api["features"]}
    assert {21, 602} <= ids or {"21", "602"} <= ids


def test_the_keeper_splits_a_pair_and_the_choice_survives_a_reimport(client, keeper):
    review = page(client, REVIEW + "?departement=04")
    assert 'id="paire-21-602"' in review and "sans décision" in review
    response = client.post(
        REVIEW, {"first": "21", "second": "602", "verdict": "different", "departement": "04"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#paire-21-602")
    decision = DuplicateDecision.objects.get()
    assert (decision.first_source, decision.first_source_id) == ("france-services", "573")
    assert decision.second_source == "hub-du-sud" and decision.decided_by == keeper
    client.logout()
    assert client.get("/lieux/602/").status_code == 200
    assert {21, 602} <= set(listed(page(client, "/lieux/?commune=Barcelonnette&rayon=20")))

    # the Hub du Sud file imported again after its record was removed: a new id, same key
    record = Place.objects.get(pk=602)
    Place.objects.filter(pk=602).delete()
    record.pk = None
    record.save()
    again = listed(page(client, "/lieux/?commune=Barcelonnette&rayon=20"))
    assert 21 in again and record.pk in again

    client.force_login(keeper)
    client.post(REVIEW, {"first": "21", "second": str(record.pk), "verdict": "same"})
    assert DuplicateDecision.objects.get().verdict == "same"
    client.logout()
    ids = listed(page(client, "/lieux/?commune=Barcelonnette&rayon=20"))
    assert len({21, record.pk} & set(ids)) == 1


def test_a_confirmed_pair_stays_one_place_even_if_the_detection_does_not_pair_it(client, keeper):
    town_hall = make_place("sisteron", "Mairie de Sisteron, espace numérique")
    annex = make_place("sisteron", "Point numérique de la mairie", dy=0.003, adresse="Annexe")
    found = listed(page(client, "/lieux/?commune=Sisteron&rayon=5"))
    assert town_hall.pk in found and annex.pk in found
    DuplicateDecision.record(town_hall, annex, "same", user=keeper)
    client.logout()
    found = listed(page(client, "/lieux/?commune=Sisteron&rayon=5"))
    assert len({town_hall.pk, annex.pk} & set(found)) == 1


def test_a_split_inside_a_group_of_three_keeps_the_two_apart(client, keeper):
    # Commune de Peyruis: conseillers numériques (130), data.inclusion (350), Hub du Sud (469)
    ids = listed(page(client, "/lieux/?commune=Peyruis&rayon=5"))
    assert len({130, 350, 469} & set(ids)) == 1
    DuplicateDecision.record(Place.objects.get(pk=130), Place.objects.get(pk=469), "different")
    ids = set(listed(page(client, "/lieux/?commune=Peyruis&rayon=5")))
    assert 130 in ids and len({350, 469} & ids) == 1 or len({130, 350} & ids) == 1 and 469 in ids


def test_the_admin_review_refuses_an_unreadable_pair_and_the_public(client, keeper):
    client.post(REVIEW, {"first": "21", "second": "²", "verdict": "same"})
    assert not DuplicateDecision.objects.exists()
    client.post(REVIEW, {"first": "21", "second": "602", "verdict": "fusion"})
    assert not DuplicateDecision.objects.exists()
    client.logout()
    assert client.get(REVIEW).status_code == 302  # to the admin login


def test_the_mediators_add_a_place_list_shows_peyruis_town_hall_once(client):
    from tests.actors.factories import make_actor

    mediator = make_actor("Alix", places=[Place.objects.get(pk=21)], login=True)
    client.force_login(mediator.user)
    profile = page(client, "/mon-profil/?departement=04")
    assert profile.count("Commune de Peyruis (PEYRUIS)") == 1
    assert profile.count(f"{BARCELONNETTE} (Barcelonnette)") <= 1


def test_the_coverage_map_shows_one_marker_per_real_place(client):
    text = client.get("/couverture/04/?base=places").content.decode()
    points = text[text.index("var points = ") :].split(";")[0]
    ids = {int(pk) for pk in re.findall(r"\[(\d+), \"", points)}
    assert len({21, 602} & ids) == 1  # France services Barcelonnette
    assert len({192, 463} & ids) == 1  # Croix-Rouge of Sisteron, from two sources
