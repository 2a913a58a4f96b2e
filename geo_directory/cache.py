"""Costly responses cached per data version, shared by every gunicorn worker.

The ``responses`` cache (``settings.CACHES``) is Django's file-based cache under ``.data/cache``:
it is shared by the sync workers without a new service, a hit never touches PostGIS (a database
cache would cost a query per hit and fail with the database), and a 300 KB map page is read back
in about a millisecond. Keys carry the version of the data they were built from (e.g. the coverage
stamp, which changes after any write to places, actors, activities or communes) and the
database's name, so a write makes older entries unreachable at once, in every worker, without any
explicit deletion; they age out (``TIMEOUT``) or are culled (``MAX_ENTRIES``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpResponse

ALIAS = "responses"
# Every answer is also kept in the worker's own memory (no file read, no decompression); cheap
# ones (a places page: ~4 ms to build) only there: writing them to the file cache (compressing,
# listing the folder to cull it) would cost more than building them.
LOCAL = LocMemCache("maillage-local", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 200}})
LOCAL_MAX_CHARS = 256_000  # bigger answers are not kept in memory: at most ~50 MB per worker
FORMAT = 2  # bumped when the shape of a cached value changes: older entries are never read


def key(namespace: str, *parts) -> str:
    """A cache key for ``parts`` (data version, path...) in this database."""
    text = "|".join([str(FORMAT), connection.settings_dict["NAME"], namespace, *map(str, parts)])
    return f"{namespace}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def get(namespace: str, parts: tuple, *, shared: bool = True):
    """The cached value, or None. ``shared``: this worker's memory first, then the file cache
    every worker reads (a value found there is kept in memory too, if small); else this worker's
    memory only. A cache that cannot be read (permissions...) is a miss, never an error."""
    name = key(namespace, *parts)
    value = LOCAL.get(name)
    if value is not None or not shared:
        return value
    try:
        value = caches[ALIAS].get(name)
    except OSError:
        return None
    if value is not None and _chars(value) <= LOCAL_MAX_CHARS:
        LOCAL.set(name, value)
    return value


def put(namespace: str, parts: tuple, value, *, shared: bool = True) -> None:
    """Store ``value``: in this worker's memory if small, and in the file cache if ``shared``.
    A cache that cannot be written (full disk...) is skipped, never an error."""
    name = key(namespace, *parts)
    if _chars(value) <= LOCAL_MAX_CHARS:
        LOCAL.set(name, value)
    if shared:
        try:
            caches[ALIAS].set(name, value)
        except OSError:
            pass


def get_or_build(
    namespace: str, parts: tuple, build: Callable[[], object], *, shared: bool = True
) -> tuple[object, bool]:
    """(value, whether it came from the cache). ``build()`` runs on a miss; its value is stored.

    ``shared``: also in the file cache every worker reads (costly answers: a file-cache write
    compresses and lists the folder to cull it, milliseconds); else in this worker's memory only
    (cheap answers, whose texts are at most ``LOCAL_MAX_CHARS``)."""
    value = get(namespace, parts, shared=shared)
    if value is not None:
        return value, True
    value = build()
    put(namespace, parts, value, shared=shared)
    return value, False


def _chars(value) -> int:
    """Characters of the texts in ``value`` (a text, or a tuple holding some)."""
    items = value if isinstance(value, tuple) else (value,)
    return sum(len(item) for item in items if isinstance(item, str | bytes))


def is_anonymous_without_state(request) -> bool:
    """True when a page would be the same for anybody: no session, no pending message.

    Only such requests may share a cached page (a signed-in coordinator sees their team, the
    navigation shows their name and a logout form with their CSRF token)."""
    from django.conf import settings

    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def directory_version() -> tuple[int, datetime | None]:
    """(number, time) of the directory's last write: database triggers bump them, in the
    writer's own transaction, on any write to places, actors, activities or communes (bulk
    updates and imports included; ``coverage.DirectoryVersion``).

    The number alone repeats after a rolled-back write (seen by its own transaction, as in
    tests); with the write's clock time it does not. Read it before the data a response is built
    from: a write committing in between makes that response newer than its key, never older."""
    from coverage.models import DirectoryVersion

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version, changed_at FROM {DirectoryVersion._meta.db_table} WHERE id = 1"
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, None)


def cached_page(request, namespace: str, parts: tuple, render: Callable[[], HttpResponse]):
    """``render()``'s page, shared by anonymous visitors per ``parts`` (data version...) and path.

    A signed-in visitor, or one with a pending message, always gets a fresh rendering."""
    if not is_anonymous_without_state(request):
        return render()

    def build():
        response = render()
        return response.content, response.status_code, response["Content-Type"]

    (content, status, content_type), _ = get_or_build(
        namespace, (*parts, request.get_full_path()), build
    )
    return HttpResponse(content, status=status, content_type=content_type)
