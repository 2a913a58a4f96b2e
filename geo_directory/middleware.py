"""Requests answered before a view can fail on them: hostile input (400) and PostGIS down (503).

``InputValidationMiddleware`` checks every query parameter, form field and captured path segment
once, the same way, before any view sees it (see ``check_value``): a NUL byte, another control
character or a non-ASCII digit ("²", "١", which pass ``str.isdigit()`` and then break ``int()``
or PostgreSQL) gets a 400 that names the parameter: JSON on machine paths (the OGC exception
shape under ``/ogc/``), a French page elsewhere.

Answer 503 with a clear message, quickly, when PostGIS cannot be reached.

Two ways in: ``DatabaseUnavailableMiddleware.process_exception`` for errors raised by a view,
and ``server_error`` (the project's ``handler500``) for errors raised anywhere else, e.g. by the
session or authentication middleware reading a session while the database is down. Both answer
JSON on machine paths and a small French page elsewhere, with ``Retry-After``; the page is
rendered without the request's context (no user, no messages), so rendering it never needs the
database. The connection is left to Django: ``connect_timeout`` makes a refused or unreachable
server fail within seconds, and the health check reconnects by itself once PostGIS is back.
"""

import logging
import sys
import unicodedata

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.locale import LocaleMiddleware as _LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import server_error as django_server_error

from geo_directory import api_errors, csp

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = api_errors.MACHINE_PREFIXES
MESSAGE = "La base de données est momentanément indisponible. Réessayez dans quelques instants."
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable(request) -> HttpResponse:
    """The 503 answer for ``request``."""
    if request.path.startswith(MACHINE_PREFIXES):
        response = JsonResponse({"error": "database_unavailable", "detail": MESSAGE}, status=503)
    else:
        try:
            page = render_to_string("503.html", {"message": MESSAGE})
        except Exception:  # noqa: BLE001 (the plainest page rather than a 500)
            page = f"<!DOCTYPE html><title>Service indisponible</title><p>{MESSAGE}</p>"
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        return unavailable(request)


def server_error(request, *args, **kwargs):
    """``handler500``: a database outage met outside a view is a 503 too, never a 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        return unavailable(request)
    if request.path.startswith(MACHINE_PREFIXES):
        return api_errors.server_error(request.path)
    try:
        return django_server_error(request, *args, **kwargs)
    except Exception:  # noqa: BLE001 (500.html itself failed)
        return HttpResponseServerError("<h1>Erreur du serveur</h1>")


# A form field may hold a tab or a line break (a textarea); nothing else below U+0020 anywhere.
FORM_WHITESPACE = {"\t", "\n", "\r"}
MAX_VALUE_LENGTH = 2000  # characters of one query parameter or path segment


def check_value(value: str, *, form_field: bool = False, digits: bool = True) -> list[str]:
    """The French reasons why ``value`` is refused (empty when it is acceptable)."""
    if value.isascii() and value.isprintable() and len(value) <= MAX_VALUE_LENGTH:
        return []  # most values: no control character, no digit but 0-9, not too long
    reasons = []
    for char in dict.fromkeys(value):  # each distinct character once, in order
        code = f"U+{ord(char):04X}"
        if char == "\x00":
            reasons.append("contient un caractère nul (U+0000), refusé.")
        elif unicodedata.category(char) == "Cc" and not (form_field and char in FORM_WHITESPACE):
            reasons.append(f"contient un caractère de contrôle ({code}), refusé.")
        elif digits and not char.isascii() and char.isdigit():
            reasons.append(
                f"contient le chiffre non ASCII « {char} » ({code}) : "
                "seuls les chiffres 0 à 9 sont acceptés."
            )
    if not form_field and len(value) > MAX_VALUE_LENGTH:
        reasons.append(
            f"est trop long ({len(value)} caractères ; au plus {MAX_VALUE_LENGTH} acceptés)."
        )
    return reasons


def printable(name: str) -> str:
    """A parameter's name as it can be shown: control characters as ``\\xNN``."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in name)[:100]


class InputValidationMiddleware:
    """One check of every input before the view: query string, form fields, path segments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        errors: dict[str, list[str]] = {}
        segments = [(str(i + 1), v) for i, v in enumerate(view_args)] + list(view_kwargs.items())
        for name, value in segments:
            if isinstance(value, str):
                _collect(errors, name, value, "Le segment d'adresse")
        for name, values in request.GET.lists():
            _collect(errors, name, name, "Le nom du paramètre")
            for value in values:
                _collect(errors, name, value, "Le paramètre")
        if request.method == "POST" and _has_form_body(request):
            for name, values in request.POST.lists():
                _collect(errors, name, name, "Le nom du champ", form_field=True)
                for value in values:
                    _collect(
                        errors,
                        name,
                        value,
                        "Le champ",
                        form_field=True,
                        digits="password" not in name,  # a password may hold any character
                    )
        if not errors:
            return None
        logger.info("invalid input on %s: %s", request.path, ", ".join(errors))
        return invalid_input(request, errors)


def _has_form_body(request) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _collect(errors, name, value, label, **options):
    reasons = check_value(value, **options)
    if reasons:
        shown = printable(name)
        errors.setdefault(shown, []).extend(f"{label} « {shown} » {reason}" for reason in reasons)


# Routes outside the machine prefixes that answer JSON (the search page's commune suggestions).
JSON_ROUTES = {"places:commune-suggestions"}


def answers_json(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        request.path.startswith(MACHINE_PREFIXES)
        or request.path.endswith((".json", ".geojson"))
        or (match is not None and match.view_name in JSON_ROUTES)
    )


def invalid_input(request, errors: dict[str, list[str]]) -> HttpResponse:
    """The 400 for ``errors`` (parameter -> reasons)."""
    if answers_json(request):
        return api_errors.invalid_parameters(request.path, errors)
    from django.shortcuts import render

    response = render(request, "400.html", {"errors": errors}, status=400)
    response["Cache-Control"] = "no-store"
    return response


class CSPNonceMiddleware:
    """Puts the request's CSP nonce where the page says ``csp.nonce_marker()`` (see
    ``geo_directory/csp.py``). Sits after django-csp's middleware (which then lists the nonce in
    the header) and before GZip (which compresses the page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info in csp.inline_style_paths():
            # Redoc's bundle adds <style> elements as it loads, before it can be given the
            # nonce: that page alone allows inline styles (its scripts stay nonce-only).
            response._csp_replace = {"style-src": [csp.SELF, csp.UNSAFE_INLINE]}
        if response.streaming:
            return response
        marker = csp.nonce_marker().encode()
        if marker in response.content:
            response.content = response.content.replace(marker, str(request.csp_nonce).encode())
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


class LocaleMiddleware(_LocaleMiddleware):
    """Django's, for a site of one language (``settings.LANGUAGES``) without language
    prefixes in its URLs: whatever the cookie or ``Accept-Language`` say, Django would choose
    that language; it is activated at once, without parsing them, and the answer says the same
    (``Vary: Accept-Language``, ``Content-Language``)."""

    def process_request(self, request):
        language = _only_language(getattr(request, "urlconf", settings.ROOT_URLCONF))
        if language is None:
            return super().process_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if _only_language(getattr(request, "urlconf", settings.ROOT_URLCONF)) is None:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _only_language(urlconf) -> str | None:
    """The one language Django's ``get_language_from_request`` can choose here, or None."""
    if len(settings.LANGUAGES) != 1 or is_language_prefix_patterns_used(urlconf)[0]:
        return None
    try:
        language = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return None
    return language if language == settings.LANGUAGES[0][0] else None
