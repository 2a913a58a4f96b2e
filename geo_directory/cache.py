"""The one cache of the site, and the one version that says "the data changed".

This docstring is the cache policy; the README's Performance section points here.

**Version.** ``version()`` reads one row (``coverage_directoryversion``), bumped in the writer's
own transaction by statement-level triggers on every write to a table a published answer is
built from: places, actors, activities, communes, départements, régions, the fragility index,
the stored coverage and the communes' simplified shapes (``bulk_create``, ``QuerySet.update``,
imports and raw SQL included). Every cached answer's key starts with it (``key()`` refuses one
that does not) and every validator is built from it (ETag, Last-Modified:
``geo_directory.conditional``), so a write makes every older entry unreachable at once, in every
worker, with nothing to delete: old entries leave as the least recently used. Read it before the
data an answer is built from: a write committing in between makes that answer newer than its
key, never older.

**Release.** Every key also carries the installed code's release (``release()``:
``MAILLAGE_RELEASE`` when set, else a hash of the project's code, templates and static files
and of the installed distributions' versions, computed once per process), so a deploy never
serves an answer or a page rendered by the previous code (old static names, old markup) until
the next write: the older entries are unreachable at once, as after a write.

**Two tiers, both bounded in bytes.**

- *Memory*: each worker's least-recently-used store, measured in bytes (``sys.getsizeof``,
  walked through tuples, lists, dicts and objects), at most ``MAILLAGE_CACHE_MEMORY_MB``
  (default 64 MB, ``settings.CACHE_MEMORY_BYTES``). A put over the budget evicts the least
  recently used entries. Every stored value is kept here; no timeout (an entry of an older
  version is never read again, so it is the first to go).
- *Disk*: the ``responses`` cache of ``settings.CACHES``, Django's file cache under
  ``MAILLAGE_CACHE_DIR`` bounded by ``MAILLAGE_CACHE_DISK_MB`` (default 256 MB) of files
  (``BoundedFileCache``: the least recently read or written go first), 24 hours at most. Shared
  by the gunicorn workers without another service, a hit never touches PostGIS, and it survives
  restarts. Only for answers costly to build (``shared=True``): a write compresses the value and
  creates a file, a few milliseconds, more than a cheap answer costs to build.
- *Per entry*: a value over ``settings.CACHE_ENTRY_MAX_BYTES`` (``MAILLAGE_CACHE_ENTRY_MB``,
  default 4 MB, at most a quarter of the memory budget) is stored nowhere: answers are built
  bounded (pages), and one giant never pushes out hundreds of ordinary answers.

A tier that cannot be read or written (permissions, full disk, a damaged file) is a miss, never
an error.

**Several app servers** (docs/scaling.md). With ``CACHE_URL`` (``redis://...``) the shared tier
is that Redis (Django's ``RedisCache``, bounded by Redis's own ``maxmemory``), the same keys for
every host: a key starts with the data's version, read from the database the request reads
(``version()``), so an answer built on one host is found by the others for the same data and
never for newer data. A write on one host makes every older key unreachable on all of them at
once, since each reads the version from the database, not from a cache; a host reading a
replica that has not replayed the write yet is sent to the primary while the write is that
recent (``geo_directory.replicas``: the floor). Redis down or slow (0.5 s timeouts): misses,
and for ``SHARED_PAUSE_S`` seconds this worker does not try it again, so no request waits on it.

**What is kept** (namespace, tiers, what):

- ``places-geojson`` (memory): a page of ``/api/v1/lieux/`` (a few ms to build; a moving map's
  is looked up under the version this worker read last, then checked, so that a new box costs
  one round trip: ``PlaceListView.shape_response``);
- ``communes-geojson`` (memory, disk): a page of ``/api/v1/communes/``, by canonical parameters
  (the threshold quantised to 0.5 km);
- ``tile`` (memory, disk): a vector tile by layer variant (``tiles.cache``);
- ``tilejson-footprint``, ``ogc-extents`` (memory, disk): a layer's bounds and centre, the
  collections' extents;
- ``coverage-figures`` (memory, disk): national and per-département coverage figures;
- ``home-page``, ``coverage-departement-page``, ``search-page`` (memory, disk): pages for
  anonymous visitors (``cached_page``; a search also per places' version and hour);
- ``coverage-shapes`` (memory, disk): the shapes of a département's communes that its coverage
  map fetches (every threshold, basis and view of one version share them);
- ``same-place-groups`` (memory): the groups of records of one real place, per places' version
  (stored in the database when places are written: ``places.same_place``);
- ``layer-features`` (memory): a layer's Feature texts (no extras such as a distance) per data
  version, in blocks of 32 ids (``in_blocks``, ``LayerWriter.feature_texts``): a panning map or
  a moved "near me" point has PostGIS answer only the ids of its page, and the places it showed
  a moment ago are not written again;
- ``search-cards`` (memory): a result card of the public search page per real place, per
  places' version, one per entry (``places.search_results``): a person moving "near me" lists
  the places they listed a moment ago, and only their ids and distances are read again;
- ``filter-panel``, ``radius-options``, ``site-footer``, ``search-map-header``,
  ``search-map-legend`` (memory, ``memo``): markup that depends on no data (the search's filter
  panel per set of values ticked, its radius list per radius chosen, the footer per signed-in
  state, the map's links and legend), rendered once per worker;
- ``static-url`` (memory, ``memo``): a static file's URL (``geo_directory.static_storage``), per
  name: a worker reads its manifest once;
- ``layer-sql`` (memory, ``memo``): a layer's rows compiled to SQL per layer options; no data
  in it, so no version in its key.

Not answers, and so not here: pure functions of their arguments memoized beside their code,
bounded by count (``places.opening_hours``: an expression parsed, a day's hours read from it,
twenty per search page, where a key of this cache would cost as much as the reading).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse

ALIAS = "responses"
FORMAT = 3  # bumped when the shape of a cached value changes: older entries are never read
VERSION_TABLE = "coverage_directoryversion"  # coverage.models.DirectoryVersion


def micros(column: str) -> str:
    """SQL of a timestamp ``column`` as microseconds since 1970, an integer: a version's time is
    read so (``instant`` gives it back, exact), since Django's loader parses every timestamp in
    Python, once per row of a statement that repeats the version beside each of its rows."""
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


# The data's version: its number and the time of that write (``Version``, by ``version_of``).
VERSION_SQL = f"SELECT version, {micros('changed_at')} FROM {VERSION_TABLE} WHERE id = 1"
DISK_ERRORS = (OSError, EOFError, zlib.error, pickle.UnpicklingError, ValueError, TypeError)
try:  # CACHE_URL: Redis as the shared tier (a connection refused is a RedisError)
    from redis.exceptions import RedisError

    DISK_ERRORS = (*DISK_ERRORS, RedisError)
except ImportError:  # pragma: no cover
    pass
DATABASE_ERRORS = (OperationalError, InterfaceError)  # a connection that PostgreSQL dropped
T = TypeVar("T")
SHARED_PAUSE_S = 2.0  # after a failure of the shared tier, this worker leaves it alone this long


class Version(NamedTuple):
    """The data's version: the trigger-bumped number and the clock time of that write."""

    number: int
    changed_at: datetime | None

    def __repr__(self) -> str:
        """In every cache key and ETag: exact to the microsecond, and without a datetime's own
        repr (4 of the 11 microseconds a key took)."""
        at = self.changed_at
        since = None if at is None else (at - _EPOCH) // _MICROSECOND
        return f"Version({self.number}, {since})"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def instant(number: int | None) -> datetime | None:
    """The aware UTC datetime of ``number`` microseconds since 1970 (``micros``)."""
    return None if number is None else _EPOCH + timedelta(microseconds=number)


def version_of(row: tuple | None) -> Version:
    """The ``Version`` of ``VERSION_SQL``'s row (None, or a NULL number: no write yet)."""
    if row is None or row[0] is None:
        return Version(0, None)
    return Version(row[0], instant(row[1]))


def version() -> Version:
    """The current version of the data (one primary-key read).

    The number alone repeats after a rolled-back write (seen by its own transaction, as in
    tests); with the write's clock time it does not."""
    from geo_directory.replicas import read_alias  # the request's database: replica or primary

    db = connections[read_alias()]
    return first_read(db, lambda: _read_version(db))


def first_read(db, read: Callable[[], T]) -> T:
    """``read()``, the request's first statement on ``db`` (a public answer reads its version
    first, alone or with its rows): it is the connection's health check. Django's own
    (CONN_HEALTH_CHECKS) would send a ``SELECT 1`` first, a round trip more on every request:
    instead a connection found broken here (PostGIS restarted) is closed and ``read()`` run
    again on a new one."""
    if db.connection is None or db.health_check_done or db.in_atomic_block:
        return read()
    db.health_check_done = True
    try:
        return read()
    except DATABASE_ERRORS:
        db.close()
    return read()


def _read_version(db) -> Version:
    with db.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        return version_of(cursor.fetchone())


# --- the tiers --------------------------------------------------------------------------------


SIZE_SAMPLE = 256  # items walked in a big container; the others are counted as their average


def size_of(value, _depth: int = 0) -> int:
    """Bytes ``value`` holds in memory: texts exactly, containers and objects walked (shared
    objects counted each time: an upper bound). A container of more than ``SIZE_SAMPLE`` items
    is measured on that many of them, evenly spread, and counted as their average times its
    length: the groups of one real place (7,490 ids nationally) took a second to walk."""
    size = sys.getsizeof(value)
    if isinstance(value, str | bytes | bytearray | int | float | bool) or value is None:
        return size
    if _depth >= 8:
        return size
    depth = _depth + 1
    if isinstance(value, dict):
        items = value.items()
        measure = lambda kv: size_of(kv[0], depth) + size_of(kv[1], depth)  # noqa: E731
    elif isinstance(value, list | tuple | set | frozenset):
        items, measure = value, lambda item: size_of(item, depth)
    elif hasattr(value, "__dict__"):
        return size + size_of(vars(value), depth)
    else:
        return size
    count = len(items)
    if count <= SIZE_SAMPLE:
        return size + sum(map(measure, items))
    step = count / SIZE_SAMPLE
    wanted = {int(i * step) for i in range(SIZE_SAMPLE)}
    sample = [item for index, item in enumerate(items) if index in wanted]
    return size + round(sum(map(measure, sample)) * count / len(sample))


class MemoryLRU:
    """Least-recently-used entries within a budget of bytes (read from settings at each put, so
    a setting changed in tests applies at once). Thread-safe."""

    def __init__(self):
        self._entries: OrderedDict[str | tuple, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    @staticmethod
    def budget() -> int:
        return int(settings.CACHE_MEMORY_BYTES)

    def get(self, name: str):
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                return None
            self._entries.move_to_end(name)
            return entry[0]

    def set(self, name: str, value, size: int) -> bool:
        """Store ``value`` (``size`` bytes), evicting the least recently used entries to stay
        within the budget; False when it alone is over the budget (nothing stored)."""
        budget = self.budget()
        with self._lock:
            old = self._entries.pop(name, None)
            if old is not None:
                self.bytes -= old[1]
            if size > budget:
                return False
            self._entries[name] = (value, size)
            self.bytes += size
            while self.bytes > budget:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries


class BoundedFileCache(FileBasedCache):
    """Django's file cache bounded in bytes of files (``OPTIONS["MAX_BYTES"]``), not in entries.

    A hit refreshes the file's time, so the files least recently read or written go first. The
    folder is measured after the first write of a process and then after every ``MAX_BYTES / 32``
    written by it (listing a folder of thousands of files costs milliseconds): between two
    measures each worker may add that much over the budget. A measure that finds the folder over
    its budget removes the oldest files down to nine tenths of it."""

    SCAN_FRACTION = 32
    TRIM_TO = 0.9

    def __init__(self, dir, params):
        options = dict(params.get("OPTIONS", {}))
        self.max_bytes = int(options.pop("MAX_BYTES", 256 * 2**20))
        options.setdefault("MAX_ENTRIES", sys.maxsize)  # never culled by count
        super().__init__(dir, {**params, "OPTIONS": options})
        self._written_since_scan: int | None = None  # None: not measured yet by this process

    def get(self, key, default=None, version=None):
        missing = object()
        value = super().get(key, missing, version)
        if value is missing:
            return default
        try:
            os.utime(self._key_to_file(key, version))  # read now: the last to be removed
        except OSError:
            pass
        return value

    def _cull(self):
        """Django culls by count before each write; this cache trims by bytes after it."""

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().set(key, value, timeout, version)
        try:
            written = os.path.getsize(self._key_to_file(key, version))
        except OSError:
            written = 0
        if (
            self._written_since_scan is None
            or self._written_since_scan + written >= self.max_bytes / self.SCAN_FRACTION
        ):
            self.trim()
        else:
            self._written_since_scan += written

    def files(self) -> list[tuple[float, int, str]]:
        """(time of last use, bytes, path) of each cache file, oldest first."""
        found = []
        try:
            entries = list(os.scandir(self._dir))
        except OSError:
            return []
        for entry in entries:
            if entry.name.endswith(self.cache_suffix):
                try:
                    stat = entry.stat()
                except OSError:
                    continue  # removed meanwhile (another worker trimming)
                found.append((stat.st_mtime, stat.st_size, entry.path))
        found.sort()
        return found

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.files())

    def trim(self) -> int:
        """Remove the least recently used files while the folder is over its budget, down to
        ``TRIM_TO`` of it; the bytes removed."""
        self._written_since_scan = 0
        files = self.files()
        total = sum(size for _, size, _ in files)
        if total <= self.max_bytes:
            return 0
        target, removed = self.max_bytes * self.TRIM_TO, 0
        for _, size, path in files:
            if total - removed <= target:
                break
            try:
                os.remove(path)
            except FileNotFoundError:
                pass  # another worker removed it
            except OSError:
                continue
            removed += size
        return removed


MEMORY = MemoryLRU()


def disk() -> BoundedFileCache:
    """The shared tier: the file cache, or Redis with ``CACHE_URL``."""
    return caches[ALIAS]


_shared_paused_until = 0.0


def shared_available() -> bool:
    return time.monotonic() >= _shared_paused_until


def shared_failed() -> None:
    """Redis failed: leave it alone a moment (a file cache's error is about one file: no pause)."""
    global _shared_paused_until
    if not settings.CACHE_URL:
        return
    _shared_paused_until = time.monotonic() + SHARED_PAUSE_S


def shared_client():
    """The Redis client of the shared tier (``CACHE_URL``), or None."""
    backend = disk()
    return backend._cache.get_client(write=True) if hasattr(backend, "_cache") else None


def shared_call(action: Callable):
    """``action(redis_client)``, or None when there is no Redis, or it fails (then paused)."""
    if not shared_available():
        return None
    client = shared_client()
    if client is None:
        return None
    try:
        return action(client)
    except DISK_ERRORS:
        shared_failed()
        return None


def shared_health() -> dict:
    """The shared tier for /healthz: its kind and whether it answers now."""
    if settings.CACHE_URL:
        try:
            shared_client().ping()
        except DISK_ERRORS as exc:
            shared_failed()
            return {"shared": "redis", "status": "unavailable", "detail": exc.__class__.__name__}
        global _shared_paused_until
        _shared_paused_until = 0.0
        return {"shared": "redis", "status": "ok"}
    writable = os.access(disk()._dir, os.W_OK) or not os.path.exists(disk()._dir)
    return {"shared": "files", "status": "ok" if writable else "unavailable"}


def clear() -> None:
    """Empty this worker's memory tier (the disk tier is shared: ``disk().clear()``)."""
    MEMORY.clear()


# --- keys and values ----------------------------------------------------------------------------


def key(namespace: str, *parts) -> str:
    """A cache key for ``parts`` in this database. A cached answer's parts start with the
    data's ``Version`` (``version()``), so that no key outlives a write."""
    _check_versioned(namespace, parts)
    return _name(namespace, parts)


def _check_versioned(namespace: str, parts: tuple) -> None:
    if not parts or not isinstance(parts[0], Version):
        raise TypeError(f"cache key {namespace!r}: parts must start with the data's Version")


CODE_FOLDERS = ("geo_directory", "places", "actors", "coverage", "ogc", "tiles")
CODE_SUFFIXES = {".py", ".html", ".txt", ".css", ".js", ".json", ".svg"}
_release: str | None = None  # computed once per process


def release() -> str:
    """The installed code's release: ``settings.RELEASE`` (``MAILLAGE_RELEASE``) when set, else
    a hash of the project's code (the files of its packages, templates and static files
    included, by path and content) and of the installed distributions' names and versions,
    computed once per process (~50 ms). Every worker of one install gets the same one."""
    global _release
    setting = str(getattr(settings, "RELEASE", "") or "")
    if setting:
        return setting
    if _release is not None:
        return _release
    from pathlib import Path

    digest = hashlib.blake2b(digest_size=8)
    root = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                try:
                    content = path.read_bytes()
                except OSError:
                    continue
                digest.update(str(path.relative_to(root)).encode() + b"\0" + content + b"\0")
    installed = set()  # "name-version.dist-info": listed, not parsed (0.4 s for 100 packages)
    for folder in sys.path:
        try:
            installed.update(e.name for e in os.scandir(folder or ".") if "-info" in e.name)
        except OSError:
            continue
    digest.update("\n".join(sorted(installed)).encode())
    _release = digest.hexdigest()
    return _release


def _database_name() -> str:
    """The default database's name (its settings, which are the connection's: a test database
    renames both), without the connection proxy's per-thread lookup (a third of a key's time)."""
    return connections.settings[DEFAULT_DB_ALIAS]["NAME"]


def _name(namespace: str, parts: tuple) -> str:
    text = "|".join([str(FORMAT), release(), _database_name(), namespace, *map(repr, parts)])
    return f"{namespace}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def entry_max_bytes() -> int:
    return int(settings.CACHE_ENTRY_MAX_BYTES)


def get(namespace: str, parts: tuple, *, shared: bool = True):
    """The cached value, or None. This worker's memory first, then (``shared``) the disk tier
    every worker reads; a value found on disk is kept in memory too."""
    name = key(namespace, *parts)
    value = MEMORY.get(name)
    if value is not None or not shared or not shared_available():
        return value
    try:
        value = disk().get(name)
    except DISK_ERRORS:
        shared_failed()
        return None
    if value is not None:
        size = size_of(value)
        if size <= entry_max_bytes():
            MEMORY.set(name, value, size)
    return value


def put(namespace: str, parts: tuple, value, *, shared: bool = True) -> bool:
    """Store ``value`` in this worker's memory and (``shared``) on disk; nothing is stored when
    it is over the per-entry limit (False)."""
    name = key(namespace, *parts)
    size = size_of(value)
    if size > entry_max_bytes():
        return False
    MEMORY.set(name, value, size)
    if shared and shared_available():
        try:
            disk().set(name, value)
        except DISK_ERRORS:
            shared_failed()
    return True


class Usage:
    """What one request's answers took from this cache: ``get_or_build`` calls that found their
    value (``hits``) and that built it (``builds``). Admission learns a kind of request's cost
    from the answers that were built, not from those served kept, and holds a costly kind back
    only when it is about to build one (``before_build``, called once, before the request's
    first build; it may raise to refuse it: geo_directory/admission.py)."""

    __slots__ = ("before_build", "builds", "hits", "refused")

    def __init__(self, before_build: Callable[[], None] | None = None):
        self.hits = self.builds = 0
        self.before_build = before_build
        self.refused = False  # ``before_build`` raised: nothing was built

    @property
    def served_kept(self) -> bool:
        """Every answer of the request came from the cache: its time says nothing of the cost
        of building one."""
        return self.hits > 0 and self.builds == 0


_USAGE: ContextVar[Usage | None] = ContextVar("maillage_cache_usage", default=None)


@contextmanager
def usage(before_build: Callable[[], None] | None = None) -> Iterator[Usage]:
    """Counts the ``get_or_build`` hits and builds of the code run inside (one request);
    ``before_build`` runs before its first build."""
    counted = Usage(before_build)
    token = _USAGE.set(counted)
    try:
        yield counted
    finally:
        _USAGE.reset(token)


def get_or_build(
    namespace: str,
    parts: tuple,
    build: Callable[[], object],
    *,
    shared: bool = True,
    part: bool = False,
) -> tuple[object, bool]:
    """(value, whether it came from the cache). ``build()`` runs on a miss; its value is stored
    (``put``). ``shared``: on disk too, for answers costly to build. Counted in the request's
    ``usage()`` unless ``part``: a piece of answers built around it (extents, footprints),
    whose hit says nothing of what the answer costs."""
    counted = None if part else _USAGE.get()
    value = get(namespace, parts, shared=shared)
    if value is not None:
        if counted is not None:
            counted.hits += 1
        return value, True
    if counted is not None:
        hook, counted.before_build = counted.before_build, None
        if hook is not None:
            try:
                hook()
            except BaseException:
                counted.refused = True
                raise
    value = build()
    if counted is not None:
        counted.builds += 1
    put(namespace, parts, value, shared=shared)
    return value, False


BLOCK = 32  # ids per entry of ``in_blocks``


def in_blocks(
    namespace: str, parts: tuple, ids, read: Callable[[list[int]], dict], *, block: int = BLOCK
) -> dict:
    """The value of each of ``ids`` (integer ids) that exists, kept in this worker's memory in
    entries of ``block`` consecutive ids per ``parts`` (the version first, then names and
    numbers, compared as values): a map panning or a moved "near me" asks for the places it
    showed a moment ago, one lookup per block. The blocks not kept are read at once:
    ``read(wanted)`` returns {id: value} of those of ``wanted`` that exist (a missing id is kept
    as missing)."""
    values, missing = {}, []
    # Keyed by the exact values themselves (the Version, names, the block's number): not the
    # hashed text of ``key``, ~6 µs each, for the fifty blocks of a map's page of 100 places.
    _check_versioned(namespace, parts)
    prefix = (namespace, _database_name(), *parts)
    for number in sorted({pk // block for pk in ids}):
        kept = MEMORY.get((*prefix, number))
        if kept is None:
            missing.append(number)
        else:
            values.update(kept)
    if missing:
        found = read([n * block + k for n in missing for k in range(block)])
        limit = entry_max_bytes()
        for number in missing:
            start = number * block
            kept = {pk: found[pk] for pk in range(start, start + block) if pk in found}
            size = size_of(kept)
            if size <= limit:
                MEMORY.set((*prefix, number), kept, size)
            values.update(kept)
    return values


def memo(namespace: str, parts: tuple, build: Callable[[], object]):
    """A value that depends on no data (compiled SQL of a layer for some options...), kept in
    this worker's memory tier under the same byte budget; no version in its key."""
    name = (namespace, release(), _database_name(), *parts)  # compared as values, not hashed
    try:
        value = MEMORY.get(name)
    except TypeError:  # a part that is no key by itself (a list): its text, hashed
        name = _name(namespace, parts)
        value = MEMORY.get(name)
    if value is None:
        value = build()
        size = size_of(value)
        if size <= entry_max_bytes():
            MEMORY.set(name, value, size)
    return value


# --- pages --------------------------------------------------------------------------------------


def is_anonymous_without_state(request) -> bool:
    """True when a page would be the same for anybody: no session, no pending message.

    Only such requests may share a cached page (a signed-in coordinator sees their team, the
    navigation shows their name and a logout form with their CSRF token)."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def cached_page(request, namespace: str, parts: tuple, render: Callable[[], HttpResponse]):
    """``render()``'s page, shared by anonymous visitors per ``parts`` (the version first) and
    path. A signed-in visitor, or one with a pending message, always gets a fresh rendering."""
    if not is_anonymous_without_state(request):
        return render()

    def build():
        response = render()
        return response.content, response.status_code, response["Content-Type"]

    (content, status, content_type), _ = get_or_build(
        namespace, (*parts, request.get_full_path()), build
    )
    return HttpResponse(content, status=status, content_type=content_type)
