"""Shared test fixtures: the real demo territory, loaded once into the test database."""

import pytest
from django.conf import settings
from django.core.management import call_command

from geo_directory import demo


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the demo territory (04, 05, 974) for the whole session."""
    with django_db_blocker.unblock():
        call_command("import_territories", *demo.territory_arguments(), verbosity=0)


@pytest.fixture
def shared_data():
    """The larger shared open-data folder (MAILLAGE_SHARED_DATA); skips when absent."""
    path = settings.SHARED_DATA_DIR
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (set MAILLAGE_SHARED_DATA)")
    return path
