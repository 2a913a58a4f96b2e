"""Conditional GET for every published answer: one ETag rule, one Last-Modified rule, one
``Cache-Control``, through Django's own ``get_conditional_response`` (If-None-Match with the weak
comparison GZipMiddleware needs, If-Modified-Since, If-Match, If-Unmodified-Since).

Validators come from the version of the data an answer was built from (database triggers bump
it on every write), so a client may keep any answer and revalidate it for a cheap 304, and is
never told "not modified" after a write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

CACHE_CONTROL = "public, no-cache"  # store, but revalidate every time
VARY = "Accept, Accept-Encoding"


def etag_for(*parts) -> str:
    """A strong ETag for the answer identified by ``parts`` (data version, path, format...)."""
    return quote_etag(hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest())


def set_validators(response, etag: str, last_modified: datetime | None):
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = VARY
    return response


def respond(
    request, etag: str, last_modified: datetime | None, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """A 304 (or 412) when the client's validators match, else ``build()``; with validators
    unless ``build()`` answered an error (a 404 has no version to revalidate)."""
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if response is None:
        response = build()
        if response.status_code >= 400:
            return response
    return set_validators(response, etag, last_modified)
