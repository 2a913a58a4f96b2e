"""/api/v1/acteurs/: only consenting, validated, active actors, public fields, filters, 400s."""

import pytest

from actors.models import Actor

from .factories import make_actor, make_place

pytestmark = pytest.mark.django_db
URL = "/api/v1/acteurs/"


def all_results(client, query=""):
    results, url = [], f"{URL}?page_size=200&{query}"
    while url:
        data = client.get(url).json()
        results += data["results"]
        url = data["next"]
    return results


def test_only_public_active_actors_with_public_fields_and_place_ids(client):
    digne = make_place("digne")
    shown = make_actor("Visible", places=[digne])
    make_actor("Cache", consent=False, places=[digne])
    make_actor("Attente", validated=False, places=[digne])
    make_actor("Inactif")  # no place, no job
    make_actor("Supprime", places=[digne]).soft_delete()
    results = all_results(client)
    ids = {r["id"] for r in results}
    expected = set(Actor.objects.public().active().values_list("pk", flat=True))
    assert ids == expected and shown.pk in ids
    row = next(r for r in results if r["id"] == shown.pk)
    assert set(row) == {
        "id",
        "prenom",
        "nom",
        "roles",
        "courriel",
        "telephone",
        "lieux_activite",
        "fictif",
    }
    assert row["lieux_activite"] == [digne.pk] and row["roles"] == ["mediateur"]


def test_filters_by_departement_role_and_place(client):
    gap = make_place("gap")
    at_gap = make_actor("Alpin", roles=("conseiller_numerique",), places=[gap])
    in_05 = {r["id"] for r in all_results(client, "departement=05")}
    assert at_gap.pk in in_05
    assert in_05 == set(Actor.objects.public().in_departement("05").values_list("pk", flat=True))
    cnfs = all_results(client, "departement=05&role=conseiller_numerique")
    assert cnfs and all("conseiller_numerique" in r["roles"] for r in cnfs)
    assert [r["id"] for r in all_results(client, f"lieu={gap.pk}")] == [at_gap.pk]


def test_pagination_defaults_to_20(client):
    data = client.get(URL).json()
    assert len(data["results"]) == 20 and data["count"] > 20 and data["next"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("departement=99", "departement"), ("role=chef", "role"), ("lieu=1%3B", "lieu")],
)
def test_bad_parameters_get_a_400_naming_them(client, query, parameter):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["parameters"]


def test_bad_page_is_a_400_naming_page_not_a_500(client):
    """As the places API: a page that is no page is a refused parameter (was DRF's 404)."""
    response = client.get(f"{URL}?page=9999")
    assert response.status_code == 400 and "page" in response.json()["parameters"]


def test_schema_describes_the_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    from actors.urls import urlpatterns

    api = [p for p in urlpatterns if str(p.pattern).startswith("api/")]
    schema = SchemaGenerator(patterns=api).get_schema(request=None, public=True)
    listing = schema["paths"]["/api/v1/acteurs/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"departement", "role", "lieu", "page"}
    network = schema["paths"]["/api/v1/departements/{code}/reseau/"]["get"]
    assert "Mon réseau" in network["summary"]
