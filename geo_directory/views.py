"""Site-wide pages: home and health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render

from geo_directory.territories.models import Departement


def home(request):
    departements = Departement.objects.territory_summary()
    return render(request, "home.html", {"departements": departements})


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
