from django.urls import path, register_converter

from . import api, views


class DepartementCode:
    """01-95, 2A, 2B, 971-976...: anything else is a 404 before any query."""

    regex = "[0-9]{2,3}|2[ABab]"

    def to_python(self, value):
        return value.upper()

    def to_url(self, value):
        return str(value)


register_converter(DepartementCode, "dep")

app_name = "coverage"

urlpatterns = [
    path("couverture/", views.national, name="national"),
    path("couverture/<dep:code>/", views.departement_map, name="map"),
    path("couverture/<dep:code>/communes.geojson", views.communes_geojson, name="communes-geojson"),
    path("couverture/<dep:code>/priorites.csv", views.priorities_csv, name="priorities-csv"),
    path(
        "couverture/<dep:code>/priorites.geojson",
        views.priorities_geojson,
        name="priorities-geojson",
    ),
    path("api/v1/communes/", api.CommuneCoverageList.as_view(), name="api-communes"),
    path(
        "api/v1/couverture/departements/",
        api.DepartementSummaryList.as_view(),
        name="api-departements",
    ),
    path(
        "api/v1/couverture/departements/<dep:code>/",
        api.DepartementSummary.as_view(),
        name="api-departement",
    ),
]
