"""/api/schema/ describes each layer's Feature with typed properties (it said "object")."""

import pytest
import yaml

from coverage.layer import COMMUNES
from places.layer import PLACES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return yaml.safe_load(Client().get("/api/schema/").content)


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def geojson_response(schema, path: str) -> dict:
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    return component(schema, content["application/geo+json"]["schema"]["$ref"])


@pytest.mark.parametrize(
    ("path", "layer", "geometry"),
    [("/api/v1/lieux/", PLACES, "Point"), ("/api/v1/communes/", COMMUNES, "MultiPolygon")],
)
def test_each_layer_collection_has_typed_features(schema, path, layer, geometry):
    collection = geojson_response(schema, path)
    feature = component(schema, collection["properties"]["features"]["items"]["$ref"])
    assert feature["properties"]["geometry"]["properties"]["type"]["enum"] == [geometry]
    properties = feature["properties"]["properties"]["properties"]
    assert list(properties) == [f.name for f in layer.fields]  # every published property
    for item in layer.fields:
        described = properties[item.name]
        kind = described.get("type") or described["oneOf"][0]["type"]
        expected = {"date": "string", "integer": "integer", "number": "number"}.get(item.type)
        assert kind == ("array" if item.many else expected or kind), item.name
        if item.type == "boolean":
            assert kind == "boolean", item.name


def test_the_place_feature_says_its_list_values_and_nullable_coordinates(schema):
    feature = component(
        schema,
        schema["paths"]["/api/v1/lieux/{id}/"]["get"]["responses"]["200"]["content"][
            "application/geo+json"
        ]["schema"]["$ref"],
    )
    properties = feature["properties"]["properties"]["properties"]
    assert properties["services"]["type"] == "array"
    assert "Aide aux démarches administratives" in str(properties["services"]["items"])
    assert properties["latitude"]["nullable"] is True
