from django.urls import path

from . import views
from .api import exports
from .api import views as api

app_name = "places"

urlpatterns = [
    path("api/v1/lieux/", api.PlaceListView.as_view(), name="api-list"),
    path(
        "api/v1/export/lieux.geojson", exports.PlacesGeoJSONExport.as_view(), name="export-geojson"
    ),
    path("api/v1/export/lieux.csv", exports.PlacesCSVExport.as_view(), name="export-csv"),
    path("api/v1/lieux/<str:pk>/", api.PlaceDetailView.as_view(), name="api-detail"),
    path("lieux/", views.search, name="search"),
    path("lieux/communes/", views.commune_suggestions, name="commune-suggestions"),
    path("lieux/<int:pk>/", views.detail, name="detail"),
    path("mon-reseau/<str:departement>/lieux/", views.departement_directory, name="departement"),
]
