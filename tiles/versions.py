"""Validators (ETag, Last-Modified) and cache keys from the published data's version.

``DataVersion('published')`` is bumped by database triggers on every write to the source
tables (see ``tiles.models``), so one primary-key read tells every worker whether what it
cached, or what a client holds, is still current.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponseNotModified
from django.utils.http import http_date, parse_etags, quote_etag

from .models import DataVersion

PUBLISHED = "published"


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime | None


def current() -> Version:
    row = DataVersion.objects.filter(name=PUBLISHED).values_list("version", "changed_at").first()
    return Version(*row) if row else Version(0, None)


def etag_for(version: Version, *parts) -> str:
    digest = hashlib.blake2b(repr((version.number, *parts)).encode(), digest_size=12)
    return quote_etag(digest.hexdigest())


def not_modified(request, etag: str, version: Version):
    """A 304 response when the client's If-None-Match holds ``etag``, else None."""
    header = request.headers.get("If-None-Match")
    # Weak comparison: GZipMiddleware turns our strong ETag into W/"..." on compressed bodies.
    held = {tag.removeprefix("W/") for tag in parse_etags(header or "")}
    if header and (etag in held or header.strip() == "*"):
        response = HttpResponseNotModified()
        set_validators(response, etag, version)
        return response
    return None


def set_validators(response, etag: str, version: Version):
    """Clients may store the response but revalidate each time (a cheap 304): no stale data."""
    response["ETag"] = etag
    if version.changed_at:
        response["Last-Modified"] = http_date(version.changed_at.timestamp())
    response["Cache-Control"] = "public, no-cache"
    response["Vary"] = "Accept, Accept-Encoding"
    return response
