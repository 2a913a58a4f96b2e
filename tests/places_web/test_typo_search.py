"""Searches tolerate typos and accents (issue 11 #11, PostgreSQL pg_trgm, GIN trigram indexes):
"barcelonette" finds Barcelonnette, "digne les bains" Digne-les-Bains, "brouilon" the demo
actors named Brouillon; an exact match still wins over a look-alike."""

import html

import pytest

from actors.models import Actor
from geo_directory.territories.models import Commune
from places.models import Place

pytestmark = pytest.mark.django_db


def suggestions(client, text):
    response = client.get("/lieux/communes/", {"q": text})
    assert response.status_code == 200
    return [result["label"] for result in response.json()["results"]]


def page(client, url, params=None):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def test_commune_suggestions_and_the_commune_field_tolerate_typos_and_accents(client):
    assert suggestions(client, "barcelonette")[0] == "Barcelonnette (04)"
    assert suggestions(client, "barcelonnete")[0] == "Barcelonnette (04)"
    assert suggestions(client, "digne les bains")[0] == "Digne-les-Bains (04)"
    assert suggestions(client, "DIGNE LES BAIN")[0] == "Digne-les-Bains (04)"
    # names that start with the text still come first, most populated first
    assert suggestions(client, "barc")[0] == "Barcelonnette (04)"
    assert suggestions(client, "saint")[:1] == [
        f"{c.nom} ({c.departement_id})"
        for c in Commune.objects.filter(
            name_key__startswith="saint", reference_point__isnull=False
        ).order_by("-population")[:1]
    ]
    for typed, meant in (
        ("barcelonette", "Barcelonnette (04)"),
        ("digne les bains", "Digne-les-Bains (04)"),
    ):
        found = page(client, "/lieux/", {"commune": typed})
        heading = found[found.index('id="resultats"') :].split("</h2>")[0]
        assert f"à moins de 20 km de {meant}" in " ".join(heading.split()), typed
        assert 'data-place-id="' in found
    assert "Aucune commune ne correspond à « zzxqwv »" in page(
        client, "/lieux/", {"commune": "zzxqwv"}
    )


def test_the_places_text_search_tolerates_typos_in_the_api_and_the_directory(client):
    barcelonnette = set(
        Place.objects.public().filter(nom__icontains="Barcelonnette").values_list("pk", flat=True)
    )
    assert {21, 602} <= barcelonnette
    for text in ("barcelonette", "barcelonnete", "France services Barcelonette"):
        response = client.get("/api/v1/lieux/", {"q": text, "page_size": 100})
        assert response.status_code == 200
        ids = {int(feature["id"]) for feature in response.json()["features"]}
        assert {21, 602} <= ids, text
    directory = page(client, "/mon-reseau/04/lieux/", {"q": "barcelonette"})
    assert "France services Barcelonnette" in directory.split("<tbody>")[1]
    digne = page(client, "/mon-reseau/04/lieux/", {"q": "digne les bains"})
    assert "Digne-les-Bains" in digne.split("<tbody>")[1]
    # an exact match is not drowned by look-alikes
    exact = client.get("/api/v1/lieux/", {"q": "Barcelonnette", "page_size": 100}).json()
    assert {int(f["id"]) for f in exact["features"]} == set(
        Place.objects.public().search("Barcelonnette").values_list("pk", flat=True)
    )


def test_the_actor_name_search_finds_brouillon_typed_brouilon(client):
    brouillons = set(Actor.objects.filter(last_name="Brouillon").values_list("pk", flat=True))
    assert len(brouillons) >= 5  # fixtures/actors/actors-demo.csv
    assert set(Actor.objects.search("brouilon").values_list("pk", flat=True)) == brouillons
    william = Actor.objects.get(external_id="demo-011")
    assert list(Actor.objects.search("william brouilon")) == [william]
    # the public directory of 04: the consenting Brouillons who work there, nobody else
    found = page(client, "/mon-reseau/04/acteurs/", {"q": "brouilon"})
    for actor in Actor.objects.filter(last_name="Brouillon"):
        shown = actor.full_name in found
        public_here = Actor.objects.public().in_departement("04").filter(pk=actor.pk).exists()
        assert shown == public_here, actor
    assert "Diane Brouillon" in found and "Samuel Brouillon" in found
    assert "Gaëlle Brouillon" not in found  # in 04 but without consent
