"""Answer 503 with a clear message, quickly, when PostGIS cannot be reached.

Two ways in: ``DatabaseUnavailableMiddleware.process_exception`` for errors raised by a view,
and ``server_error`` (the project's ``handler500``) for errors raised anywhere else, e.g. by the
session or authentication middleware reading a session while the database is down. Both answer
JSON on machine paths and a small French page elsewhere, with ``Retry-After``; the page is
rendered without the request's context (no user, no messages), so rendering it never needs the
database. The connection is left to Django: ``connect_timeout`` makes a refused or unreachable
server fail within seconds, and the health check reconnects by itself once PostGIS is back.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/healthz")
MESSAGE = "La base de données est momentanément indisponible. Réessayez dans quelques instants."
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable(request) -> HttpResponse:
    """The 503 answer for ``request``."""
    if request.path.startswith(MACHINE_PREFIXES):
        response = JsonResponse({"error": "database_unavailable", "detail": MESSAGE}, status=503)
    else:
        try:
            page = render_to_string("503.html", {"message": MESSAGE})
        except Exception:  # noqa: BLE001 (the plainest page rather than a 500)
            page = f"<!DOCTYPE html><title>Service indisponible</title><p>{MESSAGE}</p>"
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        return unavailable(request)


def server_error(request, *args, **kwargs):
    """``handler500``: a database outage met outside a view is a 503 too, never a 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        return unavailable(request)
    try:
        return django_server_error(request, *args, **kwargs)
    except Exception:  # noqa: BLE001 (500.html itself failed)
        return HttpResponseServerError("<h1>Erreur du serveur</h1>")
