"""WSGI entry point (gunicorn geo_directory.wsgi).

The URLconf, and so every view module, is loaded here, as each worker starts, not by its first
request: the OGC API's CQL2 parser builds its grammar (pygeofilter, lark) and the coverage code
imports scipy, about a second that the first visitor of every new worker waited for.

The objects of that code (~200,000) are then frozen (``gc.freeze``): out of the collector's
generations, a full collection no longer walks them all (145 ms, a pause of the worker among its
requests, 2% of its CPU on the hot reads).

In front of Django, the public door (geo_directory/door.py) answers the plain anonymous reads of
a moving map or a "near me" without the middleware stack."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")

django_application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (loaded for its imports)

from geo_directory.door import Door  # noqa: E402 (after Django's setup)

application = Door(django_application)
gc.collect()  # the garbage of the imports, not kept frozen
gc.freeze()
