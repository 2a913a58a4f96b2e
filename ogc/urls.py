from django.urls import path

from . import views

app_name = "ogc"

urlpatterns = [
    path("ogc/", views.landing, name="landing"),
    # Without the slash too: QGIS 3.22 cannot follow the relative redirect APPEND_SLASH sends.
    path("ogc", views.landing, name="landing-without-slash"),
    path("ogc/conformance", views.conformance, name="conformance"),
    path("ogc/api", views.openapi, name="openapi"),
    path("ogc/collections", views.collections, name="collections"),
    path("ogc/collections/<slug:collection_id>", views.collection, name="collection"),
    path("ogc/collections/<slug:collection_id>/schema", views.schema, name="schema"),
    path("ogc/collections/<slug:collection_id>/schema.xsd", views.schema_xsd, name="schema-xsd"),
    path("ogc/collections/<slug:collection_id>/queryables", views.queryables, name="queryables"),
    path("ogc/collections/<slug:collection_id>/items", views.items, name="items"),
    path(
        "ogc/collections/<slug:collection_id>/items/<str:feature_id>",
        views.item,
        name="item",
    ),
]
