"""Property-based API test: schemathesis generates requests from the OpenAPI documents.

``/api/schema/`` (the whole API, drf-spectacular) and ``/ogc/api`` (OGC API - Features): no
generated request may get a 5xx, and every response must match what its schema documents
(status code, media type, body). Bounded to run in ``make test``: 20 generated examples per
operation besides schemathesis' deterministic coverage cases (boundary and hostile values, ~1,700
requests), derandomized (the same cases every run), no shrinking (a failure is reported as found).
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ogc.openapi import openapi_document
from ogc.params import MAX_LIMIT

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking, no example database
    suppress_health_check=list(HealthCheck),
)
DJANGO = get_wsgi_application()


def APP(environ, start_response):  # noqa: N802
    """The site's WSGI app, keeping the test's database connection open as Django's Client does.

    Django closes a connection that is not in autocommit mode at the end of a request; inside a
    test transaction that would be the test's own connection.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    environ.pop("HTTP_ACCEPT_ENCODING", None)  # gzip is tested on its own; read plain bodies
    try:
        result = DJANGO(environ, start_response)
        body = b"".join(result)
        result.close()
        return [body]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def served(url: str) -> dict:
    """The document exactly as the site serves it (no database needed to build it)."""
    return json.loads(Client().get(url).content)


api = schemathesis.openapi.from_dict(served("/api/schema/?format=json"))
ogc = schemathesis.openapi.from_dict(openapi_document(RequestFactory().get("/ogc/api")))
NO_500_AND_SCHEMA = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@api.parametrize()
@BOUNDED
def test_whole_api_never_5xx_nor_breaks_its_schema(case):
    """Every endpoint of /api/schema/: no server error, every status code, media type, header
    and body as documented."""
    case.call_and_validate(app=APP, checks=NO_500_AND_SCHEMA)


@api.include(path_regex="^/api/v1/export/").parametrize()
@BOUNDED
def test_exports_pass_every_schemathesis_check(case):
    case.call_and_validate(app=APP)


@ogc.hook
def filter_case(context, case):
    """A limit above the declared maximum is served as the maximum, not refused: OGC API -
    Features /req/core/fc-limit-response (``tests/gis/ogc/test_paging_and_bbox.py``)."""
    limit = case.query.get("limit") if isinstance(case.query, dict) else None
    try:
        return int(str(limit)) <= MAX_LIMIT
    except ValueError:
        return True


@ogc.parametrize()
@BOUNDED
def test_ogc_api_passes_every_schemathesis_check(case):
    """All checks but "schema-valid data is accepted": OpenAPI 3.0 cannot say that the 2nd and
    4th numbers of a bbox are latitudes, nor that 2024-02-31 is no date; those 400s are right
    (``test_ogc_api.py::test_bad_parameters_get_an_ogc_exception``)."""
    case.call_and_validate(app=APP, excluded_checks=[positive_data_acceptance])
