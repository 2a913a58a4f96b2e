from django.urls import path

from . import api, views

app_name = "coverage"

urlpatterns = [
    path("couverture/", views.national, name="national"),
    path("couverture/<str:code>/", views.departement_map, name="map"),
    path("couverture/<str:code>/priorites.csv", views.priorities_csv, name="priorities-csv"),
    path(
        "couverture/<str:code>/priorites.geojson",
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
        "api/v1/couverture/departements/<str:code>/",
        api.DepartementSummary.as_view(),
        name="api-departement",
    ),
]
