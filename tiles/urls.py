from django.urls import path, re_path

from . import views

app_name = "tiles"

urlpatterns = [
    path("tiles/", views.national_map, name="map"),
    path("tiles/<slug:layer>.json", views.tilejson, name="tilejson"),
    # Signed integers so that a negative or oversized z/x/y gets a 400 that says why, not a 404.
    re_path(
        r"^tiles/(?P<layer>[a-z]+)/(?P<z>-?\d{1,3})/(?P<x>-?\d{1,9})/(?P<y>-?\d{1,9})\.pbf$",
        views.tile,
        name="tile",
    ),
]
