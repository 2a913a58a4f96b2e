"""API errors as JSON that names the parameter and the reason, never a stack trace.

``exception_handler`` is DRF's; ``invalid_parameters`` and ``server_error`` answer the machine
paths (API, OGC, tiles) from middleware and ``handler500``, in the same shapes: the API's
``{"error": "invalid_parameter", "parameters": {...}}``, and under ``/ogc/`` the OGC API
exception (``{"code", "description", "parameter"}``, as ``ogc/views.py`` answers).
"""

from django.http import JsonResponse
from rest_framework.views import exception_handler as drf_exception_handler

MACHINE_PREFIXES = ("/api/", "/ogc/", "/tiles/", "/healthz")
OGC_PREFIX = "/ogc/"
SERVER_ERROR = (
    "Erreur interne du serveur : la requête n'a pas pu aboutir. "
    "L'équipe en est informée ; réessayez plus tard."
)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        response.data = {"error": getattr(exc, "default_code", "error"), "detail": data["detail"]}
    elif isinstance(data, dict):
        response.data = {"error": "invalid_parameter", "parameters": data}
    return response


def _json(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def invalid_parameters(path: str, errors: dict[str, list[str]]) -> JsonResponse:
    """400 naming each refused parameter (``errors``: name -> French reasons)."""
    if path.startswith(OGC_PREFIX):
        name, reasons = next(iter(errors.items()))
        description = " ".join(reason for messages in errors.values() for reason in messages)
        return _json(
            {"code": "InvalidParameterValue", "description": description, "parameter": name}, 400
        )
    return _json({"error": "invalid_parameter", "parameters": errors}, 400)


def server_error(path: str) -> JsonResponse:
    """500 as JSON: no HTML page and no trace for a machine client."""
    if path.startswith(OGC_PREFIX):
        return _json({"code": "ServerError", "description": SERVER_ERROR}, 500)
    return _json({"error": "server_error", "detail": SERVER_ERROR}, 500)
