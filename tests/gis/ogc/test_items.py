"""OGC items are the layers' own Features: same ids, property names, values and arrays."""

import pytest

from coverage.layer import COMMUNES
from places.layer import PLACES
from places.models import Place

from .helpers import all_items, bad_parameter, get_json, layer_features

pytestmark = pytest.mark.django_db


def test_every_place_is_the_layer_feature(client, committed_places):
    page = all_items(client, "lieux")
    expected = layer_features("lieux")
    assert [f["id"] for f in page["features"]] == [f["id"] for f in expected]
    assert page["features"] == expected
    names = [f.name for f in PLACES.fields]
    for feature in page["features"]:
        assert list(feature["properties"]) == names
    digne = next(f for f in page["features"] if f["id"] == committed_places[0].pk)
    props = digne["properties"]
    assert props["id"] == f"tests-gis:{committed_places[0].source_id}"
    assert props["services"] == ["Aide aux démarches administratives"]
    assert props["typologie"] == ["TIERS_LIEUX"] and props["departement"] == "04"
    assert props["location_precision"] == "source"
    assert digne["geometry"]["coordinates"] == [props["longitude"], props["latitude"]]


def test_one_place_is_the_layer_feature(client, committed_places):
    place = committed_places[0]
    _, feature = get_json(client, f"/ogc/collections/lieux/items/{place.pk}")
    (expected,) = layer_features("lieux", PLACES.rows().filter(pk=place.pk))
    links = feature.pop("links")
    assert feature == expected
    assert {link["rel"] for link in links} >= {"self", "collection"}


@pytest.mark.parametrize("params", [{}, {"basis": "places", "threshold_km": "5"}])
def test_every_commune_is_the_layer_feature(client, params):
    page = all_items(client, "communes", **params)
    options = {"basis": params.get("basis", "mediators")}
    options["threshold_km"] = float(params.get("threshold_km", 10))
    assert page["features"] == layer_features("communes", **options)
    props = {f["id"]: f["properties"] for f in page["features"]}["04070"]
    assert props["basis"] == options["basis"] and props["threshold_km"] == options["threshold_km"]
    assert set(props) == {f.name for f in COMMUNES.fields}


def test_the_coverage_threshold_changes_which_communes_are_covered(client):
    _, near = get_json(client, "/ogc/collections/communes/items?covered=true&threshold_km=1")
    _, far = get_json(client, "/ogc/collections/communes/items?covered=true&threshold_km=50")
    assert near["numberMatched"] < far["numberMatched"]
    assert all(f["properties"]["threshold_km"] == 50 for f in far["features"])


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("basis=tous", "basis"),
        ("threshold_km=0", "threshold_km"),
        ("threshold_km=101", "threshold_km"),
        ("threshold_km=dix", "threshold_km"),
    ],
)
def test_bad_layer_parameters_are_a_400_naming_them(client, query, parameter):
    bad_parameter(client, f"/ogc/collections/communes/items?{query}", parameter)


def test_places_have_no_layer_parameters(client):
    bad_parameter(client, "/ogc/collections/lieux/items?threshold_km=5", "threshold_km")


def test_hidden_places_are_in_no_page(client, committed_places):
    hidden = Place.objects.get(nom="Lieu masqué de Digne")
    get_json(client, f"/ogc/collections/lieux/items/{hidden.pk}", 404)
    ids = {f["id"] for f in all_items(client, "lieux")["features"]}
    assert hidden.pk not in ids
