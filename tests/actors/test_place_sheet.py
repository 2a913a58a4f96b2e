"""A place's sheet lists the mediators who agreed to be shown (issue 11 #1), and nobody else:
not on the sheet, not in the API, not in the exports."""

import json
from datetime import date

import pytest

from actors.models import Activity, Actor, Role
from places.models import Place

from .factories import make_actor, make_place

pytestmark = pytest.mark.django_db


def body(client, url) -> str:
    response = client.get(url, follow=True)  # a duplicate's sheet leads to its real place's
    assert response.status_code == 200, (url, response.status_code)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode()
    if "json" in response.get("Content-Type", ""):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def section(page: str) -> str:
    start = page.index('aria-labelledby="mediateurs"')
    return page[start : page.index("</section>", start)]


def test_demo_place_350_shows_its_consenting_mediator_with_role_date_and_contact(client):
    place = Place.objects.get(pk=350)  # Commune de Peyruis (data-inclusion)
    mediator = Actor.objects.get(external_id="demo-003")  # Jean-Pierre Exemplaire, consenting
    assert mediator.visibility_consent and mediator.activities.current().filter(place=place)
    shown = section(body(client, f"/lieux/{place.pk}/"))  # the sheet of Peyruis's town hall
    assert "Jean-Pierre Exemplaire" in shown
    assert f'href="/acteurs/{mediator.pk}/"' in shown
    assert "Médiateur numérique" in shown
    assert "depuis le 1<sup>er</sup> décembre 2025" in shown
    assert "jean-pierre.exemplaire@example.org" in shown and "+33465700003" in shown


def test_only_consenting_validated_current_mediators_appear_and_no_trace_of_others(client):
    place = make_place("barcelonnette", "Espace numérique de l'Ubaye")
    shown = make_actor("Hortense", "Visible", places=[place], roles=(Role.CONSEILLER_NUMERIQUE,))
    Activity.objects.filter(actor=shown).update(start_date=date(2023, 3, 14))
    no_phone = make_actor("Basile", "Sanstéléphone", places=[place], phone="")
    hidden = [
        make_actor("Ophélie", "Discrète", places=[place], consent=False),
        make_actor("Norbert", "Nonvalidé", places=[place], validated=False),
        make_actor("Léonie", "Partie", places=[place]),
        make_actor("Gaston", "Supprimé", places=[place]),
    ]
    hidden[2].activities.update(end_date=date(2024, 6, 1))
    hidden[3].soft_delete()

    page = body(client, f"/lieux/{place.pk}/")
    listed = section(page)
    assert "Hortense Visible" in listed and "Conseiller numérique" in listed
    assert "ici depuis le 14 mars 2023" in listed
    assert shown.email in listed and shown.phone in listed
    assert "Basile Sanstéléphone" in listed and no_phone.email in listed
    assert listed.count("Téléphone :") == 1  # Basile has none
    assert "Les personnes qui vous accompagnent" in listed

    outputs = {
        "sheet": page,
        "api detail": body(client, f"/api/v1/lieux/{place.pk}/"),
        "api list": body(client, "/api/v1/lieux/?departement=04&page_size=1000"),
        "api csv": body(client, "/api/v1/lieux/?departement=04&format=csv"),
        "export geojson": body(client, "/api/v1/export/lieux.geojson"),
        "export csv": body(client, "/api/v1/export/lieux.csv"),
        "actors api": body(client, "/api/v1/acteurs/?departement=04&page_size=200"),
    }
    assert place.nom in outputs["api detail"] and place.nom in outputs["export csv"]
    for person in hidden:
        for trace in (person.full_name, person.last_name, person.email, person.phone):
            for name, text in outputs.items():
                assert trace not in text, f"{trace} of {person} leaks in the {name}"


def test_a_place_without_anyone_to_show_has_no_section(client):
    place = make_place("sisteron", "Point numérique sans médiateur visible")
    make_actor("Ophélie", "Discrète", places=[place], consent=False)
    page = body(client, f"/lieux/{place.pk}/")
    assert 'id="mediateurs"' not in page and "Discrète" not in page
