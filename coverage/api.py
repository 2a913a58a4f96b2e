"""Coverage API: communes as RFC 7946 GeoJSON, summary figures per département, as JSON.

Thin views: parameters are parsed by ``coverage.params`` (400 naming the parameter), figures come
from the stored ``CommuneCoverage`` (kept up to date by the writes, never computed by a read);
PostGIS writes the GeoJSON.
"""

from __future__ import annotations

from django.db.models import F
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_directory import cache as response_cache
from geo_directory import conditional
from geo_directory.api_schema import feature_collection_serializer
from geo_directory.geojson import MEDIA_TYPE, collection_text
from geo_directory.renderers import GeoJSONAPIView
from geo_directory.territories.models import Departement

from . import reports
from .layer import COMMUNES, COMMUNES_WRITER
from .models import CommuneCoverage
from .params import CommuneListParams, CoverageParams

ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='Paramètre invalide : `{"error": "invalid_parameter", "parameters": '
        '{"threshold_km": ["Assurez-vous que cette valeur est inférieure ou égale à 100."]}}`',
    ),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="Base de données indisponible."),
}


def _params(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return serializer.validated_data


CACHE_NAMESPACE = "communes-geojson"
QUERY_NAMESPACE = "communes-query"  # a query string -> its canonical parameters
LIST_PARAMETERS = tuple(CommuneListParams().fields)


def _canonical(params) -> tuple:
    """What a body depends on: the validated parameters (the threshold quantised, defaults
    filled in), in one order. Random thresholds, spellings or unknown parameters of one
    question share one body in the cache, and its links name it this way."""
    return tuple((name, params[name]) for name in LIST_PARAMETERS if params.get(name) is not None)


def _query_text(canonical: tuple, **changes) -> str:
    values = {**dict(canonical), **changes}
    return urlencode(
        {
            name: ("true" if value else "false") if isinstance(value, bool) else value
            for name, value in values.items()
        }
    )


class CommuneCoverageList(GeoJSONAPIView):
    @extend_schema(
        operation_id="communes_couverture_list",
        summary="Couverture des communes (GeoJSON)",
        description="FeatureCollection RFC 7946 (`application/geo+json`) des communes, contours "
        "simplifiés (~40 m, 5 décimales), avec `code_insee`, `nom`, `population`, `distance_m` "
        "(mètres sur l'ellipsoïde WGS84 jusqu'au point de médiation le plus proche, où qu'il "
        "soit), `nearest_place_id`, `has_place_inside`, `covered` (au seuil demandé) et `ifn` "
        "(indice de fragilité numérique, 0-10). Paginée par code INSEE (`page`, `page_size` "
        "jusqu'à 1000, `numberMatched`, `links` rel=next/prev) : un département tient dans une "
        "page, la France entière en fait 35.",
        parameters=[CommuneListParams],
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                feature_collection_serializer(COMMUNES), description="FeatureCollection"
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        """The body is built once per data version and canonical query (the ETag says both),
        then read from the cache by every worker. A query string already seen in this version
        costs two single-row queries and no serializer; a bad parameter is a 400, never
        cached."""
        version = response_cache.version()
        seen = (version, request.get_full_path())
        canonical = response_cache.get(QUERY_NAMESPACE, seen, shared=False)
        if canonical is None:
            canonical = _canonical(_params(CommuneListParams, request))
            response_cache.put(QUERY_NAMESPACE, seen, canonical, shared=False)
        host = request.get_host()
        etag = conditional.etag_for("communes", version.number, canonical, host)
        return conditional.respond(
            request, etag, version.changed_at, lambda: self._response(request, version, canonical)
        )

    def _response(self, request, version, canonical: tuple) -> HttpResponse:
        body, _ = response_cache.get_or_build(
            CACHE_NAMESPACE,
            (version, canonical, request.get_host()),  # the links name the host
            lambda: self._body(request, canonical),
        )
        return HttpResponse(body, content_type=MEDIA_TYPE)

    def _body(self, request, canonical: tuple) -> str:
        """One page of the layer's Features (``coverage.layer``), as OGC and the tiles publish
        them, in code order, counted in the same statement."""
        params = dict(canonical)
        options = {"basis": str(params["basis"]), "threshold_km": float(params["threshold_km"])}
        queryset = COMMUNES.rows(**options)
        if params.get("departement"):
            queryset = queryset.filter(departement_id=params["departement"])
        if params.get("covered") is not None:
            queryset = queryset.filter(is_covered=params["covered"])
        page, size = params["page"], params["page_size"]
        start = (page - 1) * size
        matched, features = COMMUNES_WRITER.page(
            queryset.values(page_id=F("code"))[start : start + size],
            matched=queryset,
            options=options,
        )
        base = request.build_absolute_uri(request.path) + "?"
        links = [{"rel": "self", "type": MEDIA_TYPE, "href": base + _query_text(canonical)}]
        if start + size < matched:
            href = base + _query_text(canonical, page=page + 1)
            links.append({"rel": "next", "type": MEDIA_TYPE, "href": href})
        if page > 1:
            href = base + _query_text(canonical, page=page - 1)
            links.append({"rel": "prev", "type": MEDIA_TYPE, "href": href})
        members = {
            "numberMatched": matched,
            "numberReturned": max(0, min(size, matched - start)),
            "links": links,
        }
        return collection_text(features, members)


class DepartementSummaryList(APIView):
    @extend_schema(
        operation_id="couverture_departements_list",
        summary="Couverture par département",
        description="Pour chaque département : communes, communes non couvertes, population, "
        "population non couverte (nombre et %), au seuil et sur la base demandés ; et la France.",
        parameters=[CoverageParams],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request):
        params = _params(CoverageParams, request)
        threshold_m = params["threshold_km"] * 1000
        rows = [
            {
                **row,
                "url": request.build_absolute_uri(
                    reverse("coverage:api-departement", args=[row["code"]])
                ),
                "map": request.build_absolute_uri(reverse("coverage:map", args=[row["code"]])),
            }
            for row in reports.departement_rows(params["basis"], threshold_m)
        ]
        return Response(
            {
                "threshold_km": params["threshold_km"],
                "basis": params["basis"],
                "france": reports.national_summary(params["basis"], threshold_m),
                "departements": rows,
            }
        )


class DepartementSummary(APIView):
    @extend_schema(
        operation_id="couverture_departement_retrieve",
        summary="Couverture d'un département",
        description="Communes, communes non couvertes, population, population non couverte "
        "(nombre et %) du département, et les mêmes chiffres pour la France entière.",
        parameters=[CoverageParams],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request, code: str):
        departement = Departement.objects.filter(code=code.upper()).first()
        if departement is None:
            raise Http404(f"Département inconnu : « {code} ».")
        params = _params(CoverageParams, request)
        threshold_m = params["threshold_km"] * 1000
        coverage = CommuneCoverage.objects.for_basis(params["basis"])
        return Response(
            {
                "code": departement.code,
                "nom": departement.nom,
                "threshold_km": params["threshold_km"],
                "basis": params["basis"],
                **coverage.in_departement(departement.code).summary(threshold_m),
                "france": reports.national_summary(params["basis"], threshold_m),
                "map": request.build_absolute_uri(reverse("coverage:map", args=[departement.code])),
            }
        )
