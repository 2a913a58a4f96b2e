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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ROOT, SHARED, bench_env, ensure_national_db, manage  # noqa: E402
from _wrk import (  # noqa: E402
    Gunicorn,
    WrkResult,
    fetch,
    mix_script,
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
QUERIES = [
    (
        "Q1 lieux bbox Digne",
        "/api/v1/lieux/?bbox=5.9,43.9,6.5,44.3&page_size=100",
        "/q1?bbox=5.9,43.9,6.5,44.3",
        0.5,
    ),
    (
        "Q2 lieux bbox Lyon",
        "/api/v1/lieux/?bbox=4.7,45.6,5.0,45.9&page_size=100",
        "/q2?bbox=4.7,45.6,5.0,45.9",
        0.5,
    ),
    ("Q3 communes 04", "/api/v1/communes/?departement=04", "/q3?departement=04", 1.0),
    (
        "Q4 near Digne 20 km",
        "/api/v1/lieux/?near=5.93,44.19&radius_km=20&page_size=10",
        "/q4?near=5.93,44.19&radius_km=20",
        0.5,
    ),
    (
        "Q5 tile communes z8",
        "/tiles/communes/8/{}/{}.pbf".format(*Z8),
        "/q5/8/{}/{}".format(*Z8),
        None,
    ),
    (
        "Q5 tile communes z12",
        "/tiles/communes/12/{}/{}.pbf".format(*Z12),
        "/q5/12/{}/{}".format(*Z12),
        None,
    ),
]
# The same queries moved at random on every request: no cache can answer, the uncached cost.
VARIED = [
    (
        "Q1 bbox moved (uncached)",
        "/api/v1/lieux/?bbox=%.4f,%.4f,%.4f,%.4f&page_size=100|5.9,43.9,6.5,44.3",
        "/q1?bbox=%.4f,%.4f,%.4f,%.4f|5.9,43.9,6.5,44.3",
    ),
    (
        "Q2 bbox moved (uncached)",
        "/api/v1/lieux/?bbox=%.4f,%.4f,%.4f,%.4f&page_size=100|4.7,45.6,5.0,45.9",
        "/q2?bbox=%.4f,%.4f,%.4f,%.4f|4.7,45.6,5.0,45.9",
    ),
    (
        "Q4 point moved (uncached)",
        "/api/v1/lieux/?near=%.4f,%.4f&radius_km=20&page_size=10|5.93,44.19",
        "/q4?near=%.4f,%.4f&radius_km=20|5.93,44.19",
    ),
]
PAGES = ["/", "/lieux/?commune=Digne-les-Bains", "/couverture/04/", "/lieux/?commune=Gap&rayon=10"]


def row(*cells, widths=(24, 10, 8, 8, 10, 10, 8, 8, 10)):
    return "  ".join(
        str(c).rjust(w) if i else str(c).ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=False))
    )


def speed(site: Gunicorn, baseline: Gunicorn, seconds: int) -> list[dict]:
    print(f"\n## Speed: ours vs raw baseline (wrk -t2 -c16, {seconds} s after a 3 s warm-up)")
    print(
        row(
            "query",
            "ours r/s",
            "p50 ms",
            "p99 ms",
            "bytes",
            "base r/s",
            "p50 ms",
            "p99 ms",
            "ratio",
        )
    )
    results = []
    for label, ours_path, base_path, target in QUERIES:
        figures = {}
        for name, server, path in (("ours", site, ours_path), ("base", baseline, base_path)):
            status, _, body, _ = fetch(server.url + path)
            if status != 200:
                print(f"  {label}: {name} answered {status} for {path}")
            wrk(server.url + path, seconds=3)  # warm-up
            figures[name] = (wrk(server.url + path, seconds=seconds), len(body))
        ours, ours_bytes = figures["ours"]
        base, _ = figures["base"]
        ratio = ours.requests_per_s / base.requests_per_s if base.requests_per_s else 0
        print(
            row(
                label,
                f"{ours.requests_per_s:.0f}",
                f"{ours.p50_ms:.1f}",
                f"{ours.p99_ms:.1f}",
                ours_bytes,
                f"{base.requests_per_s:.0f}",
                f"{base.p50_ms:.1f}",
                f"{base.p99_ms:.1f}",
                f"{ratio:.2f}x",
            )
        )
        verdict = ""
        if target is not None:
            ok = ratio >= target and (target > 0.5 or ours.p99_ms <= 100)
            verdict = f"target {target}x" + (" and p99 <= 100 ms" if target == 0.5 else "")
            verdict += ": OK" if ok else ": MISSED"
            print(" " * 26 + verdict)
        results.append(
            {
                "query": label,
                "ours_rps": ours.requests_per_s,
                "ours_p50": ours.p50_ms,
                "ours_p99": ours.p99_ms,
                "bytes": ours_bytes,
                "base_rps": base.requests_per_s,
                "base_p50": base.p50_ms,
                "base_p99": base.p99_ms,
                "ratio": ratio,
                "verdict": verdict,
                "non_2xx": ours.non_2xx + ours.errors,
            }
        )
    for label, ours_template, base_template in VARIED:
        ours = wrk(site.url + "/", seconds=seconds, script=varied_script(ours_template))
        base = wrk(baseline.url + "/", seconds=seconds, script=varied_script(base_template))
        ratio = ours.requests_per_s / base.requests_per_s if base.requests_per_s else 0
        print(
            row(
                label,
                f"{ours.requests_per_s:.0f}",
                f"{ours.p50_ms:.1f}",
                f"{ours.p99_ms:.1f}",
                "-",
                f"{base.requests_per_s:.0f}",
                f"{base.p50_ms:.1f}",
                f"{base.p99_ms:.1f}",
                f"{ratio:.2f}x",
            )
        )
        if ours.non_2xx or ours.errors:
            print(" " * 26 + f"non-2xx {ours.non_2xx}, socket errors {ours.errors}")
        results.append(
            {
                "query": label,
                "ours_rps": ours.requests_per_s,
                "ours_p50": ours.p50_ms,
                "ours_p99": ours.p99_ms,
                "base_rps": base.requests_per_s,
                "base_p50": base.p50_ms,
                "base_p99": base.p99_ms,
                "ratio": ratio,
                "non_2xx": ours.non_2xx + ours.errors,
            }
        )
    tile = QUERIES[4][1]
    repeated = wrk(site.url + tile, seconds=seconds)
    print(
        f"Repeated tile {tile}: {repeated.requests_per_s:.0f} req/s (target >= 500): "
        + ("OK" if repeated.requests_per_s >= 500 else "MISSED")
    )
    return results


def load_mix(site: Gunicorn, seconds: int):
    print(f"\n## Load: {seconds} s at 64 connections on a mix of Q1-Q5 and page views")
    samples = [site.worker_rss_mb()]
    script = mix_script([q[1] for q in QUERIES] + PAGES)
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
    script = mix_script([QUERIES[0][1], QUERIES[2][1], "/lieux/?commune=Digne-les-Bains"])
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
            QUERIES[0][1],
            QUERIES[3][1] + "&page=2",  # not in any cache
            QUERIES[2][1],
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
        status, *_ = fetch(site.url + QUERIES[0][1])
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
        wrk_command(site.url + QUERIES[0][1], seconds=20),
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
    for label, path in (("Q1", QUERIES[0][1]), ("tile z8", QUERIES[4][1])):
        status, headers, _, _ = fetch(site.url + path)
        etag = headers.get("ETag")
        status2, *_ = fetch(site.url + path, {"If-None-Match": etag} if etag else {})
        print(
            f"  {label}: ETag {etag}, Last-Modified {headers.get('Last-Modified')}, "
            f"revalidation -> {status2}"
        )
    status, headers, _, _ = fetch(site.url + QUERIES[0][1])
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
    status, headers, _, _ = fetch(site.url + QUERIES[0][1], {"If-None-Match": before or ""})
    print(f"  after a write to a place: {status} (ETag {before} -> {headers.get('ETag')})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 s runs, 15 s load")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument(
        "--faults-only", action="store_true", help="only stop PostGIS under load (no speed runs)"
    )
    parser.add_argument("--ports", help="range of ports for the servers, e.g. 8370-8389")
    args = parser.parse_args()
    if args.ports:
        os.environ["MAILLAGE_BENCH_PORTS"] = args.ports
    seconds = 5 if args.quick else args.seconds
    ensure_national_db()
    manage("collectstatic", "--noinput")
    env = bench_env()
    env["DJANGO_SETTINGS_MODULE"] = "geo_directory.settings.local"
    with (
        Gunicorn("geo_directory.wsgi", None, env, ROOT) as site,
        Gunicorn("_raw_baseline:application", None, env, ROOT / "bench") as base,
    ):
        if args.faults_only:
            db_fault(site)
            return 0
        results = speed(site, base, seconds)
        load_mix(site, 15 if args.quick else 60)
        caching(site)
        import_during_load(site)
        if not args.no_faults:
            db_fault(site)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "http.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
