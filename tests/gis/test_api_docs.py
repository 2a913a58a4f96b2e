"""The API's OpenAPI document and its browsable docs, served from our own static files."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db

CDN = re.compile(r"cdn\.|unpkg|jsdelivr|cdnjs|googleapis", re.IGNORECASE)


def test_schema_documents_every_api_endpoint_with_its_errors(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/lieux/",
        "/api/v1/communes/",
        "/api/v1/export/lieux.geojson",
        "/api/v1/export/lieux.csv",
    ):
        assert path in paths
    export = paths["/api/v1/export/lieux.geojson"]["get"]
    assert {"200", "304", "503"} <= set(export["responses"])
    assert "application/geo+json" in export["responses"]["200"]["content"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/ogc/api?f=html"])
def test_browsable_docs_load_nothing_from_a_cdn(client, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert not CDN.search(page), CDN.search(page)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    for asset in assets:  # the vendored files are really there
        assert client.get(asset).status_code == 200, asset
