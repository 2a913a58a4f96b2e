"""bench/scaling.py: database time of the main public requests, and what a primary carries.

For docs/scaling.md. On the national bench database (``maillage_bench``, opened READ ONLY: a
request that would write fails and is reported), in-process through Django's test ``Client``
(the whole middleware stack), each path is asked ``-n`` times:

- *uncached*: the response cache misses and stores nothing (bench/profiling.py's
  ``response_cache_off``), ``bbox=``/``near=`` moved on every request: every answer is built;
- *cached*: the cache on, after one warm-up request: what a repeated public request costs.

Every SQL statement is timed by a ``connection.execute_wrapper`` (execution and transfer of its
rows). Then pgbench runs the one statement a cached request still sends (the data version) with
as many clients as the machine has cores, for the ceiling of cached requests per second.

    .venv/bin/python bench/scaling.py [-n 20] [--pgbench-seconds 10]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import BENCH_DB, setup_django  # noqa: E402
from profiling import SQLTimer, moved, response_cache_off  # noqa: E402

DIGNE_TILE_Z8 = (131, 93)
PATHS = [
    ("home page", "/"),
    ("places, bbox Digne (100)", "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3&page_size=100"),
    ("places near Digne 20 km", "/api/v1/lieux/?near=5.93,44.19&radius_km=20&page_size=10"),
    ("places page, commune", "/lieux/?commune=Digne-les-Bains"),
    ("communes of 04 (GeoJSON)", "/api/v1/communes/?departement=04"),
    ("coverage page 04", "/couverture/04/"),
    ("communes tile z8", "/tiles/communes/8/{}/{}.pbf".format(*DIGNE_TILE_Z8)),
    ("OGC places items (100)", "/ogc/collections/lieux/items?limit=100&bbox=5.9,43.9,6.5,44.3"),
]


def read_only(sender, connection, **kwargs):
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")


def measure(client, path: str, n: int, cached: bool) -> dict:
    from django.db import connection

    rng = random.Random(1)
    walls, sqls, statements, statuses = [], [], [], set()
    if cached:
        client.get(path)  # warm-up: stored
    for _ in range(n):
        url = path if cached else moved(path, rng)
        timer = SQLTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = client.get(url)
            b"".join(response) if response.streaming else response.content  # noqa: B018
        walls.append((time.perf_counter() - started) * 1000)
        sqls.append(timer.seconds * 1000)
        statements.append(timer.statements)
        statuses.add(response.status_code)
    return {
        "wall": statistics.median(walls),
        "sql": statistics.median(sqls),
        "statements": statistics.median(statements),
        "status": ",".join(map(str, sorted(statuses))),
    }


def pgbench(seconds: int, clients: int) -> tuple[float, str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    script = Path(tempfile.mkdtemp()) / "version.sql"
    script.write_text("SELECT version, changed_at FROM coverage_directoryversion WHERE id = 1;\n")
    command = [
        "pgbench", "-n", "-f", str(script), "-c", str(clients),
        "-j", str(clients), "-T", str(seconds), "-h", db["HOST"], "-p", str(db["PORT"]),
        "-U", db["USER"], db["NAME"],
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    return tps, " ".join(command[:1] + command[2:]).replace(str(script), "version.sql")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("MAILLAGE_DB_NAME", BENCH_DB)
    setup_django()
    from django.db.backends.signals import connection_created
    from django.test import Client

    connection_created.connect(read_only)
    client = Client()
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(
        f"# {BENCH_DB}, read only; {args.n} requests per row, medians; {cores} cores, "
        f"load {load:.1f} at start; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print()
    print(
        "| request | uncached: SQL ms (statements) / wall ms | cached: SQL ms (statements) "
        "/ wall ms | status |"
    )
    print("|---|---|---|---|")
    rows = []
    for label, path in PATHS:
        with response_cache_off():
            cold = measure(client, path, args.n, cached=False)
        warm = measure(client, path, args.n, cached=True)
        rows.append((label, cold, warm))
        print(
            f"| {label} `{path}` | {cold['sql']:.1f} ({cold['statements']:g}) / "
            f"{cold['wall']:.1f} | {warm['sql']:.2f} ({warm['statements']:g}) / "
            f"{warm['wall']:.1f} | {cold['status']} |",
            flush=True,
        )
    cold_sql = statistics.mean(r[1]["sql"] for r in rows)
    print()
    print(
        f"Mean uncached SQL time over these requests: {cold_sql:.1f} ms; one PostgreSQL server "
        f"of {cores} cores, SQL-bound: ~{cores * 1000 / cold_sql:.0f} uncached requests/s."
    )
    tps, command = pgbench(args.pgbench_seconds, cores * 2)
    print(f"Cached requests (one version read each): pgbench {tps:.0f} statements/s (`{command}`).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
