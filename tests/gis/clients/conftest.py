"""Fixtures of the real GIS client tests."""

import pytest


@pytest.fixture(scope="module")
def server(demo_server, django_db_blocker):
    """The live demo server's base URL, with database access open for the whole module.

    The live server thread shares pytest-django's database blocker: a module-scoped client
    session (QGIS, ogr2ogr copies) runs before any test's own ``db`` fixture would unblock it.
    Clients only read; nothing here writes to the database.
    """
    with django_db_blocker.unblock():
        yield demo_server
