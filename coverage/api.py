"""Coverage API: communes as RFC 7946 GeoJSON, summary figures per département, as JSON.

Thin views: parameters are parsed by ``coverage.params`` (400 naming the parameter), figures come
from the stored ``CommuneCoverage`` (kept up to date by the writes, never computed by a read);
PostGIS writes the GeoJSON.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.http import Http404, HttpResponse
from django.urls import reverse
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

from . import reports, services
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


def _validators(request, stamp: str) -> tuple[str, datetime | None]:
    """ETag and Last-Modified: they change with each recomputation (``services.stamp``); the
    ETag with the query too."""
    computed = datetime.fromisoformat(stamp) if stamp != "never" else None
    return conditional.etag_for("communes", stamp, request.get_full_path()), computed


def _params(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return serializer.validated_data


CACHE_NAMESPACE = "communes-geojson"


class CommuneCoverageList(GeoJSONAPIView):
    @extend_schema(
        operation_id="communes_couverture_list",
        summary="Couverture des communes (GeoJSON)",
        description="FeatureCollection RFC 7946 (`application/geo+json`) des communes, contours "
        "simplifiés (~40 m, 5 décimales), avec `code_insee`, `nom`, `population`, `distance_m` "
        "(mètres sur l'ellipsoïde WGS84 jusqu'au point de médiation le plus proche, où qu'il "
        "soit), `nearest_place_id`, `has_place_inside`, `covered` (au seuil demandé) et `ifn` "
        "(indice de fragilité numérique, 0-10).",
        parameters=[CommuneListParams],
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                feature_collection_serializer(COMMUNES, paged=False),
                description="FeatureCollection",
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        """The body is built once per coverage version and query (the ETag says both), then
        read from the cache by every worker; only a query never answered is validated (a bad
        parameter is a 400 and is never cached)."""
        etag, computed = _validators(request, services.stamp())
        body = response_cache.get(CACHE_NAMESPACE, (etag,))
        params = _params(CommuneListParams, request) if body is None else None
        return conditional.respond(
            request, etag, computed, lambda: self._response(etag, body, params)
        )

    def _response(self, etag: str, body: str | None, params) -> HttpResponse:
        if body is None:
            body = self._body(params)
            response_cache.put(CACHE_NAMESPACE, (etag,), body)
        return HttpResponse(body, content_type=MEDIA_TYPE)

    def _body(self, params) -> str:
        """The layer's Features (``coverage.layer``), as OGC and the tiles publish them."""
        options = {"basis": params["basis"], "threshold_km": params["threshold_km"]}
        queryset = COMMUNES.rows(**options)
        if params.get("departement"):
            queryset = queryset.filter(departement_id=params["departement"])
        if params["covered"] is not None:
            queryset = queryset.filter(is_covered=params["covered"])
        _matched, features = COMMUNES_WRITER.page(
            queryset.values(page_id=F("code")), options=options
        )
        return collection_text(features)


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
