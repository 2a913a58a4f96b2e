"""The whole API's OpenAPI 3 document and its browsable docs, served without any CDN.

Mounted at ``/api/schema/`` (YAML, or JSON with ``?format=json``), ``/api/docs/`` (Swagger UI)
and ``/api/redoc/`` (Redoc); the UIs' files come from drf-spectacular-sidecar's static files.
The OGC API has its own OpenAPI document (``/ogc/api``), linked from its landing page.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        # drf-spectacular's own template loads Google Fonts; ours does not.
        SpectacularRedocView.as_view(url_name="api-schema", template_name="ogc/redoc.html"),
        name="api-redoc",
    ),
]
