"""A worker loads every view as it starts (geo_directory/wsgi.py), so that its first visitor
does not wait for the imports (the CQL2 grammar, scipy: about a second), and freezes what it
loaded, so that the collector's full passes do not walk it on every request's clock."""

import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import sys, geo_directory.wsgi; "
    "print(sorted({'ogc.cql', 'coverage.computation'} & set(sys.modules)))"
)


def fresh_worker(code: str) -> str:
    """What ``code`` prints in a new Python process, as a gunicorn worker starts."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_directory.settings.test"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def test_the_wsgi_application_is_loaded_with_its_views():
    out = fresh_worker(PROBE)
    assert out.strip() == "['coverage.computation', 'ogc.cql']"


FROZEN = "import gc, geo_directory.wsgi; print(gc.get_freeze_count(), len(gc.get_objects(2)))"


def test_the_loaded_code_is_frozen_out_of_the_collectors_passes():
    out = fresh_worker(FROZEN)
    frozen, old = (int(n) for n in out.split())
    assert frozen > 100_000  # Django, DRF, GEOS, the views: out of every generation
    assert old < frozen / 20  # what a full pass walks: what came after
