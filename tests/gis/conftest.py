"""GIS test fixtures: places at real locations, committed, and a live server GDAL can reach.

pytest-django's ``live_server`` forces ``transactional_db``, whose flush would wipe the demo
territory loaded once per session for every other test. GDAL only needs committed rows and an
HTTP server in another thread, so this module starts Django's own ``LiveServerThread`` (through
pytest-django's ``LiveServer``) and commits its few places itself, deleting them afterwards.
"""

import pytest

from places.models import Place

from .factories import GIS_TOWNS, TOWNS, make_place


@pytest.fixture(scope="module")
def committed_places(django_db_setup, django_db_blocker):
    """Two public places per demo town, one hidden and one deleted place (committed)."""
    with django_db_blocker.unblock():
        Place.objects.filter(import_source="tests-gis").delete()
        places = [
            make_place(
                town,
                nom=f"Point numérique {i} de {TOWNS[town].nom}",
                date_maj=f"2024-0{i + 1}-15",
            )
            for town in GIS_TOWNS
            for i in range(2)
        ]
        make_place("digne", nom="Lieu masqué de Digne", is_visible=False)
        make_place("gap", nom="Lieu supprimé de Gap", deleted_at="2025-01-01T00:00:00Z")
    yield places
    with django_db_blocker.unblock():
        Place.objects.filter(import_source="tests-gis").delete()


@pytest.fixture(scope="module")
def gis_server(committed_places, demo_server):
    """The base URL of a live server over the test database (committed rows only)."""
    return demo_server
