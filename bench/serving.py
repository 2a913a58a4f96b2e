"""bench/serving.py: HTTP speed against a raw baseline; behaviour under load and faults.

Loads the national data (bench/_national.py), serves the site with the same production server
as `make demo` (gunicorn, 2 sync workers) and, in the same run, a raw baseline over the same
tables (bench/_raw_baseline.py: one SQL statement per request, psycopg 3, gunicorn 2 sync
workers). wrk drives both: 16 connections, 20 s after a 3 s warm-up, per query.

    .venv/bin/python bench/serving.py [--seconds 20] [--quick] [--no-faults | --faults-only]
        [--ports 8370-8389]

--ports (or MAILLAGE_BENCH_PORTS) gives the range of ports its servers may take (the first free
ones); without it the system picks free ports, so two benches can run at the same time.

--no-faults skips the part that stops PostGIS (it stops the private cluster for a few seconds);
--faults-only runs only that part. Rows "moved (uncached)" ask a different bbox or point on every
request: no response cache can answer them, they give the uncached cost against the baseline.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ROOT, SHARED, bench_env, ensure_national_db, manage  # noqa: E402
from _wrk import (  # noqa: E402
    Gunicorn,
    WrkResult,
    fetch,
    mix_script,
    ratio,
    ratio_cell,
    varied_script,
    wrk,
    wrk_command,
)


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


DIGNE = (6.2357, 44.0925)
Z8, Z12 = tile_xy(*DIGNE, 8), tile_xy(*DIGNE, 12)
SLOTS = {"bbox": "%.4f,%.4f,%.4f,%.4f", "point": "%.4f,%.4f"}
# The same filter as ours and the baseline (public places only), in CQL2 text for the peers.
PUBLIC = quote("is_visible=true AND deleted_at IS NULL")
PLACES_TIPG = "/collections/public.places_place/items?limit=100&sortby=id&filter=" + PUBLIC
PLACES_PYG = "/collections/lieux/items?f=json&limit=100&sortby=id&filter=" + PUBLIC


def tile(z: int, xy: tuple[int, int]) -> dict[str, str | None]:
    x, y = xy
    return {
        "ours": f"/tiles/communes/{z}/{x}/{y}.pbf",
        "baseline": f"/q5/{z}/{x}/{y}",
        "tipg": f"/collections/public.territories_commune/tiles/WebMercatorQuad/{z}/{x}/{y}",
        "pygeoapi": None,  # its tiles need a tile provider of their own, not this table
    }


# Each query: the path of every side ({b} is the bbox or point; None: the side cannot ask it),
# kind "bbox"/"point" (also measured moved: uncached) or "fixed", and the targets of
# "ours / side" (uncached rows for moved queries, the same URL for fixed ones).
QUERIES = [
    {
        "label": "Q1 lieux bbox Digne",
        "kind": "bbox",
        "centre": "5.9,43.9,6.5,44.3",
        "paths": {
            "ours": "/api/v1/lieux/?bbox={b}&page_size=100",
            "baseline": "/q1?bbox={b}",
            "tipg": PLACES_TIPG + "&bbox={b}",
            "pygeoapi": PLACES_PYG + "&bbox={b}",
        },
        "targets": {"baseline": 0.5, "tipg": 2.5, "pygeoapi": 8.0},
    },
    {
        "label": "Q2 lieux bbox Lyon",
        "kind": "bbox",
        "centre": "4.7,45.6,5.0,45.9",
        "paths": {
            "ours": "/api/v1/lieux/?bbox={b}&page_size=100",
            "baseline": "/q2?bbox={b}",
            "tipg": PLACES_TIPG + "&bbox={b}",
            "pygeoapi": PLACES_PYG + "&bbox={b}",
        },
        "targets": {"baseline": 0.5, "tipg": 2.5, "pygeoapi": 8.0},
    },
    {
        "label": "Q3 communes 04",
        "kind": "fixed",
        "paths": {
            "ours": "/api/v1/communes/?departement=04",
            "baseline": "/q3?departement=04",
            "tipg": "/collections/public.territories_commune/items?departement_id=04&limit=1000",
            "pygeoapi": "/collections/communes/items?f=json&departement_id=04&limit=1000",
        },
        "targets": {"tipg": 4.0},
    },
    {
        "label": "Q4 near Digne 20 km",
        "kind": "point",
        "centre": "5.93,44.19",
        "paths": {
            "ours": "/api/v1/lieux/?near={b}&radius_km=20&page_size=10",
            "baseline": "/q4?near={b}&radius_km=20",
            "tipg": None,  # no distance query in tipg's items (bbox, properties, CQL2 only)
            "pygeoapi": None,  # nor in pygeoapi's PostgreSQL provider
        },
        "targets": {"baseline": 0.5},
    },
    {"label": "Q5 tile communes z8", "kind": "fixed", "paths": tile(8, Z8), "targets": {}},
    {"label": "Q5 tile communes z12", "kind": "fixed", "paths": tile(12, Z12), "targets": {}},
]
PEERS = ("tipg", "pygeoapi")
UNCACHED_P99_MS = 60
PAGES = ["/", "/lieux/?commune=Digne-les-Bains", "/couverture/04/", "/lieux/?commune=Gap&rayon=10"]


def same_url(query: dict, side: str) -> str | None:
    path = query["paths"].get(side)
    return path and path.replace("{b}", query.get("centre", ""))


OURS = [same_url(q, "ours") for q in QUERIES]  # Q1, Q2, Q3, Q4, Q5 z8, Q5 z12


def moved_template(query: dict, side: str) -> str | None:
    """The wrk Lua template of the query moved at random on every request (varied_script)."""
    path = query["paths"].get(side)
    if path is None or query["kind"] == "fixed":
        return None
    return path.replace("%", "%%").replace("{b}", SLOTS[query["kind"]]) + "|" + query["centre"]


def answer_size(body: bytes) -> str:
    """Features in a GeoJSON answer (or its bytes for a tile)."""
    try:
        return str(len(json.loads(body)["features"]))
    except (ValueError, KeyError, TypeError):
        return f"{len(body)} B"


def row(*cells, widths=(22, 18, 8, 8, 8, 9, 10, 30)):
    return "  ".join(
        str(c).rjust(w) if 1 < i < 7 else str(c).ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=False))
    ).rstrip()


def verdict(value: float | None, target: float | None, extra: str = "") -> str:
    if target is None:
        return extra
    if value is None:
        return f"target >= {target}x: no figure"
    return f"target >= {target}x: " + ("OK" if value >= target else "MISSED") + extra


def query_rows(query: dict, measures: dict, sizes: dict) -> list[str]:
    """The table's rows for one query. ``measures``: (side, "same"|"moved") -> WrkResult;
    a side that failed shows FAILED and its reason, never a figure or a ratio."""
    ours_same, ours_moved = measures.get(("ours", "same")), measures.get(("ours", "moved"))
    lines, notes = [], []
    order = [("ours", "same"), ("ours", "moved"), ("baseline", "same"), ("baseline", "moved")]
    order += [(peer, "moved" if query["kind"] != "fixed" else "same") for peer in PEERS]
    label = query["label"]
    for side, how in order:
        if side in PEERS and side not in sizes and query["paths"].get(side) is not None:
            continue  # peers not run (no --peers)
        name = (
            f"{side} {'cached' if how == 'same' else 'uncached'}"
            if side == "ours"
            else (f"{side}{' (moved)' if how == 'moved' else ''}")
        )
        if query["paths"].get(side) is None:
            lines.append(row(label, name, "n/a", "", "", "", "", "cannot ask this query"))
            label = ""
            continue
        result = measures.get((side, how))
        if result is None:
            continue
        extra = ""
        if side == "ours":
            value, target = None, None
            if how == "moved" and not result.failure:
                ok = result.p99_ms <= UNCACHED_P99_MS
                extra = f"p99 <= {UNCACHED_P99_MS} ms: " + ("OK" if ok else "MISSED")
        else:
            ours = ours_moved if how == "moved" else ours_same
            value = ratio(ours, result)
            target = (
                query["targets"].get(side) if (how == "moved" or query["kind"] == "fixed") else None
            )
        lines.append(
            row(
                label,
                name,
                *result.cells(),
                sizes.get(side, ""),
                "" if side == "ours" else ratio_cell(value),
                verdict(value, target, extra) if side != "ours" else extra,
            )
        )
        label = ""
        if result.failure:
            notes.append(f"{name}: FAILED, {result.failure}")
    counted = {s: n for s, n in sizes.items() if not n.endswith(" B")}
    if len(set(counted.values())) > 1:
        notes.append("features differ: " + ", ".join(f"{s} {n}" for s, n in counted.items()))
    return lines + [" " * 24 + note for note in notes]


def speed(servers: dict, seconds: int) -> tuple[list[str], list[dict]]:
    """Every query on every side, same URL and moved; returns the table and the raw figures."""
    print(f"\n## Speed (wrk -t2 -c16, {seconds} s after a 3 s warm-up, per row)", flush=True)
    table = [row("query", "side", "req/s", "p50 ms", "p99 ms", "features", "ours/side", "")]
    results = []
    for query in QUERIES:
        measures, sizes = {}, {}
        for side, server in servers.items():
            path = same_url(query, side)
            if path is None:
                continue
            status, _, body, _ = fetch(server.url + path, timeout=30)
            sizes[side] = answer_size(body) if status == 200 else f"HTTP {status}"
            # The peers keep no answers: for a movable query their moved row is their figure.
            hows = ["same"] if side in ("ours", "baseline") or query["kind"] == "fixed" else []
            if moved_template(query, side):
                hows.append("moved")
            for how in hows:
                if how == "same":
                    url, script = server.url + path, None
                else:
                    url, script = server.url + "/", varied_script(moved_template(query, side))
                wrk(url, seconds=3, script=script)  # warm-up
                measures[(side, how)] = result = wrk(url, seconds=seconds, script=script)
                results.append(
                    {
                        "query": query["label"],
                        "side": side,
                        "how": how,
                        "rps": None if result.failure else result.requests_per_s,
                        "p50_ms": None if result.failure else result.p50_ms,
                        "p99_ms": None if result.failure else result.p99_ms,
                        "failure": result.failure,
                        "answer": sizes[side],
                    }
                )
        rows = query_rows(query, measures, sizes)
        print("\n".join(rows), flush=True)
        table += rows
    return table, results


def load_mix(site: Gunicorn, seconds: int):
    print(f"\n## Load: {seconds} s at 64 connections on a mix of Q1-Q5 and page views")
    samples = [site.worker_rss_mb()]
    script = mix_script(OURS + PAGES)
    pids = site.worker_pids()
    load = subprocess.Popen(
        wrk_command(site.url + "/", seconds=seconds, connections=64, script=script),
        stdout=subprocess.PIPE,
        text=True,
    )
    while load.poll() is None:
        time.sleep(min(10, seconds / 4))
        samples.append(site.worker_rss_mb())
    result = WrkResult.parse(load.stdout.read())
    print(
        f"  {result.requests} requests, {result.requests_per_s:.0f} req/s, p50 "
        f"{result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, non-2xx {result.non_2xx}, "
        f"socket errors/timeouts {result.errors}"
    )
    print(f"  worker RSS (MB) sampled during the load: {samples}")
    print(
        "  workers "
        + ("unchanged (no restart)" if site.worker_pids() == pids else "restarted during the load")
    )


def db_fault(site: Gunicorn):
    print("\n## PostGIS stopped in the middle of a load")
    env = bench_env()
    script = mix_script([OURS[0], OURS[2], "/lieux/?commune=Digne-les-Bains"])
    load = subprocess.Popen(
        wrk_command(site.url + "/", seconds=20, connections=16, script=script),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    workers_before = sorted(site.worker_pids())
    subprocess.run(
        ["bash", "scripts/pg.sh", "stop"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    try:
        for path in (
            OURS[0],
            OURS[3] + "&page=2",  # not in any cache
            OURS[2],
            "/",
            "/couverture/04/",
            "/healthz",
        ):
            status, headers, body, seconds = fetch(site.url + path)
            text = body.decode(errors="replace")
            clean = "Traceback" not in text and ("indisponible" in text or "unavailable" in text)
            print(
                f"  {path}: {status} in {seconds * 1000:.0f} ms, clear message: {clean}, "
                f"Retry-After: {headers.get('Retry-After')}"
            )
        time.sleep(3)
    finally:
        subprocess.run(
            ["bash", "scripts/pg.sh", "start"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    started = time.perf_counter()
    while True:
        status, *_ = fetch(site.url + OURS[0])
        if status == 200 or time.perf_counter() - started > 30:
            break
        time.sleep(0.1)
    print(
        f"  PostGIS back: first 200 after {time.perf_counter() - started:.2f} s (status {status})"
    )
    out, _ = load.communicate()
    result = WrkResult.parse(out)
    print(
        f"  load meanwhile: {result.requests} requests, non-2xx {result.non_2xx} (the 503s), "
        f"socket errors/timeouts {result.errors}, p99 {result.p99_ms:.0f} ms"
    )
    workers_after = sorted(site.worker_pids())
    print(
        f"  workers before {workers_before}, after {workers_after} "
        f"({'same workers, no crash loop' if workers_before == workers_after else 'restarted'})"
    )


def import_during_load(site: Gunicorn):
    print("\n## An import runs while the load goes on")
    env = bench_env()
    path = SHARED / "lieux" / "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json"
    load = subprocess.Popen(
        wrk_command(site.url + OURS[0], seconds=20),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_places",
            str(path),
            "--source",
            "bench-concurrent",
            "-v",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  import of {path.name} as a new source: {time.perf_counter() - started:.1f} s")
    out, _ = load.communicate()
    result = WrkResult.parse(out)
    print(
        f"  readers: {result.requests} requests, non-2xx {result.non_2xx}, errors {result.errors}"
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from places.models import Place; "
            "Place.objects.filter(import_source='bench-concurrent').delete()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def caching(site: Gunicorn):
    print("\n## Caching")
    env = bench_env()
    for label, path in (("Q1", OURS[0]), ("tile z8", OURS[4])):
        status, headers, _, _ = fetch(site.url + path)
        etag = headers.get("ETag")
        status2, *_ = fetch(site.url + path, {"If-None-Match": etag} if etag else {})
        print(
            f"  {label}: ETag {etag}, Last-Modified {headers.get('Last-Modified')}, "
            f"revalidation -> {status2}"
        )
    status, headers, _, _ = fetch(site.url + OURS[0])
    before = headers.get("ETag")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from places.models import Place; "
            "p = Place.objects.public().filter(departement_code='04').first(); "
            "p.nom = p.nom; p.save()",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    status, headers, _, _ = fetch(site.url + OURS[0], {"If-None-Match": before or ""})
    print(f"  after a write to a place: {status} (ETag {before} -> {headers.get('ETag')})")


def profile(paths: list[str], n: int) -> None:
    """bench/profiling.py's summary of uncached requests, in this process (Django test Client)."""
    from _national import setup_django

    setup_django()
    from profiling import profile_paths

    print("\n## Profile of uncached requests (bench/profiling.py profile_paths)", flush=True)
    print(profile_paths(paths, n), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 s runs, 15 s load")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument(
        "--faults-only", action="store_true", help="only stop PostGIS under load (no speed runs)"
    )
    parser.add_argument("--ports", help="range of ports for the servers, e.g. 8370-8389")
    parser.add_argument(
        "--peers", action="store_true", help="also tipg and pygeoapi (bench-only virtualenvs)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile uncached Q1, Q2, Q4 (bench/profiling.py)"
    )
    parser.add_argument("--profile-requests", type=int, default=50)
    parser.add_argument("--speed-only", action="store_true", help="no load mix, cache, faults")
    args = parser.parse_args()
    if args.ports:
        os.environ["MAILLAGE_BENCH_PORTS"] = args.ports
    seconds = 5 if args.quick else args.seconds
    ensure_national_db()
    manage("collectstatic", "--noinput")
    env = bench_env()
    env["DJANGO_SETTINGS_MODULE"] = "geo_directory.settings.local"
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with ExitStack() as stack:
        site = stack.enter_context(Gunicorn("geo_directory.wsgi", None, env, ROOT))
        if args.faults_only:
            db_fault(site)
            return 0
        servers = {
            "ours": site,
            "baseline": stack.enter_context(
                Gunicorn("_raw_baseline:application", None, env, ROOT / "bench")
            ),
        }
        if args.peers:
            import _peers

            servers["tipg"] = stack.enter_context(_peers.tipg())
            servers["pygeoapi"] = stack.enter_context(_peers.pygeoapi())
        load_before = os.getloadavg()
        table, results = speed(servers, seconds)
        load_after = os.getloadavg()
        for name in PEERS:  # stopped now: their workers would take CPU from what follows
            if name in servers:
                servers[name].__exit__()
        tile_rps = next(
            (
                r["rps"]
                for r in results
                if r["query"] == QUERIES[4]["label"] and r["side"] == "ours"
            ),
            None,
        )
        table.append(
            f"Repeated tile {OURS[4]}: "
            + (
                f"{tile_rps:.0f} req/s (target >= 500): " + ("OK" if tile_rps >= 500 else "MISSED")
                if tile_rps
                else "FAILED"
            )
        )
        if args.profile:
            profile([OURS[0], OURS[1], OURS[3]], args.profile_requests)
        if not args.speed_only:
            load_mix(site, 15 if args.quick else 60)
            caching(site)
            import_during_load(site)
            if not args.no_faults:
                db_fault(site)
    print(
        f"\n## Speed table ({started}, 2 workers each side, load average during the runs"
        f" {load_before[0]:.2f} -> {load_after[0]:.2f})"
    )
    print("\n".join(table))
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"`uptime` at the end: {uptime}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "http.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
