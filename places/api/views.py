"""``GET /api/v1/lieux/`` and ``GET /api/v1/lieux/<id>/``: thin views over the queryset methods.

One SQL statement (``features.features_page``) counts the matches, dates their last update (ETag
and ``Last-Modified``; a revalidation answers 304) and has PostGIS write the page's Features.
"""

from __future__ import annotations

import json

from django.db.models import F
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from geo_directory import cache as response_cache
from geo_directory import conditional
from geo_directory.api_schema import feature_collection_serializer
from geo_directory.geojson import MEDIA_TYPE, collection_text
from geo_directory.renderers import GeoJSONAPIView, GeoJSONRenderer, JSONAliasRenderer

from ..exporters import standard_csv_chunks
from ..filters import PageParameters, PlaceFilter, PlaceFilterSet
from ..layer import PLACES, PLACES_WRITER
from . import pages
from .exports import CSV_EXPORT, export_response


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


def invalid(errors: dict[str, str]) -> ValidationError:
    return ValidationError({name: [reason] for name, reason in errors.items()})


# The Accept headers of a plain GET and the media type DRF's negotiation gives each (no Accept:
# the first renderer's); any other Accept, or a ``format``, goes through DRF.
PLAIN_ACCEPT = {
    None: MEDIA_TYPE,
    "*/*": MEDIA_TYPE,
    MEDIA_TYPE: MEDIA_TYPE,
    "application/json": "application/json",
}


class PlaceListView(GeoJSONAPIView):
    renderer_classes = [GeoJSONRenderer, JSONAliasRenderer, StandardCSVRenderer]
    # The parameters: one declaration, ``PlaceFilterSet`` (validation, 400s and, through
    # django-filter's backend and drf-spectacular's extension, /api/schema/).
    filterset_class = PlaceFilterSet
    filter_backends = api_settings.DEFAULT_FILTER_BACKENDS

    def dispatch(self, request, *args, **kwargs):
        """A plain GET of a moving map or a "near me" (no ``format``, an Accept of GeoJSON,
        JSON or anything, valid parameters) is answered without DRF's request cycle (request
        wrapper, negotiation, exception handling: 0.2 ms of its ~3 ms), with the same headers
        and text; anything else, every error included, goes through DRF."""
        if request.method in ("GET", "HEAD"):
            media_type = self.plain_media_type(request)
            if media_type is not None:
                response = self.plain(request, media_type)
                if response is not None:
                    return response
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def plain_media_type(request) -> str | None:
        """The media type of a plain GET's answer (``PLAIN_ACCEPT``), None for any other
        Accept or a ``format``: DRF negotiates it."""
        if "format" in request.GET:
            return None
        return PLAIN_ACCEPT.get(request.META.get("HTTP_ACCEPT"))

    @classmethod
    def door_answer(cls, request, media_type: str) -> HttpResponse | None:
        """The answer of a plain GET at the public door (geo_directory/door.py), None when
        it is not one (DRF answers it)."""
        return cls().plain(request, media_type)

    def plain(self, request, media_type: str) -> HttpResponse | None:
        try:
            search = self.filterset_class(request.GET).search()
        except ValidationError:
            return None  # DRF answers it
        if search.open_now:
            return None
        response = self.shape_response(request, request.GET, search, media_type)
        if response is None:
            return None
        for name, value in self.default_response_headers.items():  # as DRF's finalize_response
            if name == "Vary":
                patch_vary_headers(response, [value])
            else:
                response[name] = value
        return response

    def get_queryset(self):
        return PLACES.rows()

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
        parameters=[PageParameters],
        filters=True,
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                feature_collection_serializer(PLACES), description="FeatureCollection"
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV du standard"),
            304: OpenApiResponse(description="Inchangé depuis l'ETag / la date envoyés."),
            **ERRORS,
        },
    )
    def get(self, request):
        search = self.filterset_class(request.query_params).search()
        if request.accepted_renderer.format == "csv":
            if set(request.query_params) <= {"format"}:  # the whole layer: this version's file
                return export_response(request, CSV_EXPORT)
            response = StreamingHttpResponse(
                standard_csv_chunks(self.queryset(search)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="lieux.csv"'
            return response
        media_type = request.accepted_renderer.media_type
        if not search.open_now:  # a moving map, a "near me": one round trip
            response = self.shape_response(request, request.query_params, search, media_type)
            if response is not None:
                return response
        version = response_cache.version()
        # "Open now" changes with the clock, not with a write: the ETag says which minute the
        # answer is for, and no Last-Modified date can vouch for it.
        minute = timezone.now().strftime("%Y%m%d%H%M") if search.open_now else ""
        etag = conditional.etag_for("lieux", version, request.get_full_path(), media_type, minute)

        def build():
            if search.open_now:
                text = self.page(request, search, version)
            else:
                # Kept per directory version and absolute URL (the links name the host).
                text, _ = response_cache.get_or_build(
                    "places-geojson",
                    (version, etag, request.build_absolute_uri()),
                    lambda: self.page(request, search, version),
                    shared=False,
                )
            return HttpResponse(text, content_type=media_type)

        return conditional.respond(request, etag, None if minute else version[1], build)

    @classmethod
    def shape_response(cls, request, query, search, media_type) -> HttpResponse | None:
        """A moving map's or a "near me" page (``pages.versioned_page``), None for any other
        search. The same page asked again (a map's first view, shared by its visitors) is
        kept per version: looked up under the version this worker read last, and served when
        the data's version, read alone, is still that one; a new page costs the version and
        its ids in one round trip. Same validators and text as any other page."""
        full_path, uri = request.get_full_path(), request.build_absolute_uri()
        guess = pages.last_version()
        if guess is not None:
            guessed = conditional.etag_for("lieux", guess, full_path, media_type, "")
            text = response_cache.get("places-geojson", (guess, guessed, uri), shared=False)
            if text is not None and response_cache.version() == guess:
                return conditional.respond(
                    request, guessed, guess[1], lambda: HttpResponse(text, content_type=media_type)
                )
        found = pages.versioned_page(search)
        if found is None:
            return None
        version, matched, features = found
        if version == guess:  # the version of this worker's last page, as most often
            etag = guessed
        else:
            etag = conditional.etag_for("lieux", version, full_path, media_type, "")

        def build():
            text = cls.collection(request, query, search, matched, features)
            response_cache.put("places-geojson", (version, etag, uri), text, shared=False)
            return HttpResponse(text, content_type=media_type)

        return conditional.respond(request, etag, version[1], build)

    @staticmethod
    def queryset(search: PlaceFilter):
        return search.apply(PLACES.rows())

    def page(self, request, search: PlaceFilter, version) -> str:
        """The FeatureCollection text of the requested page: the layer's Features."""
        matched, features = pages.page(search, version)
        return self.collection(request, request.query_params, search, matched, features)

    @classmethod
    def collection(cls, request, query, search: PlaceFilter, matched: int, features: str) -> str:
        start = (search.page - 1) * search.page_size
        return collection_text(
            features,
            {
                "numberMatched": matched,
                "numberReturned": max(0, min(search.page_size, matched - start)),
                "links": cls.links(request, query, search, matched),
            },
        )

    @staticmethod
    def links(request, query, search: PlaceFilter, matched: int) -> list[dict]:
        base = request.build_absolute_uri(request.path) + "?"
        # The query encoded once, each parameter where it is, ``page`` included (last if absent).
        parts = [
            None if name == "page" else urlencode({name: v}, doseq=True)
            for name, v in query.lists()
        ]
        if "page" not in query:
            parts.append(None)

        def url(page: int) -> str:
            return base + "&".join(f"page={page}" if part is None else part for part in parts)

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
            (200, MEDIA_TYPE): OpenApiResponse(PLACES.serializer_class, description="Feature"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Lieu inconnu ou non public."),
        },
    )
    def get(self, request, pk: str):
        if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
            raise NotFound("Lieu inconnu : l'identifiant est un nombre entier.")
        version = response_cache.version()
        media_type = request.accepted_renderer.media_type
        etag = conditional.etag_for("lieu", version, int(pk), media_type)
        page = PLACES.rows().filter(pk=int(pk)).values(page_id=F("pk"))
        exists = page.exists()
        if not exists:
            raise NotFound("Lieu inconnu ou non public.")

        def build():
            _matched, feature = PLACES_WRITER.page(page)
            return HttpResponse(feature, content_type=media_type)

        return conditional.respond(request, etag, version[1], build)
