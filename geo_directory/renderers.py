"""The API's GeoJSON doors: ``application/geo+json`` served, ``application/json`` accepted as an
alias, and errors always as plain JSON.

Views hand over finished GeoJSON text (the layers' writers); these renderers name the media
type for content negotiation and render only error bodies.
"""

import json

from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from .geojson import MEDIA_TYPE


class GeoJSONRenderer(BaseRenderer):
    media_type = MEDIA_TYPE
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()


class JSONAliasRenderer(GeoJSONRenderer):
    media_type = "application/json"
    format = "json"


class GeoJSONAPIView(APIView):
    """Errors are plain JSON (``application/json``), whatever the negotiated GeoJSON type.

    Public reads, the same for everybody: no authentication (DRF would read the session and
    the answer would say ``Vary: Cookie`` for nothing), no permission to check."""

    renderer_classes = [GeoJSONRenderer, JSONAliasRenderer]
    authentication_classes = ()
    permission_classes = ()

    def perform_content_negotiation(self, request, force=False):
        """An unknown ``?format=`` is a 400 naming it (DRF answers 404, as if the resource did
        not exist)."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            asked = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE, "")[:20]
            known = ", ".join(sorted({r.format for r in self.get_renderers()}))
            raise ValidationError(
                {"format": [f"Format inconnu : « {asked} » ; formats servis : {known}."]}
            ) from None

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONAliasRenderer()
        self.request.accepted_media_type = JSONAliasRenderer.media_type
        return response
