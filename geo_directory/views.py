"""Site-wide pages: home and health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render

from geo_directory.cache import cached_page, directory_version
from geo_directory.territories.models import Departement


def home(request):
    """The territories loaded; shared by anonymous visitors per directory version (summing the
    population of 35,000 communes takes ~70 ms: uncached, it would hold the sync workers)."""
    return cached_page(request, "home-page", (directory_version(),), lambda: _home(request))


def _home(request):
    departements = Departement.objects.territory_summary().select_related("region")
    return render(request, "home.html", {"departements": departements})


MACHINE_PREFIXES = ("/api/", "/ogc/", "/tiles/")


def not_found(request, exception=None):
    """404: JSON for the machine-readable paths (API, OGC, tiles), the French page elsewhere."""
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse(
            {"error": "not_found", "detail": f"Aucune ressource à l'adresse {request.path}."},
            status=404,
        )
    return render(request, "404.html", status=404)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version(), current_setting('server_version')")
            postgis, postgres = cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {
                "status": "error",
                "database": "unavailable",
                "detail": f"PostGIS ne répond pas ({exc.__class__.__name__}).",
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "postgis": postgis, "postgresql": postgres})
