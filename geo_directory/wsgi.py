"""WSGI entry point (gunicorn geo_directory.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")

application = get_wsgi_application()
