"""openapi-spec-validator on both OpenAPI documents, fetched from the live server as clients do."""

import json

import pytest
from openapi_spec_validator import validate

from .server import get

# The mark makes pytest-django set up the test database (demo_server alone would not).
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/api/schema/?format=json", "application/vnd.oai.openapi+json"),
        ("/ogc/api", "application/vnd.oai.openapi+json"),
    ],
)
def test_openapi_document_is_valid(server, path, media_type):
    status, headers, body = get(server + path, accept="application/vnd.oai.openapi+json")
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith(media_type), headers["Content-Type"]
    document = json.loads(body)
    validate(document)  # raises OpenAPIValidationError naming the path of the error
    assert document["paths"]
