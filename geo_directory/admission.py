"""Costly requests, a fair share each: no client can hold every worker (issue 12, "no takeover").

With gunicorn's sync workers, a request holds a worker for as long as it takes: four clients
sending the costliest request in a loop would hold both workers, and any other visitor would
wait behind them. So requests of a *costly kind* run under two limits, across the workers:

- each client has ``settings.COSTLY_PER_CLIENT`` (``MAILLAGE_COSTLY_PER_CLIENT``, default 1)
  of them at once: a client flooding the site gets a quick 503 for the ones beyond its share,
  whoever else is served;
- all clients together have ``settings.COSTLY_CONCURRENCY`` (``MAILLAGE_COSTLY_CONCURRENCY``,
  default 2, the workers of ``make demo``; 0 turns all this off): two coordinators opening an
  uncached costly page at the same instant are both served, and on a site with more workers
  the rest stay free for everything else.

A kind whose answers go through the one cache (``geo_directory.cache.get_or_build``) is held
back only when its request is about to build an answer, not when it is served one already kept
(``cache.usage(before_build)``; the refusal is raised there and answered by
``process_exception``): the same page asked by sixteen connections at once is served to all of
them, a flood of new parameters is held back at each build.

A client is the signed-in user of a valid session cookie, else the address
(``geo_directory.auth.client_ip``, as login throttling counts it): a made-up cookie is no new
client. A refusal is a 503 with ``Retry-After`` (JSON on the machine paths, the OGC exception
under ``/ogc/``, a French page elsewhere), which costs a few milliseconds, and the other
workers stay free for everything else (``bench/abuse.py`` measures it).

Vector tiles are not held to these limits (a map asks for a dozen at once, and a refused tile
is a hole in the map) but to a budget of worker time per client: each client may spend
``settings.TILE_BURST_S`` (``MAILLAGE_TILE_BURST_S``, 15 s) of work on costly tiles at once (a
cold national map's first view), then ``settings.TILE_SHARE`` (``MAILLAGE_TILE_SHARE``, 0.5) of a
worker for as long as it goes on (a token bucket, in a file per client
bucket shared by the workers); beyond it, its costly tiles are a 503 with the ``Retry-After``
that refills the budget (only tiles to build: one already kept is served and costs nothing).
One client flooding the tiles then holds half a worker, not both.

A request's kind is its route, its ``format`` and the names of its query parameters, never
their values (which a client chooses freely): a search by text and a search around a point are
two kinds of the same route. A kind is
costly when the answers of that kind this worker built lately took ``settings.COSTLY_MS``
(``MAILLAGE_COSTLY_MS``, 50 ms: six times a quick answer) or more on average (moving average)
of the worker's own time (``work_clock``: the time elapsed, less the time the worker waited for
a CPU behind the other processes of the machine; waiting for the database counts):
with two workers, a client holding both with answers just under it would make every other
visitor wait about that long. Only built answers count: one served from the
cache, or a 304, says nothing of what building one costs (a flood of new parameters meets kept
answers between its costly ones, and must not pass as cheap for them); a kind whose answers
all came from the cache for a minute is unknown again. A kind not seen in the last minute
(parameter names made up, say) is judged by its route's answers, and a route not seen either
is not costly. Only GET and HEAD
are held back: a write is never refused. The slots are ``flock`` locks on files beside the disk
cache (one set per database; clients hashed into ``CLIENT_BUCKETS`` files, so the folder stays
bounded), shared by the workers and released by the kernel when a worker dies; a slot that
cannot be created lets the request through.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import math
import os
import threading
import time
from collections import OrderedDict
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, get_urlconf, resolve

from geo_directory import api_errors
from geo_directory import cache as response_cache
from geo_directory.auth import client_ip

BUSY = (
    "Le service prépare déjà des réponses coûteuses : réessayez dans quelques secondes "
    "(la plupart des réponses sont déjà prêtes et restent servies)."
)
YOURS = (
    "Une réponse coûteuse que vous avez demandée est encore en préparation : attendez-la, "
    "puis réessayez dans quelques secondes (une à la fois par visiteur)."
)
CLIENT_BUCKETS = 4096
TILES = (
    "Trop de tuiles coûteuses demandées depuis votre adresse en peu de temps : la carte se "
    "complétera dans quelques secondes."
)
# Weight of the newest build in a kind's moving average: it rises fast and falls slowly, so a
# kind whose builds are sometimes quick (a 400, a small département) and often slow stays
# costly (with one weight, a few quick builds in a row let a flood build on both workers).
RISE, FALL = 0.3, 0.1
FORGET_SECONDS = 60  # a kind not answered for this long is unknown again (refusals teach nothing)
MAX_KINDS = 1024


class _Schedstat:
    """This thread's ``/proc/thread-self/schedstat``, open for as long as the thread lives
    (closed with its thread-local storage: the development server starts a thread per
    connection)."""

    def __init__(self):
        self.pid = os.getpid()  # a forked child opens its own
        try:
            self.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self.fd = -1

    def __del__(self):
        if self.fd >= 0:
            os.close(self.fd)

    def waited(self) -> float:
        """Seconds this thread has spent runnable but waiting for a CPU since it started (the
        kernel's second field); 0 where the kernel does not count it."""
        if self.fd < 0:
            return 0.0
        try:
            return int(os.pread(self.fd, 64, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0


_THREAD = threading.local()


def _cpu_waited() -> float:
    schedstat = getattr(_THREAD, "schedstat", None)
    if schedstat is None or schedstat.pid != os.getpid():
        schedstat = _THREAD.schedstat = _Schedstat()
    return schedstat.waited()


def work_clock() -> float:
    """Seconds, to measure the worker's own time on an answer: elapsed time less the time it
    waited for a CPU. Under load, every answer's elapsed time grows with the machine's other
    processes (the other workers, PostGIS, the clients): measured so, ordinary searches passed
    for costly in a crowd and the visitors of a library behind one address were refused them
    (one at a time per client). A slow query still counts: the worker waits for it asleep,
    not for a CPU."""
    return time.perf_counter() - _cpu_waited()


class Costs:
    """Moving average of the seconds each kind of request took in this worker to build its
    answer, and when it was last answered; and the kinds answered through the cache. A kind is
    its route and format (the *route kind*) and the names of its query parameters; a kind never
    seen, or with parameter names made up, is judged by its route."""

    def __init__(self):
        self._average: OrderedDict[tuple, tuple[float, float]] = OrderedDict()
        self._kept: OrderedDict[tuple, None] = OrderedDict()
        self._lock = threading.Lock()

    def kept(self, kind: tuple) -> bool:
        """Whether answers of ``kind`` (or, unknown, of its route) go through the cache: such a
        request is held back only when it is about to build one."""
        with self._lock:
            return kind in self._kept or (kind not in self._average and kind[:2] in self._kept)

    def note_kept(self, kind: tuple) -> None:
        with self._lock:
            for key in (kind, kind[:2]):
                self._kept[key] = None
                self._kept.move_to_end(key)
            while len(self._kept) > MAX_KINDS:
                self._kept.popitem(last=False)

    def _estimate(self, kind: tuple, now: float) -> float | None:
        entry = self._average.get(kind)
        if entry is None or now - entry[1] > FORGET_SECONDS:
            return None
        return entry[0]

    def costly(self, kind: tuple) -> bool:
        now = time.monotonic()
        with self._lock:
            average = self._estimate(kind, now)
            if average is None:
                average = self._estimate(kind[:2], now)
        return average is not None and average * 1000 >= settings.COSTLY_MS

    def observe(self, kind: tuple, seconds: float) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (kind, kind[:2]):
                old = self._average.pop(key, None)
                if old is None:
                    average = seconds
                else:
                    weight = RISE if seconds > old[0] else FALL
                    average = old[0] + weight * (seconds - old[0])
                self._average[key] = (average, now)
            while len(self._average) > MAX_KINDS:
                self._average.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._average.clear()
            self._kept.clear()


COSTS = Costs()


def slot_folder() -> Path:
    """In this host's cache folder (even when the cache itself is Redis: admission is per
    host), one set of slots per database (the site, the bench, each test run): sites sharing
    a cache folder never hold each other back."""
    name = connection.settings_dict["NAME"]
    return Path(settings.LOCAL_CACHE_DIR) / "admission" / name


def _lock_one(names: list[str]) -> int | None:
    """The descriptor of the first free slot of ``names``, locked; None when every one is
    taken. A slot that cannot be created counts as free (-1): this guard never breaks a
    request."""
    try:
        folder = slot_folder()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return -1
    for name in names:
        try:
            fd = os.open(folder / name, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            return -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            os.close(fd)
        except OSError:
            os.close(fd)
            return -1
    return None


def acquire() -> int | None:
    """One of the ``COSTLY_CONCURRENCY`` slots shared by all clients (see ``_lock_one``)."""
    return _lock_one([f"slot-{index}" for index in range(settings.COSTLY_CONCURRENCY)])


def acquire_for(client: str) -> int | None:
    """One of ``client``'s ``COSTLY_PER_CLIENT`` slots (see ``_lock_one``)."""
    bucket = int(hashlib.sha256(client.encode()).hexdigest()[:8], 16) % CLIENT_BUCKETS
    return _lock_one([f"client-{bucket}-{i}" for i in range(settings.COSTLY_PER_CLIENT)])


def client_of(request) -> str:
    """``user:<id>`` for the user of a valid session cookie, else ``ip:<address>``. Reads the
    session (one primary-key query) only for a request of a costly kind."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if key:
        try:
            store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key[:64])
            user_id = store.get(SESSION_KEY)
        except DatabaseError:  # the database's own middleware answers, after this one
            user_id = None
        if user_id is not None:
            return f"user:{user_id}"
    return f"ip:{client_ip(request)}"


def release(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None and fd >= 0:
            os.close(fd)  # closing the descriptor releases its lock


def _bucket_file(client: str) -> int | None:
    bucket = int(hashlib.sha256(client.encode()).hexdigest()[:8], 16) % CLIENT_BUCKETS
    try:
        folder = slot_folder()
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"tiles-{bucket}", os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read and a write
        return fd
    except OSError:
        return None


def tile_budget(client: str, spent: float = 0.0) -> float:
    """``client``'s budget of tile work (seconds, refilled at ``settings.TILE_SHARE`` per second
    up to ``settings.TILE_BURST_S``), after spending ``spent`` seconds. A budget that cannot be
    read is full: this guard never breaks a request."""
    burst, share = settings.TILE_BURST_S, settings.TILE_SHARE
    fd = _bucket_file(client)
    if fd is None:
        return burst
    try:
        now = time.time()
        try:
            level, then = (float(v) for v in os.pread(fd, 64, 0).split())
            level = min(burst, level + max(0.0, now - then) * share)
        except ValueError:  # a new file
            level = burst
        level -= spent
        record = f"{level:.4f} {now:.4f}".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)
        return level
    except OSError:
        return burst
    finally:
        os.close(fd)


@functools.cache
def busy_page(message: str) -> str:
    """The French 503 page, rendered once per message: it needs no request (no nonce'd
    script), and a flooder's refusals must cost next to nothing beside the victim's answers."""
    return render_to_string("503.html", {"message": message})


def busy(request, message: str = BUSY) -> HttpResponse:
    path = request.path
    if path.startswith(api_errors.OGC_PREFIX):
        response = api_errors._json({"code": "ServiceUnavailable", "description": message}, 503)
    elif path.startswith(api_errors.MACHINE_PREFIXES):
        response = api_errors._json({"error": "busy", "detail": message}, 503)
    else:
        response = HttpResponse(busy_page(message), status=503)
        response["Cache-Control"] = "no-store"
    response["Retry-After"] = "2"
    response._has_been_logged = True  # expected under load: not an error for Django's log
    return response


# Vector tiles are held to a budget of work per client, not to the slots: a map asks for a
# dozen at once (a refused one stays a hole in the map), each is bounded by its zoom and kept
# per version and variant.
BUDGETED_VIEWS = {"tiles:tile"}


MAX_ROUTES = 4096  # paths whose route this worker remembers (a place's id makes one path each)
_ROUTES: OrderedDict[tuple, tuple[str, bool] | None] = OrderedDict()
_ROUTES_LOCK = threading.Lock()


def route_of(path_info: str) -> tuple[str, bool] | None:
    """(route, held to a budget) of the view serving ``path_info``, None for a path no view
    serves: resolved once per worker and path (a URL resolution costs more than the rest of
    this guard; the handler resolves the path again for the view), the most recent
    ``MAX_ROUTES`` paths kept."""
    key = (get_urlconf() or settings.ROOT_URLCONF, path_info)
    with _ROUTES_LOCK:
        if key in _ROUTES:
            _ROUTES.move_to_end(key)
            return _ROUTES[key]
    try:
        match = resolve(path_info)
        found = (match.route, match.view_name in BUDGETED_VIEWS)
    except Resolver404:
        found = None
    with _ROUTES_LOCK:
        _ROUTES[key] = found
        while len(_ROUTES) > MAX_ROUTES:
            _ROUTES.popitem(last=False)
    return found


def kind_of(request) -> tuple[tuple, bool] | None:
    """The request's kind (route, format, parameter names) and whether it is held to a budget
    (tiles) rather than to the slots; None for a path no view serves."""
    found = route_of(request.path_info)
    if found is None:
        return None
    route, budgeted = found
    names = tuple(sorted(name[:40] for name in request.GET)[:12])
    return (route, request.GET.get("format"), names), budgeted


class Busy(Exception):
    """A costly answer refused for now: ``response`` is its 503."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def admit(request) -> tuple[int, int]:
    """The request's client's slot and a shared one (their descriptors), or ``Busy``."""
    own = acquire_for(client_of(request))
    if own is None:
        raise Busy(busy(request, YOURS))
    shared = acquire()
    if shared is None:
        release(own)
        raise Busy(busy(request))
    return own, shared


def built(response, counted: response_cache.Usage) -> bool:
    """Whether ``response`` was built, so that its time tells its kind's cost: not a 304, nor
    an answer served from the cache (a flood of new parameters would otherwise be judged by the
    kept answers it meets between its costly ones, and pass as cheap), nor a build refused
    (its quick 503 taught the same: a flood refused at its builds went through again)."""
    return response.status_code != 304 and not counted.served_kept and not counted.refused


def learn(kind, response, counted: response_cache.Usage, seconds: float | None) -> None:
    """What an answer of ``kind`` teaches: whether its kind's answers are kept, and its time
    (``seconds``; None: measured once streamed) when it was built."""
    if counted.hits or counted.builds:
        COSTS.note_kept(kind)
    if seconds is not None and built(response, counted):
        COSTS.observe(kind, seconds)


def quick_kind(request) -> tuple | None:
    """The kind of ``request`` when it may be answered without this guard (the public door,
    geo_directory/door.py): a kind held to the slots and not costly now; None otherwise (a
    tile, a costly kind, a path no view serves). What its answers teach goes to ``learn``."""
    found = kind_of(request)
    if found is None or found[1] or COSTS.costly(found[0]):
        return None
    return found[0]


class CostlyRequestsMiddleware:
    """Learns each kind's cost from the answers it serves; holds a costly kind to its client's
    share and to the shared slots. Placed early: a refusal costs a URL resolution (and, for a
    costly kind, a session read) and no other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or settings.COSTLY_CONCURRENCY <= 0:
            return self.get_response(request)
        found = kind_of(request)
        if found is None:
            return self.get_response(request)
        kind, budgeted = found
        if budgeted:
            return self._budgeted(request, kind)
        slots: list[int] = []
        before_build = None
        if COSTS.costly(kind):  # refusals are not observed: they say nothing of the cost
            if COSTS.kept(kind):  # an answer kept is served to anyone: held back to build one

                def before_build():
                    slots.extend(admit(request))

            else:
                try:
                    slots.extend(admit(request))
                except Busy as refusal:
                    return refusal.response
        started = work_clock()
        try:
            with response_cache.usage(before_build) as counted:
                response = self.get_response(request)
        except BaseException:
            release(*slots)
            raise
        # a generated stream (CSV): the work happens while the answer is sent
        streamed = response.streaming and getattr(response, "file_to_stream", None) is None
        learn(kind, response, counted, None if streamed else work_clock() - started)
        if streamed:
            response.streaming_content = self._measured(
                response.streaming_content, kind, slots, started
            )
            return response
        release(*slots)
        return response

    @staticmethod
    def process_exception(request, exception):
        """A build refused by ``before_build``: its 503, through the other middleware."""
        if isinstance(exception, Busy):
            return exception.response
        return None

    def _budgeted(self, request, kind):
        """A tile: when its kind is costly, refused if its client has spent its budget, and
        its time charged to that budget once answered."""
        client = client_of(request) if COSTS.costly(kind) else None

        def before_build():
            level = tile_budget(client)
            if level <= 0:
                response = busy(request, TILES)
                response["Retry-After"] = str(max(1, math.ceil(-level / settings.TILE_SHARE)))
                raise Busy(response)

        started = work_clock()
        with response_cache.usage(before_build if client is not None else None) as counted:
            response = self.get_response(request)
        took = work_clock() - started
        if built(response, counted):
            COSTS.observe(kind, took)
            if client is not None:
                tile_budget(client, spent=took)
        return response

    @staticmethod
    def _measured(chunks, kind, slots, started):
        try:
            yield from chunks
        finally:
            COSTS.observe(kind, work_clock() - started)
            release(*slots)
