"""Read replicas: which database a request reads, and whether each replica may be read.

``DATABASE_REPLICA_URLS`` (comma-separated, empty by default) adds the databases ``replica1``,
``replica2``... (``settings.REPLICA_ALIASES``). ``ReplicaRoutingMiddleware`` chooses, once per
request, the database its reads go to (``geo_directory.db_router.ReplicaRouter`` asks
``read_alias()``); every write goes to the primary (``default``). The primary is read by:

- every request that is not a GET or HEAD, the admin, ``/healthz`` (it probes each database),
  every request of a signed-in person (a session cookie) and the personal pages (``/mon-*``:
  a confirmation link followed from an e-mail writes), the login and password pages;
- every request of a browser that wrote in the last ``READ_YOUR_WRITES_S`` seconds
  (read-your-writes): any request that wrote (an unsafe method, or a write through the ORM
  during a GET) gets a short signed cookie, ``maillage_ecrit``, valid that long; a forged or
  expired one is ignored. Within a request, the first write sends the reads after it to the
  primary too;
- while a write is newer than the replica: a write records the data version it made (the
  "floor", in this worker and, with ``CACHE_URL``, in Redis for every app server, for
  ``REPLICA_MAX_LAG_S``); while a floor is recorded, a request reads the replica's version
  first and reads the primary when the replica has not replayed that write yet. So an answer
  older than one already served after a write is never served, on any host;
- when no replica is usable.

A replica is usable when it answers within its connection timeout (1 s) and lags by at most
``REPLICA_MAX_LAG_S`` (``MAILLAGE_REPLICA_MAX_LAG_S``, default 5 s). Lag: 0 when the replica has
replayed the primary's current WAL position; else, streaming and having replayed all it received,
the age of the primary's last message; else the age of the last transaction it replayed
(``pg_last_xact_replay_timestamp``: alone, it grows on an idle primary, and during any long
transaction of the primary). Each worker keeps
the answer ``REPLICA_HEALTH_S`` seconds (default 2), so a request does not probe. A replica
failing during a request (its answer is a 503) is probed at once and, when down, the request
runs again on the primary: a down replica costs time, never an error.
"""

from __future__ import annotations

import itertools
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

COOKIE = "maillage_ecrit"
COOKIE_SALT = "geo_directory.replicas.read-your-writes"
SAFE_METHODS = {"GET", "HEAD"}
PRIMARY_LSN_SQL = "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END"
# On the replica: in recovery; replayed the primary's position read just before; streaming and
# replayed all it received (then the last message from the primary dates what it knows: needs
# pg_read_all_stats, else NULL); the age of the last transaction replayed.
REPLICA_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn() >= %s::pg_lsn,
       r.status = 'streaming' AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(),
       EXTRACT(EPOCH FROM clock_timestamp() - r.last_msg_receipt_time),
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true
"""
VERSION_SQL = "SELECT version FROM coverage_directoryversion WHERE id = 1"
FLOOR_KEY = "maillage:replica-floor:{name}"
# Raise the floor to ARGV[1] (never lower it), kept ARGV[2] milliseconds.
FLOOR_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


@dataclass
class Routing:
    """The current request's reading database, and whether it wrote."""

    alias: str = DEFAULT_DB_ALIAS
    wrote: bool = False


_routing: ContextVar[Routing | None] = ContextVar("maillage_routing", default=None)


def read_alias() -> str:
    """The database reads go to now: the request's replica, or the primary (outside a request,
    after a write in this request, in commands, imports and coverage recomputation)."""
    routing = _routing.get()
    if routing is None or routing.wrote:
        return DEFAULT_DB_ALIAS
    return routing.alias


def note_write() -> None:
    """A write goes to the primary: the rest of this request reads the primary too."""
    routing = _routing.get()
    if routing is not None:
        routing.wrote = True


# --- health ------------------------------------------------------------------------------------


@dataclass
class Health:
    alias: str
    reachable: bool
    lag_s: float | None  # None: unknown (down, or nothing replayed yet)
    detail: str
    checked_at: float

    @property
    def usable(self) -> bool:
        return (
            self.reachable and self.lag_s is not None and self.lag_s <= settings.REPLICA_MAX_LAG_S
        )

    def report(self) -> dict:
        params = connections[self.alias].settings_dict
        return {
            "alias": self.alias,
            "server": f"{params['HOST']}:{params['PORT']}/{params['NAME']}",
            "status": "ok" if self.usable else ("lagging" if self.reachable else "unavailable"),
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "max_lag_s": settings.REPLICA_MAX_LAG_S,
            "detail": self.detail,
        }


_health: dict[str, Health] = {}


def probe(alias: str) -> Health:
    """Ask the replica (and the primary, for its WAL position) now."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(PRIMARY_LSN_SQL)
            (primary_lsn,) = cursor.fetchone()
    except DatabaseError:
        primary_lsn = None  # the primary down: the replica is judged by itself
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(REPLICA_SQL, [primary_lsn])
            in_recovery, caught_up, applied_all, receipt_age, age = cursor.fetchone()
    except DatabaseError as exc:
        try:
            connections[alias].close()
        except DatabaseError:
            pass
        detail = f"ne répond pas ({exc.__class__.__name__})"
        return Health(alias, False, None, detail, time.monotonic())
    if not in_recovery:
        health = Health(alias, True, 0.0, "n'est pas une réplique (serveur primaire)", 0)
    elif caught_up:
        health = Health(alias, True, 0.0, "à jour", 0)
    elif applied_all and receipt_age is not None:
        health = Health(alias, True, max(float(receipt_age), 0.0), "reçoit et rejoue le flux", 0)
    elif age is None:
        health = Health(alias, True, None, "n'a encore rejoué aucune transaction", 0)
    else:
        health = Health(alias, True, max(float(age), 0.0), "en retard sur le primaire", 0)
    health.checked_at = time.monotonic()
    return health


def health(alias: str, *, fresh: bool = False) -> Health:
    """The replica's health, probed at most every ``REPLICA_HEALTH_S`` seconds by this worker."""
    known = _health.get(alias)
    if fresh or known is None or time.monotonic() - known.checked_at >= settings.REPLICA_HEALTH_S:
        known = _health[alias] = probe(alias)
        if not known.usable:
            logger.warning("replica %s skipped: %s (lag %s)", alias, known.detail, known.lag_s)
    return known


_turn = itertools.count()


def usable_replica() -> str | None:
    """A usable replica, in turn, or None."""
    aliases = list(settings.REPLICA_ALIASES)
    if not aliases:
        return None
    start = next(_turn)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if health(alias).usable:
            return alias
    return None


# --- the floor: the version of the latest write, for REPLICA_MAX_LAG_S ------------------------

_local_floor: tuple[int, float] | None = None  # (version, monotonic deadline)


def _redis():
    """The Redis client of the shared cache (CACHE_URL), or None."""
    if not settings.CACHE_URL:
        return None
    from geo_directory import cache

    return cache.shared_client()


def _floor_key() -> str:
    return FLOOR_KEY.format(name=connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])


def record_floor() -> None:
    """After a write: its data version, read on the primary, becomes the floor."""
    global _local_floor
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    if row is None:
        return
    number, keep = int(row[0]), float(settings.REPLICA_MAX_LAG_S)
    if _local_floor is None or _local_floor[0] < number or _local_floor[1] < time.monotonic():
        _local_floor = (number, time.monotonic() + keep)
    from geo_directory import cache

    cache.shared_call(
        lambda client: client.eval(FLOOR_SCRIPT, 1, _floor_key(), number, int(keep * 1000))
    )


def floor() -> int | None:
    """The highest version written in the last REPLICA_MAX_LAG_S seconds, by this worker or
    (CACHE_URL) any app server; None when none is known."""
    found = None
    if _local_floor is not None and _local_floor[1] > time.monotonic():
        found = _local_floor[0]
    if settings.CACHE_URL:
        from geo_directory import cache

        shared = cache.shared_call(lambda client: client.get(_floor_key()))
        if shared is not None:
            found = max(found or 0, int(shared))
    return found


def replica_has_replayed(alias: str, number: int) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(VERSION_SQL)
            row = cursor.fetchone()
    except DatabaseError:
        return False
    return row is not None and int(row[0]) >= number


# --- the middleware -------------------------------------------------------------------------------


def wrote_recently(request) -> bool:
    try:
        request.get_signed_cookie(COOKIE, salt=COOKIE_SALT, max_age=settings.READ_YOUR_WRITES_S)
    except (KeyError, signing.BadSignature):
        return False
    return True


PRIMARY_PATHS = ("/healthz", "/mon-", "/connexion", "/deconnexion", "/mot-de-passe")


def reads_primary(request) -> bool:
    """Only public reads go to a replica: not a signed-in person (their team, their pages, a
    confirmation link they follow), not the admin."""
    return (
        request.method not in SAFE_METHODS
        or request.path.startswith(("/" + settings.ADMIN_PATH, *PRIMARY_PATHS))
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or wrote_recently(request)
    )


def choose(request) -> str:
    if reads_primary(request):
        return DEFAULT_DB_ALIAS
    alias = usable_replica()
    if alias is None:
        return DEFAULT_DB_ALIAS
    number = floor()
    if number is not None and not replica_has_replayed(alias, number):
        return DEFAULT_DB_ALIAS
    return alias


class ReplicaRoutingMiddleware:
    """Chooses the request's reading database (see the module); off without replicas."""

    def __init__(self, get_response):
        if not settings.REPLICA_ALIASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        routing = Routing(choose(request))
        token = _routing.set(routing)
        try:
            response = self.get_response(request)
            if (
                routing.alias != DEFAULT_DB_ALIAS
                and response.status_code == 503
                and not health(routing.alias, fresh=True).usable
            ):
                routing.alias, routing.wrote = DEFAULT_DB_ALIAS, False
                response = self.get_response(request)
        finally:
            _routing.reset(token)
        if routing.wrote or request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=COOKIE_SALT,
                max_age=settings.READ_YOUR_WRITES_S,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            try:
                record_floor()
            except DatabaseError:
                pass  # the primary is down: this request's answer already says so
        return response
