"""API errors as JSON that names the parameter and the reason, never a stack trace."""

from rest_framework.views import exception_handler as drf_exception_handler


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
