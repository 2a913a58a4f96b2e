"""A plain GET of the places API (a moving map, a "near me") skips DRF's request cycle
(``PlaceListView.dispatch``): the same status, headers and text as through DRF, for every
Accept it takes; everything else still goes through DRF."""

import json
from unittest import mock

import pytest
from rest_framework.views import APIView

from places.api.views import PlaceListView

pytestmark = pytest.mark.django_db
URL = "/api/v1/lieux/"
PLAIN = [
    f"{URL}?bbox=5.9,43.9,6.5,44.3&page_size=100",
    f"{URL}?near=6.2357,44.0925&radius_km=20&page_size=10",
    f"{URL}?near=6.2357,44.0925&radius_km=30&page_size=5&page=2",
    f"{URL}?near=6.2357,44.0925&radius_km=30&page=500",  # past the last match
    f"{URL}?bbox=5.9,43.9,6.5,44.3&near=6.2357,44.0925",
]
ACCEPTS = [{}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "application/geo+json"}]
ACCEPTS += [{"HTTP_ACCEPT": "application/json"}]


def through_drf(client, url, **headers):
    with mock.patch.object(PlaceListView, "plain", return_value=None):
        return client.get(url, **headers)


def comparable(response) -> tuple:
    return response.status_code, dict(response.items()), response.content


@pytest.mark.parametrize("url", PLAIN)
@pytest.mark.parametrize("headers", ACCEPTS, ids=lambda h: h.get("HTTP_ACCEPT", "none"))
def test_the_plain_answer_is_drfs_own(client, url, headers):
    with mock.patch.object(APIView, "initialize_request", wraps=None) as drf:
        drf.side_effect = AssertionError("DRF's request cycle")
        plain = client.get(url, **headers)
    reference = through_drf(client, url, **headers)
    assert comparable(plain) == comparable(reference)
    assert json.loads(plain.content)["type"] == "FeatureCollection"


def test_a_revalidation_is_the_same_304(client):
    url = PLAIN[1]
    etag = client.get(url)["ETag"]
    plain = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert plain.status_code == 304
    assert comparable(plain) == comparable(through_drf(client, url, HTTP_IF_NONE_MATCH=etag))


@pytest.mark.parametrize(
    "url, headers",
    [
        (f"{URL}?near=6.2,44.1&radius_km=0", {}),  # a 400: DRF's own
        (f"{URL}?near=6.2,44.1&format=json", {}),
        (f"{URL}?near=6.2,44.1", {"HTTP_ACCEPT": "application/geo+json;q=0.8"}),
        (f"{URL}?near=6.2,44.1", {"HTTP_ACCEPT": "text/html"}),
        (f"{URL}?departement=04", {}),  # not a shape compiled once
        (f"{URL}?near=6.2,44.1&ouvert_maintenant=true", {}),
    ],
)
def test_anything_else_goes_through_drf(client, url, headers):
    with mock.patch.object(
        APIView, "initialize_request", autospec=True, wraps=APIView.initialize_request
    ) as drf:
        client.get(url, **headers)
    assert drf.call_count == 1
