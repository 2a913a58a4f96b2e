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

Then, in the same run, the incremental update (``services.apply_pending``, what runs after the
commit of a write): seeded random changes (a place moved, added with a mediator, deleted,
closed to the public; an activity ended or resumed), each timed from the queued change to the
stored coverage updated, both bases; target: at most 50 ms per change. The stored result is
then compared with a full recomputation (every commune, both bases), and the first views after
a write are timed. The changes are rolled back at the end: the bench database is unchanged.
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
INCREMENTAL_TARGET_MS = 50
FIRST_VIEW_TARGET_MS = 200  # no read recomputes: the first view after a write stays quick
CHANGES = 60
PLAIN_STORAGES = {  # no collected static files in the bench database's settings
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


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


class Changes:
    """One seeded random change to the national directory per call; returns its kind."""

    def __init__(self, seed: int = 13):
        import random

        from actors.models import Activity
        from coverage.querysets import mediation_points
        from geo_directory.territories.models import Commune

        self.rng = random.Random(seed)
        self.refs = list(
            Commune.objects.filter(reference_point__isnull=False)
            .order_by("code")
            .values_list("reference_point", flat=True)
        )
        self.points = list(mediation_points("places").order_by("pk").values_list("pk", flat=True))
        self.activities = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
        self.serial = 0

    def near(self, point, km: float):
        from django.contrib.gis.geos import Point

        dlat = self.rng.uniform(-km, km) / 111.0
        dlon = self.rng.uniform(-km, km) / 78.0
        return Point(round(point.x + dlon, 6), round(point.y + dlat, 6), srid=4326)

    def __call__(self) -> str:
        from actors.models import Activity, Actor
        from places import standard
        from places.models import Place

        kind = self.rng.choice(["move", "move", "add", "delete", "close", "activity"])
        place = (
            Place.objects.alive()
            .receiving_public()
            .located()
            .filter(pk=self.rng.choice(self.points))
            .first()
        )
        if place is None:  # deleted or closed by an earlier change: open a new place instead
            kind = "add"
        if kind == "move":
            place.location = self.near(place.location, self.rng.uniform(0.5, 10))
            place.save()
        elif kind == "add":
            self.serial += 1
            place = Place.objects.create(
                import_source="banc-incremental",
                source_id=str(self.serial),
                nom=f"Banc incrémental {self.serial}",
                location=self.near(self.rng.choice(self.refs), 3),
            )
            actor = Actor.objects.create(
                first_name="Banc",
                last_name=f"Incrémental{self.serial}",
                roles=["mediateur"],
                is_validated=True,
                is_fictional=True,
            )
            Activity.objects.create(actor=actor, place=place, start_date=datetime.date(2025, 1, 1))
        elif kind == "delete":
            place.deleted_at = datetime.datetime.now(datetime.UTC)
            place.save()
        elif kind == "close":
            place.modalites_acces = [standard.NO_PUBLIC]
            place.save()
        else:  # an activity ends or resumes (QuerySet.update, as the team page ends one)
            activity = Activity.objects.get(pk=self.rng.choice(self.activities))
            kind = "activity resumed" if activity.end_date else "activity ended"
            end = None if activity.end_date else datetime.date(2025, 6, 1)
            Activity.objects.filter(pk=activity.pk).update(end_date=end)
        return kind


def incremental(change, changes: int = CHANGES):
    """Milliseconds of ``apply_pending`` per change (by kind), inside one transaction that the
    caller rolls back; each change is applied before the next one is made."""
    from coverage import services

    timings = []
    for _ in range(changes):
        kind = change()
        started = time.perf_counter()
        report = services.apply_pending()
        timings.append((kind, (time.perf_counter() - started) * 1000, report))
        assert report.mode == "incremental", report.mode
    return timings


def differences_from_full() -> tuple[int, int]:
    """(rows compared, rows that differ) between the stored coverage and a full recomputation:
    distance within 0.01 m, the same nearest place or one as near, the same inside flag."""
    import numpy as np

    from coverage import services
    from coverage.computation import GEOD
    from coverage.models import CommuneCoverage
    from geo_directory.territories.models import Commune
    from places.models import Place

    positions = dict(Place.objects.filter(location__isnull=False).values_list("pk", "location"))
    refs = dict(
        Commune.objects.filter(reference_point__isnull=False).values_list("code", "reference_point")
    )
    compared = differ = 0
    for basis, rows, _ in services.computed_rows():
        stored = {
            code: (d, n, h)
            for code, d, n, h in CommuneCoverage.objects.for_basis(basis).values_list(
                "commune_id", "distance_m", "nearest_place_id", "has_place_inside"
            )
        }
        other = []
        for code, distance, nearest, inside in rows:
            compared += 1
            got = stored.get(code)
            if got is None or got[2] != inside or (distance is None) != (got[0] is None):
                differ += 1
            elif distance is not None and abs(got[0] - distance) > 0.01:
                differ += 1
            elif got[1] != nearest:
                other.append((code, got[1], distance))
        if other:  # an equally near point is as good
            _, _, metres = GEOD.inv(
                [refs[c].x for c, _, _ in other],
                [refs[c].y for c, _, _ in other],
                [positions[n].x for _, n, _ in other],
                [positions[n].y for _, n, _ in other],
            )
            differ += int(np.sum(np.abs(metres - [d for *_, d in other]) > 0.01))
    return compared, differ


def first_views(change) -> dict[str, float]:
    """Milliseconds of the first answer of each view after a write: each view is served once
    (the process warmed up), then one more change is applied with the work its commit runs
    (the bench's changes stay in one transaction, rolled back at the end, whose commit hooks
    never run): the coverage of the communes around it and the same-place groups around its
    place (``same_place.update``); then each view is timed once (a new version: no cached
    answer holds)."""
    from django.test import Client
    from django.test.utils import override_settings

    from coverage import services
    from places import same_place

    client = Client()
    urls = ("/api/v1/communes/?departement=04", "/couverture/", "/couverture/04/")
    out = {}
    with override_settings(STORAGES=PLAIN_STORAGES, ALLOWED_HOSTS=["*"]):
        for url in urls:
            client.get(url)
        change()
        services.apply_pending()
        same_place.update()
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            out[url] = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
    return out


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

    with override_settings(STORAGES=PLAIN_STORAGES, ALLOWED_HOSTS=["*"]):
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
    from django.db import transaction

    with transaction.atomic():
        change = Changes()
        timings = incremental(change)
        compared, differ = differences_from_full()
        views = first_views(change)
        transaction.set_rollback(True)  # the bench database stays as it was
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
    ms = sorted(t for _, t, _ in timings)
    inc_median = statistics.median(ms)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    print(
        f"incremental update, one change reflected, both bases ({len(ms)} seeded changes):"
        f" median {inc_median:.1f} ms, p90 {p90:.1f} ms, max {ms[-1]:.1f} ms"
        f"   target <= {INCREMENTAL_TARGET_MS} ms: "
        f"{'OK' if inc_median <= INCREMENTAL_TARGET_MS else 'MISSED'}"
    )
    kinds = {}
    for kind, t, report in timings:
        kinds.setdefault(kind, []).append((t, sum(report.communes.values())))
    print(
        "  by change: "
        + ", ".join(
            f"{kind} {len(v)}x median {statistics.median(t for t, _ in v):.1f} ms"
            f" ({statistics.median(n for _, n in v):.0f} rows)"
            for kind, v in sorted(kinds.items())
        )
    )
    print(
        f"  full recomputation / incremental update: {median * 1000 / inc_median:.0f}x"
        f" (same run; full median {median:.3f} s)"
    )
    print(
        f"  stored after the changes vs a full recomputation: {compared} rows compared,"
        f" {differ} different (distance within 0.01 m, nearest or as near, inside)"
    )
    slowest = max(views.values())
    print(
        "first view after a write: "
        + ", ".join(f"{url} {t:.0f} ms" for url, t in views.items())
        + f"   target <= {FIRST_VIEW_TARGET_MS} ms: "
        + ("OK" if slowest <= FIRST_VIEW_TARGET_MS else "MISSED")
    )
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"/couverture/04/ in chromium (national data): map drawn in {render_s:.2f} s"
        f" (target <= 2 s), {page_bytes / 1e6:.2f} MB transferred with assets (target <= 1.5 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
