"""Part 1 details GIS clients rely on: a limit above the maximum, bboxes across ±180°."""

import pytest
from django.contrib.gis.geos import Point

from ..factories import make_place
from .helpers import bad_parameter, get_json

pytestmark = pytest.mark.django_db


def test_a_limit_above_the_maximum_serves_the_maximum(client, committed_places):
    """/req/core/fc-limit-response: not an error (defect 3)."""
    response, page = get_json(client, "/ogc/collections/lieux/items?limit=10001")
    assert page["numberReturned"] == min(2000, page["numberMatched"]) == len(page["features"])
    self_link = next(link for link in page["links"] if link["rel"] == "self")
    assert "limit=2000" in self_link["href"]
    _, big = get_json(client, "/ogc/collections/communes/items?limit=99999999&properties=nom")
    assert big["numberReturned"] == big["numberMatched"]


def test_a_bbox_across_the_antimeridian_is_two_boxes(client):
    """Defect 4: lon_min > lon_max is answered, with what lies on either side of ±180°."""
    fiji = make_place("digne", nom="Lieu à l'est de 179°", location=Point(179.5, -25, srid=4326))
    samoa = make_place(
        "digne", nom="Lieu à l'ouest de -179°", location=Point(-179.5, -25, srid=4326)
    )
    make_place("digne", nom="Lieu hors de la boîte", location=Point(178.5, -25, srid=4326))
    _, page = get_json(client, "/ogc/collections/lieux/items?bbox=179,-30,-179,-20")
    assert {f["id"] for f in page["features"]} == {fiji.pk, samoa.pk}
    _, page = get_json(client, "/ogc/collections/lieux/items?bbox=179,-30,0,-179,-20,0")
    assert page["numberMatched"] == 2
    _, communes = get_json(client, "/ogc/collections/communes/items?bbox=179,-30,-179,-20")
    assert communes["numberMatched"] == 0


def test_a_six_number_bbox_ignores_heights(client, committed_places):
    _, flat = get_json(client, "/ogc/collections/lieux/items?bbox=6.1,44.0,6.35,44.2")
    _, boxed = get_json(client, "/ogc/collections/lieux/items?bbox=6.1,44.0,-100,6.35,44.2,4000")
    assert boxed["numberMatched"] == flat["numberMatched"] > 0


def test_openapi_bbox_takes_four_or_six_numbers(client):
    _, doc = get_json(client, "/ogc/api")
    schema = doc["components"]["parameters"]["bbox"]["schema"]
    assert (schema["minItems"], schema["maxItems"]) == (4, 6)
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 2000, 100)


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=dix", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=1,2,3,4,5", "bbox"),
        ("bbox=6,45,7,44", "bbox"),
        ("bbox=6,44,7,95", "bbox"),
        ("bbox=181,44,7,45", "bbox"),
        ("bbox=inf,44,7,45", "bbox"),
    ],
)
def test_bad_paging_and_bbox_are_a_400_naming_them(client, query, parameter):
    bad_parameter(client, f"/ogc/collections/lieux/items?{query}", parameter)
