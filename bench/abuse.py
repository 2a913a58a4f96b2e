"""bench/abuse.py: every public endpoint with random parameters, then the costliest one beside a
victim request (issue 12: "no request too costly").

On the national bench database (bench/_national.py: built once, reused while it holds the
national data), the site is served as `make demo` serves it (gunicorn, 2 sync workers), with a
cache folder of its own (emptied first: every answer is a first one) and the default budgets.

1. Each public endpoint, ``--requests`` times (default 12) with random parameters (seeded):
   status, time and bytes of each request; per endpoint the median and worst time, the largest
   answer, and the slowest requests listed. Target: none over 1 s or 5 MB. The full exports
   (``/api/v1/export/...``) are whole-layer files written once per data version and served with
   byte ranges: their size is the layer's, they are listed apart.
2. The costliest endpoint (highest median in 1) driven by ``--clients`` connections of wrk
   (default 4) with new random parameters on every request for ``--seconds`` (default 30),
   while a victim (a different "near me" search of the places API on each request, one at a
   time, from another address, 127.0.0.2) is timed; its median quiet, then during. Target:
   within 2x, and every victim request served (a refused one fails the target).

3. Two clients on random low-zoom communes tiles (the biggest, 1-3 MB each) for twice
   ``--seconds``: worker memory sampled, and the cache folder's size (issue 12 #3).

Prints the machine's load (``uptime``), worker memory and the cache folder's size after each
part (bounded in bytes: MAILLAGE_CACHE_MEMORY_MB per worker, MAILLAGE_CACHE_DISK_MB on disk).

    .venv/bin/python bench/abuse.py [--requests 12] [--seconds 30] [--clients 4] [--seed 12]
        [--endpoint NAME | --tiles-only]   (only part 2, on that endpoint; only part 3)
        [--port 8211]                       (the site's port, if another bench holds it)
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ROOT, bench_env, ensure_national_db, setup_django  # noqa: E402
from _wrk import Gunicorn, WrkResult, fetch, mix_script, wrk_command  # noqa: E402

SITE_PORT = 8211
MAX_SECONDS, MAX_BYTES = 1.0, 5 * 2**20
VICTIM_SAMPLES = 40


class Samples:
    """Random values drawn from the bench database."""

    def __init__(self):
        from django.db.models import Count

        from geo_directory.territories.models import Commune, Departement
        from places.models import Place

        self.departements = list(Departement.objects.values_list("code", flat=True))
        communes = Commune.objects.exclude(reference_point=None)
        self.communes = list(communes.values_list("code", "nom", "reference_point"))
        places = Place.objects.public().located()
        self.places = list(places.values_list("pk", flat=True))
        self.big = list(
            Departement.objects.annotate(n=Count("communes"))
            .order_by("-n")
            .values_list("code", flat=True)[:5]
        )
        if not (self.departements and self.communes and self.places):
            sys.exit("The bench database has no communes or places: run bench/_national.py.")


def point(rng, samples) -> tuple[float, float]:
    _, _, ref = rng.choice(samples.communes)
    return round(ref.x + rng.uniform(-0.05, 0.05), 4), round(ref.y + rng.uniform(-0.05, 0.05), 4)


def bbox(rng, samples) -> str:
    lon, lat = point(rng, samples)
    half = rng.choice([0.05, 0.2, 1.0, 3.0, 10.0])
    return f"{lon - half:.4f},{lat - half / 1.5:.4f},{lon + half:.4f},{lat + half / 1.5:.4f}"


def tile(rng, samples) -> str:
    z = rng.randint(0, 14)
    lon, lat = point(rng, samples)
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def threshold(rng) -> str:
    return rng.choice([f"{rng.uniform(1, 100):.3f}", str(rng.randint(1, 100)), "10"])


def departement(rng, samples) -> str:
    return rng.choice(samples.big) if rng.random() < 0.3 else rng.choice(samples.departements)


def endpoints(samples):
    """name -> a function of (rng) giving one request path with random parameters."""
    s = samples
    return {
        "lieux bbox": lambda r: (
            f"/api/v1/lieux/?bbox={bbox(r, s)}&page_size="
            f"{r.choice([10, 100, 1000])}&page={r.randint(1, 3)}"
        ),
        "lieux near": lambda r: "/api/v1/lieux/?near={},{}&radius_km={}&page_size={}".format(
            *point(r, s), r.choice([1, 5, 20, 50, 100]), r.choice([10, 100, 1000])
        ),
        "lieux departement": lambda r: (
            f"/api/v1/lieux/?departement={departement(r, s)}"
            f"&page_size=1000&ouvert_maintenant={r.choice(['true', 'false'])}"
        ),
        "lieux q": lambda r: (
            f"/api/v1/lieux/?q={quote(r.choice(s.communes)[1][:6])}"
            f"&page_size={r.choice([100, 1000])}"
        ),
        "lieux csv": lambda r: (
            "/api/v1/lieux/?format=csv"
            + r.choice(["", f"&departement={departement(r, s)}", f"&bbox={bbox(r, s)}"])
        ),
        "lieu": lambda r: f"/api/v1/lieux/{r.choice(s.places)}/",
        "communes (France)": lambda r: (
            f"/api/v1/communes/?threshold_km={threshold(r)}"
            f"&basis={r.choice(['mediators', 'places'])}&page={r.randint(1, 40)}"
            f"&page_size={r.choice([100, 500, 1000])}"
        ),
        "communes departement": lambda r: (
            f"/api/v1/communes/?departement={departement(r, s)}"
            f"&threshold_km={threshold(r)}&covered={r.choice(['true', 'false'])}"
        ),
        "couverture departements": lambda r: (
            "/api/v1/couverture/departements/"
            f"?threshold_km={threshold(r)}&basis={r.choice(['mediators', 'places'])}"
        ),
        "couverture departement": lambda r: (
            f"/api/v1/couverture/departements/{departement(r, s)}/?threshold_km={threshold(r)}"
        ),
        "acteurs": lambda r: f"/api/v1/acteurs/?departement={departement(r, s)}",
        "ogc items lieux": lambda r: (
            f"/ogc/collections/lieux/items?limit={r.randint(1, 10000)}"
            f"&offset={r.randint(0, 12000)}&bbox={bbox(r, s)}"
        ),
        "ogc items communes": lambda r: (
            "/ogc/collections/communes/items"
            f"?limit={r.choice([10, 100, 1000, 10000])}&offset={r.randint(0, 34000)}"
            f"&threshold_km={threshold(r)}"
        ),
        "ogc items html": lambda r: (
            f"/ogc/collections/{r.choice(['communes', 'lieux'])}/items?limit=10000&f=html"
            f"&offset={r.randint(0, 9000)}"
        ),
        "ogc item": lambda r: f"/ogc/collections/lieux/items/{r.choice(s.places)}",
        "ogc documents": lambda r: r.choice(
            ["/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/lieux"]
        ),
        "tiles communes": lambda r: (
            f"/tiles/communes/{tile(r, s)}.pbf?threshold_km="
            f"{threshold(r)}&basis={r.choice(['mediators', 'places'])}"
        ),
        "tiles lieux": lambda r: (
            f"/tiles/lieux/{tile(r, s)}.pbf" + r.choice(["", "?basis=places", "?basis=mediators"])
        ),
        "tilejson": lambda r: f"/tiles/communes.json?threshold_km={threshold(r)}",
        "page home": lambda r: "/",
        "page search": lambda r: (
            f"/lieux/?commune={quote(r.choice(s.communes)[1])}"
            f"&rayon={r.choice([5, 10, 20, 30, 50, 100])}"
        ),
        "page place": lambda r: f"/lieux/{r.choice(s.places)}/",
        "page coverage France": lambda r: "/couverture/",
        "page coverage departement": lambda r: (
            f"/couverture/{departement(r, s)}/"
            f"?seuil=autre&seuil_libre={threshold(r)}&sites={r.randint(1, 10)}"
        ),
        "page priorities csv": lambda r: (
            f"/couverture/{departement(r, s)}/priorites.csv?seuil=autre&seuil_libre={threshold(r)}"
        ),
        "page mon-reseau": lambda r: r.choice(
            ["/mon-reseau/", f"/mon-reseau/{departement(r, s)}/"]
        ),
        "page directory": lambda r: (
            f"/mon-reseau/{departement(r, s)}/lieux/"
            f"?page={r.randint(1, 30)}&tri={r.choice(['nom', 'maj'])}"
        ),
        "page national map": lambda r: "/tiles/",
    }


EXPORTS = ["/api/v1/export/lieux.csv", "/api/v1/export/lieux.geojson"]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def folder_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.glob("*") if f.is_file())
    return round(total / 2**20, 1)


def measure(url: str) -> tuple[int, float, int]:
    status, _, body, seconds = fetch(url, timeout=60)
    return status, seconds, len(body)


def sweep(site, routes, rng, count: int) -> dict:
    print(f"\n## 1. Each public endpoint, {count} requests with random parameters")
    header = f"{'endpoint':28} {'statuses':18} {'p50 ms':>8} {'max ms':>8} {'max KB':>9}  over"
    print(header)
    results, every = {}, []
    for name, make in routes.items():
        rows = []
        for _ in range(count):
            path = make(rng)
            status, seconds, size = measure(site.url + path)
            rows.append((status, seconds, size, path))
            every.append((seconds, size, status, name, path))
        statuses = {}
        for status, *_ in rows:
            statuses[status] = statuses.get(status, 0) + 1
        times = [seconds for _, seconds, _, _ in rows]
        over = sum(1 for _, t, b, _ in rows if t > MAX_SECONDS or b > MAX_BYTES)
        fives = sum(n for status, n in statuses.items() if status >= 500)
        results[name] = {
            "median": statistics.median(times),
            "max": max(times),
            "bytes": max(b for _, _, b, _ in rows),
            "over": over,
            "5xx": fives,
        }
        shown = " ".join(f"{k}x{v}" for k, v in sorted(statuses.items()))
        print(
            f"{name:28} {shown:18} {statistics.median(times) * 1000:8.0f} "
            f"{max(times) * 1000:8.0f} {results[name]['bytes'] / 1024:9.0f}  "
            + ("-" if not over else f"{over} OVER")
        )
    print("\nSlowest requests:")
    for seconds, size, status, _name, path in sorted(every, reverse=True)[:10]:
        print(f"  {seconds * 1000:7.0f} ms {size / 1024:8.0f} KB {status}  {path}")
    print("Largest answers:")
    for size, seconds, status, path in sorted((e[1], e[0], e[2], e[4]) for e in every)[-5:][::-1]:
        print(f"  {size / 1024:8.0f} KB {seconds * 1000:7.0f} ms {status}  {path}")
    return results


def exports(site):
    print("\n## Full exports (a file per data version, served with Content-Length and ranges)")
    for path in EXPORTS:
        first = measure(site.url + path)
        again = measure(site.url + path)
        status, _, body, seconds = fetch(site.url + path, headers={"Range": "bytes=0-1023"})
        print(
            f"  {path}: first {first[1] * 1000:.0f} ms ({first[2] / 2**20:.1f} MB, {first[0]}), "
            f"again {again[1] * 1000:.0f} ms, a 1 KB range {seconds * 1000:.0f} ms ({status})"
        )


# The victim is another visitor than the abusers (127.0.0.1): admission counts clients by
# address, and a victim sharing the flooders' address would share their costly share too.
VICTIM_ADDRESS = "127.0.0.2"


def victim_fetch(url: str) -> tuple[int, float]:
    """(status, seconds) of one GET sent from ``VICTIM_ADDRESS``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(VICTIM_ADDRESS, 0)
    )
    started = time.perf_counter()
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def victim_path(rng, samples) -> str:
    lon, lat = point(rng, samples)
    return f"/api/v1/lieux/?near={lon},{lat}&radius_km=20&page_size=10"


def victim_median(site, rng, samples, count: int, stop=None) -> tuple[float, int]:
    times, errors = [], 0
    for _ in range(count):
        status, seconds = victim_fetch(site.url + victim_path(rng, samples))
        times.append(seconds)
        errors += status != 200
        if stop is not None and stop.is_set():
            break
        time.sleep(0.05)
    return statistics.median(times), errors


def takeover(site, routes, results, samples, seconds: int, clients: int, seed: int):
    costly = max(results, key=lambda name: results[name]["median"])
    print(
        f"\n## 2. {clients} clients on the costliest endpoint ({costly}, median "
        f"{results[costly]['median'] * 1000:.0f} ms) for {seconds} s, beside a victim"
    )
    quiet, quiet_errors = victim_median(site, random.Random(seed + 1), samples, VICTIM_SAMPLES)
    print(f"  victim quiet: median {quiet * 1000:.1f} ms ({quiet_errors} non-200)")
    # The abusers: wrk (C, as an attacker's client would be), each request a new random one.
    rng = random.Random(seed * 100)
    script = mix_script([routes[costly](rng) for _ in range(5000)])
    abusers = subprocess.Popen(
        wrk_command(site.url + "/", seconds=seconds, connections=clients, script=script),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)  # the abusers hold the workers
    rng = random.Random(seed + 2)
    times, errors, ends = [], 0, time.time() + seconds - 3
    while time.time() < ends:
        status, took = victim_fetch(site.url + victim_path(rng, samples))
        times.append(took)
        errors += status != 200
        time.sleep(0.05)
    out, _ = abusers.communicate()
    result = WrkResult.parse(out)
    during = statistics.median(times)
    print(
        f"  abusers: {result.requests} requests, {result.non_2xx} answered non-2xx (503 at once"
        f" while a costly answer is being built), p50 {result.p50_ms:.0f} ms"
    )
    ratio = during / quiet if quiet else float("inf")
    if errors or quiet_errors:  # a victim refused was not served: no figure stands for it
        ratio = float("inf")
    print(
        f"  victim (from {VICTIM_ADDRESS}) during: median {during * 1000:.1f} ms over "
        f"{len(times)} requests ({errors} non-200): {ratio:.1f}x its quiet figure "
        "(target <= 2x, every victim request served): " + ("OK" if ratio <= 2 else "MISSED")
    )
    return ratio


def tile_flood(site, samples, seconds: int, cache_dir: Path, seed: int) -> None:
    """Issue 12 #3: two clients asking for low-zoom communes tiles of random variants (the
    biggest tiles, 1-3 MB); the workers' memory and the cache folder must stay bounded."""
    print(f"\n## 3. Two clients on random low-zoom communes tiles for {seconds} s")
    rng = random.Random(seed * 7)
    paths = []
    for _ in range(3000):
        z = rng.randint(2, 7)
        lon, lat = point(rng, samples)
        x = int((lon + 180) / 360 * 2**z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
        paths.append(
            f"/tiles/communes/{z}/{x}/{y}.pbf?threshold_km={threshold(rng)}"
            f"&basis={rng.choice(['mediators', 'places'])}"
        )
    load = subprocess.Popen(
        wrk_command(site.url + "/", seconds=seconds, connections=2, script=mix_script(paths)),
        stdout=subprocess.PIPE,
        text=True,
    )
    samples_mb = [site.worker_rss_mb()]
    while load.poll() is None:
        time.sleep(max(1, seconds // 6))
        samples_mb.append(site.worker_rss_mb())
    result = WrkResult.parse(load.stdout.read())
    print(
        f"  {result.requests} tiles, p50 {result.p50_ms:.0f} ms, non-2xx {result.non_2xx};"
        f" worker RSS (MB) sampled: {samples_mb}; cache folder {folder_mb(cache_dir)} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--endpoint", help="only part 2, on this endpoint (a name of part 1)")
    parser.add_argument("--tiles-only", action="store_true", help="only part 3")
    parser.add_argument("--port", type=int, default=SITE_PORT, help="port of the bench's site")
    args, _ = parser.parse_known_args()
    print(f"machine: {uptime()}")
    ensure_national_db()
    setup_django()
    samples = Samples()
    from django.db import connections

    connections.close_all()
    print(
        f"{len(samples.communes)} communes, {len(samples.places)} public places, "
        f"{len(samples.departements)} départements"
    )
    cache_dir = Path(tempfile.mkdtemp(prefix="maillage-abuse-cache-"))
    export_dir = Path(tempfile.mkdtemp(prefix="maillage-abuse-exports-"))
    static_dir = Path(tempfile.mkdtemp(prefix="maillage-abuse-static-"))
    env = bench_env()
    env.update(
        DJANGO_SETTINGS_MODULE="geo_directory.settings.local",
        MAILLAGE_CACHE_DIR=str(cache_dir),
        MAILLAGE_EXPORT_DIR=str(export_dir),
        STATIC_ROOT=str(static_dir),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    for name in ("MAILLAGE_CACHE_MEMORY_MB", "MAILLAGE_CACHE_DISK_MB", "MAILLAGE_CACHE_ENTRY_MB"):
        if name in os.environ:
            print(f"  {name}={os.environ[name]}")
    routes = endpoints(samples)
    failed = False
    try:
        with Gunicorn("geo_directory.wsgi", args.port, env, ROOT) as site:
            if args.tiles_only:
                tile_flood(site, samples, args.seconds * 2, cache_dir, args.seed)
                return 0
            if args.endpoint:
                ratio = takeover(
                    site,
                    routes,
                    {args.endpoint: {"median": 0.0}},
                    samples,
                    args.seconds,
                    args.clients,
                    args.seed,
                )
                return 0
            results = sweep(site, routes, random.Random(args.seed), args.requests)
            print(
                f"worker RSS {site.worker_rss_mb()} MB, cache folder {folder_mb(cache_dir)} MB;"
                f" machine: {uptime()}"
            )
            exports(site)
            over = [n for n, r in results.items() if r["over"]]
            fives = [n for n, r in results.items() if r["5xx"]]
            worst = max(results.values(), key=lambda r: r["max"])
            print(
                f"\nEndpoints over {MAX_SECONDS:.0f} s or {MAX_BYTES // 2**20} MB: "
                + (", ".join(over) if over else "none")
                + f"; worst time {worst['max'] * 1000:.0f} ms; 5xx: "
                + (", ".join(fives) if fives else "none")
            )
            ratio = takeover(site, routes, results, samples, args.seconds, args.clients, args.seed)
            tile_flood(site, samples, args.seconds * 2, cache_dir, args.seed)
            print(
                f"worker RSS {site.worker_rss_mb()} MB, cache folder {folder_mb(cache_dir)} MB;"
                f" machine: {uptime()}"
            )
            failed = bool(over or fives or ratio > 2)
    finally:
        for folder in (cache_dir, export_dir, static_dir):
            shutil.rmtree(folder, ignore_errors=True)
    print("abuse: " + ("targets MISSED" if failed else "targets met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
