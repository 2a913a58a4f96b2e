"""``GET /api/v1/lieux/`` and ``GET /api/v1/lieux/<id>/``: thin views over the queryset methods.

One SQL statement (``features.features_page``) counts the matches, dates their last update (ETag
and ``Last-Modified``; a revalidation answers 304) and has PostGIS write the page's Features.
"""

from __future__ import annotations

import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe, urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from geo_directory import cache as response_cache
from geo_directory.cache import directory_version
from geo_directory.geojson import MEDIA_TYPE

from ..exporters import standard_csv_chunks
from ..filters import (
    CODE_INSEE_RE,
    DEPARTEMENT_RE,
    MAX_PAGE_SIZE,
    MAX_RADIUS_KM,
    MAX_TEXT,
    InvalidParameters,
    PlaceFilter,
)
from ..models import Place
from ..querysets import LIST_FIELDS
from .features import features_page


class GeoJSONRenderer(BaseRenderer):
    """The views hand over finished GeoJSON text; this renderer only names the media type."""

    media_type = MEDIA_TYPE
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()


class JSONAliasRenderer(GeoJSONRenderer):
    media_type = "application/json"
    format = "json"


class StandardCSVRenderer(BaseRenderer):
    """``?format=csv``: the national standard's CSV, streamed by ``places.exporters``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode()  # errors only


ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='Paramètre invalide : `{"error": "invalid_parameter", "parameters": '
        '{"bbox": ["4 nombres séparés par des virgules attendus…"]}}`',
    ),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="Base de données indisponible."),
}
# Plain decimal degrees within range, for the documented patterns (the view checks again).
LON = r"-?(180(\.0+)?|(1[0-7]\d|\d{1,2})(\.\d+)?)"
LAT = r"-?(90(\.0+)?|[0-8]?\d(\.\d+)?)"
LIST_PARAMETERS = [
    OpenApiParameter(
        "bbox",
        {"type": "string", "pattern": rf"^{LON},{LAT},{LON},{LAT}$"},
        description="minLon,minLat,maxLon,maxLat (WGS84, minLon ≤ maxLon, minLat ≤ maxLat) ; "
        "filtre exact (ST_Intersects).",
    ),
    OpenApiParameter(
        "near",
        {"type": "string", "pattern": rf"^{LON},{LAT}$"},
        description="lon,lat : lieux autour de ce point, du plus proche au plus lointain, "
        "chacun avec `distance_m` (mètres sur l'ellipsoïde WGS84).",
    ),
    OpenApiParameter(
        "radius_km",
        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": MAX_RADIUS_KM},
        description=f"Rayon autour de `near`, défaut 20, au plus {MAX_RADIUS_KM}.",
    ),
    OpenApiParameter(
        "departement",
        {"type": "string", "pattern": DEPARTEMENT_RE.pattern},
        description="Code d'un département chargé (04, 2A, 974…) ; inconnu : 400.",
    ),
    OpenApiParameter(
        "code_insee",
        {"type": "string", "pattern": CODE_INSEE_RE.pattern},
        description="Code INSEE d'une commune chargée (anciens codes acceptés) ; inconnu : 400.",
    ),
    *[
        OpenApiParameter(
            name,
            str,
            many=True,
            enum=list(values),
            description="Valeur de la liste du standard ; répéter le paramètre ou séparer par |"
            " ; un lieu est retenu s'il a au moins une des valeurs.",
        )
        for name, values in LIST_FIELDS.items()
    ],
    OpenApiParameter("ouvert_maintenant", bool, description="Seulement les lieux ouverts."),
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": MAX_TEXT},
        description="Nom, adresse, SIRET ou code postal (casse et accents ignorés).",
    ),
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        description="Page, à partir de 1.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Lieux par page, défaut 100, au plus {MAX_PAGE_SIZE}.",
    ),
    OpenApiParameter(
        "format",
        str,
        enum=["geojson", "json", "csv"],
        description="csv : tous les lieux filtrés (sans pagination) au CSV du standard national.",
    ),
]


def invalid(errors: dict[str, str]) -> ValidationError:
    return ValidationError({name: [reason] for name, reason in errors.items()})


def not_modified(request, etag: str, last_modified) -> bool:
    """If-None-Match (weak comparison: GZipMiddleware turns our ETag into W/"…" on compressed
    answers, and clients send it back so), else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return etag in tags or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return bool(since and last_modified and int(last_modified.timestamp()) <= since)


def with_validators(response, etag: str, last_modified):
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


class GeoJSONAPIView(APIView):
    """Errors are plain JSON (``application/json``), whatever the negotiated GeoJSON type."""

    renderer_classes = [GeoJSONRenderer, JSONAliasRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONAliasRenderer()
        self.request.accepted_media_type = JSONAliasRenderer.media_type
        return response


class PlaceListView(GeoJSONAPIView):
    renderer_classes = [GeoJSONRenderer, JSONAliasRenderer, StandardCSVRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (Http404, NotAcceptable):
            raise invalid({"format": "formats acceptés : geojson, json, csv"}) from None

    @extend_schema(
        operation_id="lieux_list",
        summary="Lieux d'inclusion numérique (GeoJSON RFC 7946)",
        description="FeatureCollection paginée (`links` rel=next, `numberMatched`). Chaque Feature "
        "a son `id` et les propriétés du standard national v1.0.2. "
        "`?format=csv` : CSV du standard.",
        parameters=LIST_PARAMETERS,
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="FeatureCollection"
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV du standard"),
            304: OpenApiResponse(description="Inchangé depuis l'ETag / la date envoyés."),
            **ERRORS,
        },
    )
    def get(self, request):
        try:
            search = PlaceFilter.from_query(request.query_params)
        except InvalidParameters as exc:
            raise invalid(exc.errors) from None
        if request.accepted_renderer.format == "csv":
            response = StreamingHttpResponse(
                standard_csv_chunks(self.queryset(search)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="lieux.csv"'
            return response
        version = directory_version()
        if search.open_now:
            etag, last, text = self.page(request, search, version)
        else:
            # Kept per directory version (any write to places bumps it) and absolute URL (the
            # links name the host): a repeated query costs one tiny query.
            parts = (version, request.build_absolute_uri(), request.accepted_media_type)
            (etag, last, text), _ = response_cache.get_or_build(
                "places-geojson", parts, lambda: self.page(request, search, version), shared=False
            )
        if not_modified(request, etag, last):
            return with_validators(HttpResponseNotModified(), etag, last)
        response = HttpResponse(text, content_type=request.accepted_media_type or MEDIA_TYPE)
        return with_validators(response, etag, last)

    @staticmethod
    def queryset(search: PlaceFilter):
        return search.apply(Place.objects.public().located())

    def page(self, request, search: PlaceFilter, version) -> tuple[str, object, str]:
        """(ETag, Last-Modified date or None, FeatureCollection text) of the requested page.

        The validators follow the directory's version too: a bulk update or an import may leave
        ``updated_at`` as it was, and a client must not be told "not modified" then."""
        start = (search.page - 1) * search.page_size
        matched, last, features = features_page(
            self.queryset(search),
            start,
            start + search.page_size,
            with_distance=search.near is not None,
        )
        if search.open_now:
            # "Open now" changes with the clock, not with a write: the validators say which
            # minute the answer is for, and no Last-Modified date can vouch for it.
            etag, last = (
                self.etag(request, matched, version, timezone.now().strftime("%Y%m%d%H%M")),
                None,
            )
        else:
            etag = self.etag(request, matched, version)
            last = max((d for d in (last, version[1]) if d), default=None)
        head = {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": max(0, min(search.page_size, matched - start)),
            "links": self.links(request, search, matched),
        }
        text = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + features + "]}"
        return etag, last, text

    @staticmethod
    def etag(request, matched: int, version, minute: str = "") -> str:
        key = f"{request.get_full_path()}|{matched}|{version[0]}@{version[1]}|{minute}"
        return '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'

    @staticmethod
    def links(request, search: PlaceFilter, matched: int) -> list[dict]:
        def url(page: int) -> str:
            query = request.query_params.copy()
            query["page"] = str(page)
            return request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)

        links = [{"rel": "self", "type": MEDIA_TYPE, "href": url(search.page)}]
        if search.page * search.page_size < matched:
            links.append({"rel": "next", "type": MEDIA_TYPE, "href": url(search.page + 1)})
        if search.page > 1:
            links.append({"rel": "prev", "type": MEDIA_TYPE, "href": url(search.page - 1)})
        return links


class PlaceDetailView(GeoJSONAPIView):
    @extend_schema(
        operation_id="lieux_retrieve",
        summary="Un lieu (Feature GeoJSON)",
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="Numéro du lieu")
        ],
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(OpenApiTypes.OBJECT, description="Feature"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Lieu inconnu ou non public."),
        },
    )
    def get(self, request, pk: str):
        if not pk.isdigit() or len(pk) > 18:
            raise NotFound("Lieu inconnu : l'identifiant est un nombre entier.")
        queryset = Place.objects.public().filter(pk=int(pk))
        matched, _last, feature = features_page(queryset, 0, 1)
        if not matched:
            raise NotFound("Lieu inconnu ou non public.")
        return HttpResponse(feature, content_type=request.accepted_media_type or MEDIA_TYPE)
