"""The full exports open through GDAL's /vsicurl/ (QGIS's HTTP source): a length, byte ranges."""

import json

import pytest

from places.models import Place

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/export/lieux.geojson", "/api/v1/export/lieux.csv"]


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", URLS)
def test_an_export_says_its_length_and_accepts_ranges(client, url):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    body = content(response)
    assert response["Content-Length"] == str(len(body))
    assert response["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in response  # gzip would change the offsets


@pytest.mark.parametrize("url", URLS)
def test_a_byte_range_is_a_206_with_exactly_those_bytes(client, url):
    whole = content(client.get(url))
    part = client.get(url, HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{len(whole)}"
    assert content(part) == whole[100:1100]
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and content(tail) == whole[-50:]
    open_ended = client.get(url, HTTP_RANGE=f"bytes={len(whole) - 10}-")
    assert content(open_ended) == whole[-10:]


def test_a_range_past_the_end_is_a_416_naming_the_size(client):
    size = len(content(client.get(URLS[0])))
    response = client.get(URLS[0], HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"


def test_if_range_with_an_old_etag_sends_the_whole_file(client):
    whole = content(client.get(URLS[0]))
    response = client.get(URLS[0], HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"an-old-version"')
    assert response.status_code == 200 and content(response) == whole


def test_a_write_gives_a_new_file_and_the_old_etag_a_200(client):
    first = client.get(URLS[0])
    content(first)
    place = Place.objects.public().located().order_by("pk").first()
    Place.objects.filter(pk=place.pk).update(nom="Médiathèque renommée (export)")
    again = client.get(URLS[0], HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    features = json.loads(content(again))["features"]
    assert next(f for f in features if f["id"] == place.pk)["properties"]["nom"] == (
        "Médiathèque renommée (export)"
    )


def test_the_unfiltered_csv_of_the_api_is_the_export_file(client):
    """The whole layer as CSV through the API is this version's export file (it was streamed
    again on every request: 1.5-1.7 s on national data)."""
    api = client.get("/api/v1/lieux/?format=csv")
    export = client.get(URLS[1])
    assert api.status_code == 200 and api["Accept-Ranges"] == "bytes"
    assert api["Content-Length"] == export["Content-Length"]
    whole = content(export)
    assert content(api) == whole
    filtered = client.get("/api/v1/lieux/?format=csv&departement=974")
    rows = content(filtered).decode().splitlines()
    assert 1 < len(rows) < len(whole.decode().splitlines())  # still the filtered stream
