"""What schemathesis found with more examples (issue 12, checks): refusals are 400s that name
the parameter, and every operation documents the 400 and 503 answered before its view."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=999"])
def test_a_page_that_is_no_page_is_a_400_naming_page(client, query):
    response = client.get(f"/api/v1/acteurs/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameter"
    assert "Page inexistante" in body["parameters"]["page"][0]


@pytest.mark.parametrize("url", ["/api/v1/communes/?format=AAA", "/api/v1/lieux/?format=xml"])
def test_an_unknown_format_is_a_400_naming_format(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    [reason] = response.json()["parameters"]["format"]
    assert "Format inconnu" in reason and "geojson" in reason


def test_every_operation_documents_the_400_and_503_answered_before_its_view():
    schema = Client().get("/api/schema/?format=json").json()
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) >= 9
    for operation in operations:
        assert {"400", "503"} <= set(operation["responses"]), operation["operationId"]
    retry = schema["paths"]["/api/v1/lieux/{id}/"]["get"]["responses"]["503"]
    assert "Retry-After" in retry["headers"]
