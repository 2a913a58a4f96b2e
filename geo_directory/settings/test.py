"""Test settings: the private PostGIS cluster, fast password hashing, plain static storage."""

import os

from .local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "geo_directory.static_storage.PlainStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Each concurrent test run can ask for its own test database (MAILLAGE_TEST_DB).
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get("MAILLAGE_TEST_DB", "test_" + DATABASES["default"]["NAME"])  # noqa: F405
}

# Static files straight from the apps' folders (no collectstatic needed on a fresh clone).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# No request is held back for being costly (geo_directory/admission.py): browser tests load pages,
# maps and tiles at once on a loaded machine; tests/serving/test_admission.py turns it on.
COSTLY_CONCURRENCY = 0
