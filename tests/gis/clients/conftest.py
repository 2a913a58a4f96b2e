"""Fixtures of the real GIS client tests."""

import pytest
from django.core import signals


@pytest.fixture(scope="module")
def server(demo_server, django_db_blocker):
    """The live demo server's base URL, with database access open for the whole module.

    The live server thread shares pytest-django's database blocker: a module-scoped client
    session (QGIS, ogr2ogr copies) runs before any test's own ``db`` fixture would unblock it.
    Clients only read; nothing here writes to the database.
    """
    with django_db_blocker.unblock():
        yield demo_server


@pytest.fixture
def requests_seen():
    """Every request the live server receives during the test: (path, query string) pairs.

    Read from Django's ``request_started`` signal (the live server runs in this process), so a
    test can tell a filter the server applied from one the client applied after downloading.
    """
    seen = []

    def record(sender, environ, **kwargs):
        seen.append((environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")))

    signals.request_started.connect(record)
    yield seen
    signals.request_started.disconnect(record)
