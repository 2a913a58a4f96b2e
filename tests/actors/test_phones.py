"""Phone numbers (issue 11 #4): one cleaner for places and actors (``geo_directory.phones``),
any usual French form accepted, stored E.164, shown as people write them ("04 92 80 71 30")."""

import pytest

from actors.importers import ActorImporter
from actors.models import Actor
from geo_directory import phones
from places import cleaning

from .factories import add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "departement", "stored"),
    [
        ("04 65 70 00 03", "", "+33465700003"),
        ("0465700003", "", "+33465700003"),
        ("04.65.70.00.03", "04", "+33465700003"),
        ("+33 4 65 70 00 03", "", "+33465700003"),
        ("+33 (0)4 65 70 00 03", "", "+33465700003"),
        ("0033 4 65 70 00 03", "", "+33465700003"),
        ("465700003", "04", "+33465700003"),  # a spreadsheet ate the leading zero
        # overseas: the number's own plan, whatever the département says (or does not say)
        ("0262 90 47 00", "", "+262262904700"),
        ("0262 90 47 00", "04", "+262262904700"),
        ("0692 33 82 02", "974", "+262692338202"),
        ("0590 12 34 56", "", "+590590123456"),
        ("0596 12 34 56", "972", "+596596123456"),
        ("0596 60 12 34", "", "+596596601234"),  # the "FR" metadata wrongly accepts 0596
        ("0594 12 34 56", "", "+594594123456"),
        ("0269 61 12 34", "", "+262269611234"),
        # a metropolitan number stays one in La Réunion
        ("04 92 80 71 30", "974", "+33492807130"),
    ],
)
def test_any_usual_french_form_is_stored_e164(raw, departement, stored):
    assert phones.normalize(raw, departement) == stored
    # places and actors agree: they use the same cleaner
    assert cleaning.clean_phone(raw, departement)[0] == stored


@pytest.mark.parametrize("raw", ["accueil", "12", "04 92", "+33 1", "0000000000"])
def test_unreadable_numbers_are_refused_with_a_french_message(raw):
    with pytest.raises(phones.InvalidPhone, match="illisible"):
        phones.normalize(raw)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33492807130", "04 92 80 71 30"),
        ("+33612345678", "06 12 34 56 78"),
        ("+262262904700", "0262 90 47 00"),
        ("+41227000000", "+41 22 700 00 00"),
        ("", ""),
        ("pas un numéro", "pas un numéro"),
    ],
)
def test_display_form(stored, shown):
    assert phones.display(stored) == shown


def test_the_actor_import_reads_an_overseas_number_as_the_places_do():
    """The two copies disagreed: the actors' one made "0262…" of a mediator of 04 "+33262…"."""
    make_place("digne", source_id="ph1")
    row = {"id": "x-phone", "prenom": "Lou", "nom": "Réunion", "roles": "mediateur"}
    row.update({"telephone": "0262 90 47 00", "lieux_activite": "tests-actors:ph1"})
    report = ActorImporter([row]).run()
    assert report.rejected == []
    assert Actor.objects.get(external_id="x-phone").phone == "+262262904700"
    bad = ActorImporter([{**row, "telephone": "04 92"}]).run()
    assert [r["field"] for r in bad.rejected] == ["telephone"]


@pytest.mark.parametrize("typed", ["04 65 70 00 03", "0465700003", "+33 4 65 70 00 03"])
def test_the_profile_accepts_the_usual_forms_and_shows_the_national_one(client, typed):
    mediator = make_actor("Profil", places=[make_place("digne")], login=True)
    client.force_login(mediator.user)
    response = client.post(
        "/mon-profil/",
        {
            "first_name": "Profil",
            "last_name": mediator.last_name,
            "email": mediator.email,
            "phone": typed,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    mediator.refresh_from_db()
    assert mediator.phone == "+33465700003"
    page = client.get("/mon-profil/").content.decode()
    assert 'value="04 65 70 00 03"' in page and 'type="tel"' in page


def test_the_profile_refuses_an_unreadable_number_saying_how_to_write_it(client):
    mediator = make_actor("Profil", login=True)
    client.force_login(mediator.user)
    response = client.post(
        "/mon-profil/",
        {"first_name": "Profil", "last_name": "X", "email": mediator.email, "phone": "04 92"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    # the help text's example and the error's, each unbroken on a phone (no-break spaces)
    assert "Comme vous le composez, par exemple 04\u00a092\u00a080\u00a071\u00a030." in page
    assert "0262\u00a090\u00a047\u00a000 ou +33\u00a04\u00a092\u00a080\u00a071\u00a030" in page
    mediator.refresh_from_db()
    assert mediator.phone != "04 92"


def test_pages_show_phones_as_people_write_them(client):
    place = make_place("barcelonnette", "Espace des phones", telephone="+33492807130")
    place.is_visible = True
    place.save()
    mediator = make_actor("Phone", places=[place], phone="+33465700003")
    coordinator = make_coordinator(departements=["04"])
    add_to_team(coordinator, mediator)

    sheet = client.get(f"/lieux/{place.pk}/").content.decode()
    assert ">04 92 80 71 30</a>" in sheet and ">+33492807130<" not in sheet
    assert 'href="tel:+33492807130"' in sheet

    actor_page = client.get(f"/acteurs/{mediator.pk}/").content.decode()
    assert ">04 65 70 00 03</a>" in actor_page and ">+33465700003<" not in actor_page

    client.force_login(coordinator.user)
    team = client.get("/mon-equipe/").content.decode()
    assert ">04 65 70 00 03</a>" in team and ">+33465700003<" not in team
