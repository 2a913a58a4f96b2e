"""The Content-Security-Policy's nonce in pages that may be cached (django-csp does the rest).

django-csp gives each response a fresh nonce (``request.csp_nonce``) and writes the header. A
page shared from the cache would carry the nonce of the response that first built it, which the
next response's header does not allow: templates and ``places.maps.embed`` therefore write
``NONCE_MARKER`` (a value derived from the secret key, never sent to a client), and
``geo_directory.middleware.CSPNonceMiddleware`` puts the request's own nonce in its place in
every answer, cached or not.

In a template: ``<script nonce="{{ csp_nonce }}">`` (the ``csp_nonce`` context processor below).

``CSPMiddleware`` is django-csp's, with the header of an answer that used no nonce and changes
no directive (every JSON answer) built once per worker and settings, not twice per response.
"""

import hashlib
import hmac
from functools import cache
from urllib.parse import urlsplit

from csp import constants
from csp.constants import SELF, UNSAFE_INLINE  # noqa: F401 (used by the middleware)
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.urls import NoReverseMatch, reverse


@cache
def nonce_marker() -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), b"maillage-csp-nonce", hashlib.sha256)
    return "cspnonce" + digest.hexdigest()[:24]


@cache
def inline_style_paths() -> frozenset[str]:
    """Pages whose third-party bundle adds <style> elements it cannot tag: Redoc (/api/redoc/)."""
    try:
        return frozenset({reverse("api-redoc")})
    except NoReverseMatch:
        return frozenset()


def csp_nonce(request):
    """Context processor: ``{{ csp_nonce }}`` for inline ``<script>`` and ``<style>`` elements."""
    return {"csp_nonce": nonce_marker()}


def tile_origin(url: str) -> str | None:
    """The origin a map's tile URL template loads from (``{s}`` subdomains as ``*``), or None
    when it is relative (served by the site itself)."""
    parts = urlsplit(url.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


# What a response sets to change its policy (django-csp's decorators, CSPNonceMiddleware).
POLICY_CHANGES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_plain: tuple = (None, None, ("", ""))


def plain_policies() -> tuple[str, str]:
    """(Content-Security-Policy, its report-only twin) of a response with no nonce and no
    change: django-csp's ``build_policy`` of the settings, once per settings objects."""
    global _plain
    config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    config_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
    if _plain[0] is not config or _plain[1] is not config_ro:
        _plain = (config, config_ro, (build_policy(), build_policy(report_only=True)))
    return _plain[2]


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware; an answer that used no nonce and changes no directive gets
    the header ``plain_policies`` built once (the same text: the same function of the same
    settings), under the same conditions (exempt, excluded prefixes, a header already set)."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in POLICY_CHANGES
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, value, exempt, setting in (
            (constants.HEADER, plain_policies()[0], "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (
                constants.HEADER_REPORT_ONLY,
                plain_policies()[1],
                "_csp_exempt_ro",
                "CONTENT_SECURITY_POLICY_REPORT_ONLY",
            ),
        ):
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
