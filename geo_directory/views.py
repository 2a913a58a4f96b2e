"""Site-wide pages: home, login, health check."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render

from geo_directory import cache, replicas
from geo_directory.territories.models import Departement


def home(request):
    """The territories loaded; shared by anonymous visitors per directory version (summing the
    population of 35,000 communes takes ~70 ms: uncached, it would hold the sync workers)."""
    return cache.cached_page(request, "home-page", (cache.version(),), lambda: _home(request))


def _home(request):
    departements = Departement.objects.territory_summary().select_related("region")
    return render(request, "home.html", {"departements": departements})


class LoginView(auth_views.LoginView):
    """The login form. Without a safe ``next``, a person lands where their role works:
    ``landing(user)`` (given by urls.py: ``actors.landing.landing_url``) names that page, or
    None for LOGIN_REDIRECT_URL. An unsafe ``next`` (another site) is ignored by Django."""

    landing = None

    def get_default_redirect_url(self):
        url = self.landing(self.request.user) if self.landing else None
        return url or super().get_default_redirect_url()


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
    """The primary (200 when it answers, 503 otherwise), each replica with its lag, the cache."""
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
                "cache": cache.shared_health(),
            },
            status=503,
        )
    return JsonResponse(
        {
            "status": "ok",
            "postgis": postgis,
            "postgresql": postgres,
            "database": "ok",
            "replicas": [
                replicas.health(alias, fresh=True).report() for alias in settings.REPLICA_ALIASES
            ],
            "cache": cache.shared_health(),
        }
    )
