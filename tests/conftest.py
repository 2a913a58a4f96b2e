"""Shared test fixtures: the real demo territory, loaded once into the test database."""

import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# tests themselves (not by the live server) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds exactly what `make demo` loads (`load_demo`), once a session."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture(autouse=True)
def private_response_cache(settings, tmp_path):
    """Each test starts with empty response caches of its own: anonymous pages and answers are
    kept per data version, which a test's rolled-back writes leave as it was, and rendered with
    settings a test may change (a live server's tile URL): another test's would be found."""
    from geo_directory import cache as response_cache

    response_cache.clear()
    settings.CACHES = {
        **settings.CACHES,
        "responses": {**settings.CACHES["responses"], "LOCATION": str(tmp_path / "cache")},
    }


@pytest.fixture
def shared_data():
    """The larger shared open-data folder (MAILLAGE_SHARED_DATA); skips when absent."""
    path = settings.SHARED_DATA_DIR
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (set MAILLAGE_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def playwright(playwright):
    """Once Playwright's event loop runs, Django keeps this thread's connections per context:
    close them while that context lives, or the test database cannot be dropped at the end."""
    yield playwright
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, headless, without any network of its own (see ../shared/STACK.md)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts_dir():
    """Where browser tests save screenshots (kept by CI as test artefacts)."""
    path = settings.BASE_DIR / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker):
    """The base URL of a live server over the committed demo data.

    pytest-django's ``live_server`` forces ``transactional_db``, whose flush would wipe the demo
    territory, places, actors and coverage loaded once per session for every later test; this
    starts Django's own live server thread over the committed data instead. Tests that write
    through it clean up what they wrote.
    """
    name = connections["default"].settings_dict["NAME"]
    if not name.startswith("test_"):  # no test in the session asked for the test database
        pytest.fail(
            f"demo_server would serve the development database {name!r}: mark the module "
            "with pytest.mark.django_db"
        )
    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
    yield server.url
    server.stop()
