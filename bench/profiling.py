"""Where the time of an uncached request goes, in-process: SQL against Python.

``profile_paths(paths, n)`` sends ``n`` uncached GETs to each path through Django's test
``Client`` (the whole middleware stack, the URL resolver, the view, the renderer) and returns a
printable summary: per path, the wall time per request, the time spent in SQL (every statement
timed by a ``connection.execute_wrapper``, execution and transfer of its rows), the statements
per request, the Python rest, then the functions of a cProfile run of the same requests by
cumulative and by own time.

Uncached: a ``bbox=`` or ``near=`` in the query string moves by a random offset on each request
(up to 0.1 degree, as bench/_wrk.py's ``varied_script``), and the cache of answers
(``geo_directory.cache.get``/``put``) misses and stores nothing for the time of the run, so
every request is built. What stays warm is what a running worker keeps between requests
anyway: the database connection, compiled SQL, the layers' Features (``layer-features``: a
panning map reads the same places again).

Django must already be configured on the bench database (``bench/_national.py``
``setup_django()``); run alone: ``.venv/bin/python bench/profiling.py [-n 50] PATH...``.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

SPREAD = 0.1  # degrees, as bench/_wrk.py varied_script
MOVABLE = ("bbox", "near")
TOP = 25
# Cache namespaces of parts, not answers, left on: a worker holds them after its first answers
# (the layers' Features per block, the search page's cards, the same-place groups of the
# places' version, stored at the write's commit).
KEPT = {"layer-features", "search-cards", "same-place-groups"}
# Q1, Q2 and Q4 of bench/serving.py
DEFAULT_PATHS = [
    "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3&page_size=100",
    "/api/v1/lieux/?bbox=4.7,45.6,5.0,45.9&page_size=100",
    "/api/v1/lieux/?near=5.93,44.19&radius_km=20&page_size=10",
]


def moved(path: str, rng: random.Random) -> str:
    """``path`` with its ``bbox``/``near`` numbers moved by one random offset (dx, dy)."""
    parts = urlsplit(path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    dx, dy = (rng.uniform(-SPREAD, SPREAD) for _ in range(2))
    changed = []
    for name, value in query:
        if name in MOVABLE:
            try:
                numbers = [float(v) for v in value.split(",")]
            except ValueError:
                numbers = None
            if numbers is not None:
                value = ",".join(f"{v + (dy if i % 2 else dx):.4f}" for i, v in enumerate(numbers))
        changed.append((name, value))
    return parts.path + ("?" + urlencode(changed, safe=",") if changed else "")


@contextmanager
def response_cache_off():
    """Every read of a cached answer misses and no answer is stored (``memo`` and the layers'
    Features, ``layer-features``, stay: parts that a panning map reuses, not answers); the
    admission slots (geo_directory/admission.py, beside the disk cache) are this run's own, so
    a server running on the same database does not hold these requests back."""
    from django.conf import settings
    from django.test import override_settings

    from geo_directory import cache

    saved = cache.get, cache.put
    get, put = saved
    cache.get = lambda namespace, *a, **k: get(namespace, *a, **k) if namespace in KEPT else None
    cache.put = lambda namespace, *a, **k: put(namespace, *a, **k) if namespace in KEPT else False
    folder = tempfile.TemporaryDirectory(prefix="maillage-profile-")
    responses = {**settings.CACHES[cache.ALIAS], "LOCATION": folder.name}
    try:
        with override_settings(CACHES={**settings.CACHES, cache.ALIAS: responses}):
            yield
    finally:
        cache.get, cache.put = saved
        folder.cleanup()


class SQLTimer:
    """A ``connection.execute_wrapper``: statements and seconds spent in them."""

    def __init__(self):
        self.seconds = 0.0
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def _requests(client, path: str, n: int, seed: int) -> tuple[float, float, list[int]]:
    """(wall seconds, this process's CPU seconds, statuses) of ``n`` moved requests."""
    rng = random.Random(seed)
    statuses = []
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        response = client.get(moved(path, rng))
        b"".join(response) if response.streaming else response.content  # noqa: B018
        statuses.append(response.status_code)
    return time.perf_counter() - started, time.process_time() - cpu, statuses


def _stats_text(profile: cProfile.Profile, sort: str, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    text = out.getvalue()
    start = text.find("   ncalls")  # drop pstats' header lines
    return text[start:] if start >= 0 else text


def profile_paths(paths: list[str], n: int = 50) -> str:
    """A printable summary of ``n`` uncached requests to each of ``paths`` (see the module)."""
    from django.db import connection
    from django.test import Client

    client = Client()
    lines = [f"# In-process profile: {n} uncached requests per path (Django test Client)"]
    for path in paths:
        with response_cache_off():
            _requests(client, path, min(n, 5), seed=0)  # warm: connection, compiled SQL
            timer = SQLTimer()
            with connection.execute_wrapper(timer):
                wall, cpu, statuses = _requests(client, path, n, seed=1)
            profile = cProfile.Profile()
            profile.enable()
            _requests(client, path, n, seed=2)
            profile.disable()
        codes = ", ".join(f"{code} x{statuses.count(code)}" for code in sorted(set(statuses)))
        per = wall / n * 1000
        sql = timer.seconds / n * 1000
        lines += [
            "",
            f"## {path}",
            f"status {codes}; per request: {per:.2f} ms wall, {sql:.2f} ms in SQL "
            f"({timer.statements / n:.1f} statements), {per - sql:.2f} ms outside "
            f"({(per - sql) / per * 100 if per else 0:.0f}% of the wall time); "
            f"this process's CPU {cpu / n * 1000:.2f} ms (Python, and psycopg reading rows)",
            f"### top {TOP} by cumulative time (cProfile, its own overhead included)",
            _stats_text(profile, "cumulative", TOP),
            f"### top {TOP} by own time",
            _stats_text(profile, "tottime", TOP),
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _national import setup_django

    setup_django()
    paths = args.paths or DEFAULT_PATHS
    print(profile_paths(paths, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
