"""Answer 503 with a clear message, quickly, when PostGIS cannot be reached."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/healthz")
MESSAGE = "La base de données est momentanément indisponible. Réessayez dans quelques instants."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        if request.path.startswith(MACHINE_PREFIXES):
            response = JsonResponse(
                {"error": "database_unavailable", "detail": MESSAGE}, status=503
            )
        else:
            response = render(request, "503.html", {"message": MESSAGE}, status=503)
        response["Retry-After"] = "5"
        return response
