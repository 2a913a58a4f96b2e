"""Tiles of the first and last columns hold their data: the buffered envelope of an edge tile
once crossed ±180° and wrapped, so /tiles/lieux/1/1/0.pbf answered 204 with places in it."""

import mapbox_vector_tile
import pytest

from places.models import Place

pytestmark = pytest.mark.django_db


def tile_ids(client, layer, z, x, y) -> set:
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf")
    assert response.status_code in (200, 204), response.content[:300]
    if response.status_code == 204:
        return set()
    decoded = mapbox_vector_tile.decode(response.content)
    return {f["id"] for f in decoded[layer]["features"]} if layer in decoded else set()


def test_the_z0_tile_holds_every_published_place(client):
    expected = set(Place.objects.public().located().values_list("pk", flat=True))
    assert len(expected) > 600  # the demo's 04, 05 and La Réunion
    assert tile_ids(client, "lieux", 0, 0, 0) == expected


@pytest.mark.parametrize("z", [1, 2, 3])
def test_every_column_at_z1_to_z3_together_holds_what_z0_holds(client, z):
    z0 = tile_ids(client, "lieux", 0, 0, 0)
    found = set()
    for x in range(2**z):
        for y in range(2**z):
            found |= tile_ids(client, "lieux", z, x, y)
    assert found == z0


def test_the_east_edge_tile_at_z1_holds_la_reunion_and_the_alps(client):
    """1/1/0 is the north-east quarter (the Alps), 1/1/1 the south-east (La Réunion)."""
    alps = set(
        Place.objects.public()
        .located()
        .filter(departement_code__in=["04", "05"])
        .values_list("pk", flat=True)
    )
    reunion = set(
        Place.objects.public().located().filter(departement_code="974").values_list("pk", flat=True)
    )
    assert alps and reunion
    assert alps <= tile_ids(client, "lieux", 1, 1, 0)
    assert reunion <= tile_ids(client, "lieux", 1, 1, 1)


def test_communes_tiles_of_both_halves_carry_the_insee_code_as_integer_id(client):
    """At z1 the Alps are in 1/1/0 and La Réunion in 1/1/1 (the east column, once empty)."""
    found = {}
    for y in (0, 1):
        response = client.get(f"/tiles/communes/1/1/{y}.pbf")
        assert response.status_code == 200
        for feature in mapbox_vector_tile.decode(response.content)["communes"]["features"]:
            found[feature["properties"]["code_insee"]] = feature["id"]
    assert "04070" in found and "97411" in found  # Digne-les-Bains, Saint-Denis
    for code, feature_id in found.items():  # the MVT id is the INSEE code as a number
        assert feature_id == int(code)
