"""Full national recomputation of the coverage (both bases) against an in-memory baseline.

With every shared commune (~35,000) and every shared place loaded into a bench database of its
own (``maillage_bench_coverage``, built once by ``bench/_national.py``), and fictional mediators
at the conseillers numériques places (so that the ``mediators`` basis is not empty), this times:

- ours: ``coverage.services.recompute()`` — fetch from PostGIS, nearest candidates (cKDTree on
  ECEF), exact WGS84 geodesics (pyproj Geod), containment, COPY of ~70,000 rows, commit;
- baseline: the same nearest search in memory on the same points, for both bases (scipy cKDTree,
  chord distances only; and shapely STRtree.query_nearest in degrees), nothing read or written.

Prints both times and the ratio; target: the full national recomputation in at most 1.5 s.
Also checks 500 random communes against a brute-force pyproj Geod computation.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MAILLAGE_BENCH_DB", "maillage_bench_coverage")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _national  # noqa: E402

TARGET_S = 1.5
RUNS = 5


def add_bench_mediators() -> int:
    """One fictional mediator at every conseillers numériques place (idempotent)."""
    from actors.models import Activity, Actor
    from places.models import Place

    if Activity.objects.exists():
        return Activity.objects.count()
    places = list(
        Place.objects.filter(import_source="conseillers-numeriques").values_list("pk", flat=True)
    )
    actors = Actor.objects.bulk_create(
        [
            Actor(
                first_name="Banc",
                last_name=f"Essai{pk}",
                roles=["conseiller_numerique"],
                is_validated=True,
                is_fictional=True,
                external_id=f"bench-{pk}",
            )
            for pk in places
        ],
        batch_size=2000,
    )
    start = datetime.date(2024, 1, 1)
    Activity.objects.bulk_create(
        [
            Activity(actor=a, place_id=pk, start_date=start)
            for a, pk in zip(actors, places, strict=True)
        ],
        batch_size=2000,
    )
    return len(places)


def baseline(codes_lon, codes_lat, bases) -> tuple[float, float]:
    import numpy as np
    import shapely
    from scipy.spatial import cKDTree

    from coverage.computation import ecef

    origins = ecef(codes_lon, codes_lat)
    started = time.perf_counter()
    for lon, lat in bases:
        cKDTree(ecef(lon, lat)).query(origins, k=1)
    kdtree = time.perf_counter() - started
    refs = shapely.points(np.column_stack((codes_lon, codes_lat)))
    started = time.perf_counter()
    for lon, lat in bases:
        shapely.STRtree(shapely.points(np.column_stack((lon, lat)))).query_nearest(refs)
    strtree = time.perf_counter() - started
    return kdtree, strtree


def check_sample(services, size: int = 500) -> float:
    import numpy as np

    from coverage.computation import GEOD
    from coverage.models import CommuneCoverage
    from coverage.querysets import mediation_points

    codes, lon, lat = services._communes(None)
    _, plon, plat = services._points(mediation_points("places"))
    stored = dict(
        CommuneCoverage.objects.for_basis("places").values_list("commune_id", "distance_m")
    )
    rng = np.random.default_rng(7)
    worst = 0.0
    for i in rng.choice(len(codes), size=min(size, len(codes)), replace=False):
        _, _, metres = GEOD.inv(np.full(len(plon), lon[i]), np.full(len(plat), lat[i]), plon, plat)
        worst = max(worst, abs(float(metres.min()) - stored[codes[i]]))
    return worst


def page_render(code: str = "04", runs: int = 3):
    """Median seconds until /couverture/<code>/ shows its communes in chromium, and its bytes.

    Served by Django's live server thread over the bench database; outside requests (map tiles)
    are refused, as there is no network here.
    """
    import re

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from django.test.utils import override_settings
    from playwright.sync_api import sync_playwright

    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain, ALLOWED_HOSTS=["*"]):
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        url = f"http://127.0.0.1:{thread.port}/couverture/{code}/"
        times, sizes = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for run in range(runs + 1):
                page = browser.new_page()
                page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda r: r.abort())
                received = []
                page.on("response", lambda r, got=received: got.append(len(r.body() or b"")))
                started = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
                if run:  # the first one warms the server up
                    times.append(time.perf_counter() - started)
                    sizes.append(sum(received))
                page.close()
            browser.close()
        thread.terminate()
    return statistics.median(times), max(sizes)


def main() -> int:
    _national.ensure_national_db()
    _national.setup_django()
    from django.db import connection

    from actors.models import Activity
    from coverage import services
    from coverage.models import CommuneCoverage
    from coverage.querysets import mediation_points

    mediators = add_bench_mediators()
    services.recompute()  # warm-up (and simplified shapes, once)
    # Steady state: between runs a mediator ends (then resumes) an activity, as in real life.
    toggled = Activity.objects.order_by("pk").first()
    ours, reports = [], []
    for run in range(RUNS):
        Activity.objects.filter(pk=toggled.pk).update(
            end_date=None if run % 2 else datetime.date(2024, 6, 1)
        )
        started = time.perf_counter()
        reports.append(services.recompute())
        ours.append(time.perf_counter() - started)
    Activity.objects.filter(pk=toggled.pk).update(end_date=None)
    report = reports[-1]
    # Cold: nothing stored yet, every row written (COPY).
    CommuneCoverage.objects.all().delete()
    started = time.perf_counter()
    cold_report = services.recompute()
    cold = time.perf_counter() - started
    codes, lon, lat = services._communes(None)
    bases = []
    for basis in ("mediators", "places"):
        _, plon, plat = services._points(mediation_points(basis))
        bases.append((plon, plat))
    kdtree, strtree = baseline(lon, lat, bases)
    worst = check_sample(services)
    render_s, page_bytes = page_render("04")
    connection.close()

    median = statistics.median(ours)
    print(
        f"communes: {report.communes}  mediation points: mediators {report.points['mediators']}"
        f" ({mediators} fictional bench mediators), places {report.points['places']}"
    )
    print(
        f"full national recomputation, both bases ({RUNS} runs): median {median:.3f} s,"
        f" min {min(ours):.3f} s, max {max(ours):.3f} s   target <= {TARGET_S} s: "
        f"{'OK' if median <= TARGET_S else 'MISSED'}"
    )
    phases = ", ".join(f"{name} {sec * 1000:.0f} ms" for name, sec in report.phases.items())
    print(f"  phases of the last run: {phases}")
    for basis, counts in report.writes.items():
        print(
            f"  rows written, basis {basis}: {counts.updated} updated, {counts.inserted} inserted,"
            f" {counts.deleted} deleted, {counts.unchanged} unchanged"
        )
    cold_phases = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in cold_report.phases.items())
    print(
        f"cold recomputation (empty table, all {2 * report.communes} rows written by COPY):"
        f" {cold:.3f} s ({cold_phases})"
    )
    print(
        f"in-memory baseline, same points, both bases: cKDTree {kdtree:.3f} s,"
        f" shapely STRtree {strtree:.3f} s"
    )
    print(
        f"ratio ours / cKDTree baseline: {median / kdtree:.1f}x;"
        f" ours / STRtree baseline: {median / strtree:.1f}x"
    )
    print(f"check: 500 random communes vs brute-force pyproj Geod, worst difference {worst:.6f} m")
    print(
        f"/couverture/04/ in chromium (national data): map drawn in {render_s:.2f} s"
        f" (target <= 2 s), {page_bytes / 1e6:.2f} MB transferred with assets (target <= 1.5 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
