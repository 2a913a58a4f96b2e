"""A worker loads every view as it starts (geo_directory/wsgi.py), so that its first visitor
does not wait for the imports (the CQL2 grammar, scipy: about a second)."""

import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import sys, geo_directory.wsgi; "
    "print(sorted({'ogc.cql', 'coverage.computation'} & set(sys.modules)))"
)


def test_the_wsgi_application_is_loaded_with_its_views():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_directory.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.strip() == "['coverage.computation', 'ogc.cql']"
