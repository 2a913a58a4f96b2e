"""Whole-directory downloads for bulk users, streamed from one consistent database snapshot.

``/api/v1/export/lieux.geojson``: every public place as one RFC 7946 FeatureCollection, the
Features being exactly those of ``/api/v1/lieux/`` (``places.api.features``), written by PostGIS
2,000 at a time. ``/api/v1/export/lieux.csv``: the national standard's CSV
(``places.exporters``). Both read inside one REPEATABLE READ transaction, so an import running
meanwhile is either wholly in the file or not at all, and neither is ever held in memory.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from geo_directory.geojson import MEDIA_TYPE as GEOJSON
from places.api.features import place_collection
from places.exporters import standard_csv_chunks
from places.models import Place
from tiles import versions

CHUNK = 2000
CSV = "text/csv"


def snapshot(chunks):
    """Run a generator of chunks inside one read-only REPEATABLE READ transaction."""
    outermost = not connection.in_atomic_block  # inside a test, the test's transaction rules
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield from chunks()


def geojson_chunks():
    queryset = Place.objects.public().located().order_by("id")
    ids = list(queryset.values_list("id", flat=True))
    yield '{"type": "FeatureCollection", "features": ['
    for start in range(0, len(ids), CHUNK):
        text = place_collection(queryset.filter(id__in=ids[start : start + CHUNK]))
        features = text[text.index('"features":[') + len('"features":[') : -2]
        if features:
            yield ("," if start else "") + features
    yield "]}\n"


def csv_chunks():
    yield from standard_csv_chunks(Place.objects.public().order_by("id"))


class Passthrough(BaseRenderer):
    """The views stream finished text; this renderer only names the media type."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class GeoJSONPassthrough(Passthrough):
    media_type = GEOJSON
    format = "geojson"


class CSVPassthrough(Passthrough):
    media_type = CSV
    format = "csv"


class IgnoreAccept(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


ERRORS = {
    304: OpenApiResponse(description="Inchangé depuis l'ETag envoyé (If-None-Match)."),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="Base de données indisponible."),
}


class ExportView(APIView):
    content_negotiation_class = IgnoreAccept
    media_type = ""
    filename = ""
    chunks = None

    def get(self, request):
        version = versions.current()
        etag = versions.etag_for(version, "export", self.filename)
        if response := versions.not_modified(request, etag, version):
            return response
        response = StreamingHttpResponse(
            snapshot(type(self).chunks), content_type=f"{self.media_type}; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return versions.set_validators(response, etag, version)


class PlacesGeoJSONExport(ExportView):
    renderer_classes = [GeoJSONPassthrough]
    media_type = GEOJSON
    filename = "lieux.geojson"
    chunks = staticmethod(geojson_chunks)

    @extend_schema(
        operation_id="export_lieux_geojson",
        summary="Tous les lieux publics en un fichier GeoJSON (RFC 7946), en flux",
        description="Mêmes Features que `/api/v1/lieux/` (id, propriétés du standard national), "
        "sans pagination : pour QGIS, GDAL et les usages en masse.",
        responses={(200, GEOJSON): OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS},
    )
    def get(self, request):
        return super().get(request)


class PlacesCSVExport(ExportView):
    renderer_classes = [CSVPassthrough]
    media_type = CSV
    filename = "lieux.csv"
    chunks = staticmethod(csv_chunks)

    @extend_schema(
        operation_id="export_lieux_csv",
        summary="Tous les lieux publics au format CSV du standard national, en flux",
        description="Colonnes et valeurs du standard des lieux de médiation numérique v1.0.2 "
        "(listes séparées par `|`).",
        responses={(200, CSV): OpenApiResponse(OpenApiTypes.STR), **ERRORS},
    )
    def get(self, request):
        return super().get(request)
