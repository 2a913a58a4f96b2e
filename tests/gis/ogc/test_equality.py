"""Property parameters are exact equality on the published value (defect 6, the contract)."""

import pytest

from places.layer import PLACES
from places.models import Place

from .helpers import all_items, bad_parameter, get_json

pytestmark = pytest.mark.django_db


def test_code_insee_is_the_commune_that_holds_the_point(client):
    """Defect 5: the same 30 places in Gap as the API (not the 6 of the source's code)."""
    page = all_items(client, "lieux", code_insee="05061")
    expected = PLACES.rows().filter(commune_actuelle_id="05061").count()
    assert page["numberMatched"] == expected > 6
    assert {f["properties"]["code_insee"] for f in page["features"]} == {"05061"}
    api = client.get("/api/v1/lieux/", {"code_insee": "05061", "page_size": 1}).json()
    assert api["numberMatched"] == expected


def test_equality_is_case_sensitive_and_exact(client, committed_places):
    exact = all_items(client, "lieux", commune="Digne-les-Bains")
    assert exact["numberMatched"] > 0
    assert {f["properties"]["commune"] for f in exact["features"]} == {"Digne-les-Bains"}
    assert all_items(client, "lieux", commune="digne-les-bains")["numberMatched"] == 0
    assert all_items(client, "lieux", commune="Digne")["numberMatched"] == 0


def test_each_scalar_queryable_finds_exactly_its_value(client, committed_places):
    place = PLACES.rows().get(pk=committed_places[0].pk)
    (feature,) = [f for f in all_items(client, "lieux")["features"] if f["id"] == place.pk]
    for name in ("id", "nom", "code_postal", "code_insee", "date_maj", "departement"):
        value = feature["properties"][name]
        assert value, name
        page = all_items(client, "lieux", **{name: value})
        assert page["numberMatched"] >= 1 and all(
            f["properties"][name] == value for f in page["features"]
        ), name


def test_list_fields_are_not_plain_parameters(client):
    body = bad_parameter(
        client,
        "/ogc/collections/lieux/items",
        "services",
        {"services": "Aide aux démarches administratives"},
    )
    assert "A_CONTAINS" in body["description"]
    bad_parameter(client, "/ogc/collections/lieux/items?typologie=TIERS_LIEUX", "typologie")


def test_openapi_declares_only_the_equality_filters(client):
    _, doc = get_json(client, "/ogc/api")
    parameters = doc["paths"]["/collections/lieux/items"]["get"]["parameters"]
    names = {p["name"] for p in parameters if "name" in p}
    scalar = {f.name for f in PLACES.filterable() if not f.many}
    lists = {f.name for f in PLACES.fields if f.many}
    assert scalar <= names and not (lists & names)
    assert "latitude" not in names  # not queryable
    communes = doc["paths"]["/collections/communes/items"]["get"]["parameters"]
    assert {"basis", "threshold_km", "covered", "departement"} <= {p.get("name") for p in communes}


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("date_maj=hier", "date_maj"),
        ("location_precision=gps", "location_precision"),
        ("nom=", "nom"),
    ],
)
def test_bad_equality_values_are_a_400_naming_them(client, query, parameter):
    bad_parameter(client, f"/ogc/collections/lieux/items?{query}", parameter)


def test_communes_number_filters(client):
    bad_parameter(client, "/ogc/collections/communes/items?ifn=beaucoup", "ifn")
    bad_parameter(client, "/ogc/collections/communes/items?population=many", "population")
    page = all_items(client, "communes", departement="04", covered="false")
    assert all(
        f["properties"]["departement"] == "04" and f["properties"]["covered"] is False
        for f in page["features"]
    )
    assert Place.objects.exists()
