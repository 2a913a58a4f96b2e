"""The Content-Security-Policy's nonce in pages that may be cached (django-csp does the rest).

django-csp gives each response a fresh nonce (``request.csp_nonce``) and writes the header. A
page shared from the cache would carry the nonce of the response that first built it, which the
next response's header does not allow: templates and ``places.maps.embed`` therefore write
``NONCE_MARKER`` (a value derived from the secret key, never sent to a client), and
``geo_directory.middleware.CSPNonceMiddleware`` puts the request's own nonce in its place in
every answer, cached or not.

In a template: ``<script nonce="{{ csp_nonce }}">`` (the ``csp_nonce`` context processor below).
"""

import hashlib
import hmac
from functools import cache
from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE  # noqa: F401 (used by the middleware)
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
