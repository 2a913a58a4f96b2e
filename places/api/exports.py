"""Whole-layer downloads: ``/api/v1/export/lieux.geojson`` and ``/api/v1/export/lieux.csv``.

The GeoJSON holds exactly the Features of ``/api/v1/lieux/`` (the places layer); the CSV is the
national standard's, with the same places and values. Each file is written once per data version,
from one REPEATABLE READ snapshot (an import running meanwhile is wholly in it or not at all),
into ``settings.EXPORT_DIR``, then served from disk with its ``Content-Length`` and byte ranges,
so GDAL's ``/vsicurl/`` (QGIS's HTTP source) can open it, and a 304 on revalidation.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from geo_directory import conditional
from geo_directory.cache import version as data_version
from geo_directory.files_http import file_response
from geo_directory.geojson import MEDIA_TYPE as GEOJSON

from ..exporters import geojson_chunks, standard_csv_chunks
from ..layer import PLACES

CSV = "text/csv"


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    chunks: object  # queryset -> text pieces

    def path(self, version) -> Path:
        stem, _, extension = self.filename.rpartition(".")
        stamp = version[1].strftime("%Y%m%d%H%M%S%f") if version[1] else "0"
        folder = Path(settings.EXPORT_DIR) / connection.settings_dict["NAME"]
        return folder / f"{stem}-{version[0]}-{stamp}.{extension}"


GEOJSON_EXPORT = Export("lieux.geojson", GEOJSON, geojson_chunks)
CSV_EXPORT = Export("lieux.csv", CSV, standard_csv_chunks)


def current_file(export: Export) -> tuple[Path, tuple]:
    """The file of ``export`` for the current data version (written now if it is missing)."""
    outermost = not connection.in_atomic_block  # inside a test, the test's transaction rules
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        version = data_version()  # the snapshot's own version
        path = export.path(version)
        if not path.exists():
            _write(path, export.chunks(PLACES.rows()))
            _remove_older(export, keep=path)
    return path, version


def _write(path: Path, chunks) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as output:
            output.writelines(chunks)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_older(export: Export, keep: Path) -> None:
    """Files of older versions go (a reader still streaming one keeps its open file)."""
    stem, _, extension = export.filename.rpartition(".")
    for old in keep.parent.glob(f"{stem}-*.{extension}"):
        if old != keep:
            old.unlink(missing_ok=True)


class Passthrough(BaseRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class GeoJSONPassthrough(Passthrough):
    media_type = GEOJSON
    format = "geojson"


class CSVPassthrough(Passthrough):
    media_type = CSV
    format = "csv"


class IgnoreAccept(BaseContentNegotiation):
    """A download is what its URL names, whatever ``Accept`` says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


RESPONSES = {
    206: OpenApiResponse(description="La partie demandée (`Range: bytes=…`)."),
    304: OpenApiResponse(description="Inchangé depuis l'ETag ou la date envoyés."),
    416: OpenApiResponse(description="Plage hors du fichier."),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="Base de données indisponible."),
}


def export_response(request, export: Export):
    """The current file of ``export``, with validators, its length and byte ranges."""
    path, version = current_file(export)
    etag = conditional.etag_for("export", export.filename, version)
    content_type = f"{export.media_type}; charset=utf-8"
    return conditional.respond(
        request,
        etag,
        version[1],
        lambda: file_response(request, path, content_type, etag, export.filename),
    )


class ExportView(APIView):
    content_negotiation_class = IgnoreAccept
    export: Export

    def get(self, request):
        return export_response(request, self.export)


class PlacesGeoJSONExport(ExportView):
    renderer_classes = [GeoJSONPassthrough]
    export = GEOJSON_EXPORT

    @extend_schema(
        operation_id="export_lieux_geojson",
        summary="Tous les lieux publics en un fichier GeoJSON (RFC 7946)",
        description="Mêmes Features que `/api/v1/lieux/` (id, propriétés), sans pagination : "
        "pour QGIS (y compris par `/vsicurl/`), GDAL et les usages en masse. "
        "`Content-Length`, requêtes partielles (`Range`), ETag.",
        responses={(200, GEOJSON): OpenApiResponse(OpenApiTypes.OBJECT), **RESPONSES},
    )
    def get(self, request):
        return super().get(request)


class PlacesCSVExport(ExportView):
    renderer_classes = [CSVPassthrough]
    export = CSV_EXPORT

    @extend_schema(
        operation_id="export_lieux_csv",
        summary="Tous les lieux publics au format CSV du standard national",
        description="Colonnes et valeurs du standard des lieux de médiation numérique v1.0.2 "
        "(listes séparées par `|`), les mêmes lieux et valeurs que `/api/v1/lieux/`. "
        "`Content-Length`, requêtes partielles (`Range`), ETag.",
        responses={(200, CSV): OpenApiResponse(OpenApiTypes.STR), **RESPONSES},
    )
    def get(self, request):
        return super().get(request)
