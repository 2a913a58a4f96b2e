"""Vector tiles, their TileJSON documents and the national coverage map."""

from django.contrib.gis.db.models.functions import PointOnSurface
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from coverage.params import CoverageParams
from geo_directory import cache as response_cache
from geo_directory import conditional
from geo_directory.layers import ParameterError

from . import national
from .cache import get_or_render
from .layers import LAYERS, TileOutOfRange, check_tile, communes_layer, places_layer

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


class UnknownLayer(Exception):
    pass


def _layer(name):
    try:
        return LAYERS[name]
    except KeyError:
        raise UnknownLayer(name) from None


def _unknown_layer(name):
    detail = f"Couche inconnue : {name}. Couches : {', '.join(LAYERS)}."
    return JsonResponse({"error": "not_found", "detail": detail}, status=404)


def _bad_tile(message):
    return JsonResponse({"error": "tile_out_of_range", "detail": message}, status=400)


def _bad_parameter(name, message):
    return JsonResponse({"error": "invalid_parameter", "parameters": {name: [message]}}, status=400)


def _variant(request, layer):
    """The layer for ``basis`` / ``threshold_km`` (communes) or ``basis`` (places: only the
    mediation points of that basis, the national map's dots) and the variant's key.

    Raises ``ParameterError`` naming the parameter.
    """
    allowed = {"basis", "threshold_km"} if layer.name == "communes" else {"basis"}
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise ParameterError(unknown[0], f"Paramètre inconnu : {unknown[0]}.")
    if layer.name != "communes" and "basis" not in request.GET:
        return layer, ()
    params = CoverageParams(data=request.GET)
    if not params.is_valid():
        name, messages = next(iter(params.errors.items()))
        raise ParameterError(name, str(messages[0]))
    basis = params.validated_data["basis"]
    if layer.name != "communes":
        return places_layer(basis), (basis,)
    threshold = params.validated_data["threshold_km"]  # quantised by its declaration
    return communes_layer(basis, threshold), (basis, threshold)


@csrf_exempt  # read-only: other methods get 405, not CSRF's 403
@require_safe
def tile(request, layer, z, x, y):
    try:
        layer = _layer(layer)
    except UnknownLayer:
        return _unknown_layer(layer)
    try:
        z, x, y = int(z), int(x), int(y)
        check_tile(z, x, y, layer.maxzoom)
    except (ValueError, TileOutOfRange) as error:
        return _bad_tile(str(error))
    try:
        layer, variant = _variant(request, layer)
    except ParameterError as error:
        return _bad_parameter(error.name, error.message)
    version = response_cache.version()
    etag = conditional.etag_for("tile", version.number, layer.name, variant, z, x, y)

    def build():
        data, cached = get_or_render(layer, z, x, y, version, variant)
        # An empty tile costs one cheap query and travels as 204 No Content.
        response = HttpResponse(data, content_type=MVT_MEDIA_TYPE, status=200 if data else 204)
        response["X-Tile-Cache"] = "hit" if cached else "miss"
        return response

    return conditional.respond(request, etag, version.changed_at, build)


def tilejson_document(request, layer) -> dict:
    template = request.build_absolute_uri(
        reverse("tiles:tile", args=[layer.name, 0, 0, 0]).replace("/0/0/0.pbf", "")
    )
    query = ("?" + request.GET.urlencode()) if request.GET else ""
    return {
        "tilejson": "3.0.0",
        "name": layer.name,
        "description": layer.title,
        "version": "1.0.0",
        "attribution": "Maillage ; contours IGN Admin Express, COG INSEE (Licence Ouverte)",
        "scheme": "xyz",
        "tiles": [template + "/{z}/{x}/{y}.pbf" + query],
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        **response_cache.get_or_build(
            "tilejson-footprint",
            # the threshold changes a property (covered), never the rows
            (response_cache.version(), layer.name, footprint_options(layer)),
            lambda: footprint(layer),
            part=True,
        )[0],
        "vector_layers": [
            {
                "id": layer.name,
                "description": layer.title,
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": layer.fields(),
            }
        ],
    }


def footprint_options(layer) -> tuple:
    return tuple(sorted((k, v) for k, v in layer.options.items() if k != "threshold_km"))


def footprint(layer) -> dict:
    """TileJSON ``bounds`` (the data's extent) and ``center`` (its median point, zoom 5)."""
    rows = layer.layer.rows(**layer.options)
    extent = layer.layer.extent(rows)
    if not extent["bbox"]:
        return {"bounds": [-180, -85.0511, 180, 85.0511]}
    with connections[rows.db].cursor() as cursor:
        sql, params = (
            rows.order_by()
            .annotate(_centre=PointOnSurface(layer.layer.plain_geometry()))
            .values("_centre")
            .query.sql_with_params()
        )
        cursor.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ST_X(c._centre)),"
            f" percentile_disc(0.5) WITHIN GROUP (ORDER BY ST_Y(c._centre)) FROM ({sql}) c",
            params,
        )
        lon, lat = cursor.fetchone()
    return {"bounds": extent["bbox"], "center": [round(lon, 5), round(lat, 5), 5]}


@csrf_exempt
@require_safe
def tilejson(request, layer):
    try:
        layer = _layer(layer)
    except UnknownLayer:
        return _unknown_layer(layer)
    try:
        layer, variant = _variant(request, layer)
    except ParameterError as error:
        return _bad_parameter(error.name, error.message)
    version = response_cache.version()
    etag = conditional.etag_for("tilejson", version.number, layer.name, variant, request.get_host())
    return conditional.respond(
        request, etag, version.changed_at, lambda: JsonResponse(tilejson_document(request, layer))
    )


@require_safe
def national_map(request):
    """All communes of France shaded by coverage at a threshold and on a basis, the mediation
    points of the same basis on top, from the vector tiles; go to a département or an overseas
    territory (``tiles.national``)."""
    context = national.page_context(request)
    status = 400 if context["errors"] or context["unknown_departement"] else 200
    return render(request, "tiles/national_map.html", context, status=status)
