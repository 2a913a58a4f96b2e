"""Nearby search at national scale: 1,000 API searches around communes weighted by population.

Every shared place and commune is loaded once into the bench database (``bench/_national.py``).
Each search is ``GET /api/v1/lieux/?near=<commune reference point>&radius_km=20`` through the
whole Django stack in process (test client: middleware, parameter parsing, count + ETag query,
FeatureCollection built by PostGIS). Prints median and p95 against the targets (10 ms / 25 ms),
and the same searches as a bare SQL statement through the ORM cursor, for scale.

    .venv/bin/python bench/nearby.py [--searches 1000] [--page-size 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ensure_national_db, setup_django  # noqa: E402

TARGET_MEDIAN_MS = 10
TARGET_P95_MS = 25


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def weighted_points(count: int, seed: int = 2026):
    from geo_directory.territories.models import Commune

    rows = list(
        Commune.objects.filter(reference_point__isnull=False, population__gt=0).values_list(
            "code", "population", "reference_point"
        )
    )
    rng = random.Random(seed)
    picks = rng.choices(rows, weights=[r[1] for r in rows], k=count)
    return len(rows), [(code, point.x, point.y) for code, _pop, point in picks]


def timed(function, points):
    times = []
    for point in points:
        started = time.perf_counter()
        function(point)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--radius-km", type=float, default=20)
    args = parser.parse_args()

    ensure_national_db()
    setup_django()
    from django.contrib.gis.geos import Point
    from django.db import connection
    from django.test import Client

    from places.models import Place

    places = Place.objects.public().located().count()
    communes, points = weighted_points(args.searches)
    print(f"{places:,} public located places; {communes:,} communes with population")
    client = Client()
    matched = []

    def api(point):
        _code, lon, lat = point
        response = client.get(
            "/api/v1/lieux/",
            {
                "near": f"{lon:.6f},{lat:.6f}",
                "radius_km": args.radius_km,
                "page_size": args.page_size,
            },
        )
        if response.status_code != 200:
            raise SystemExit(f"API answered {response.status_code}: {response.content[:200]!r}")
        matched.append(int(response.content.split(b'"numberMatched": ', 1)[1].split(b",", 1)[0]))

    def orm(point):
        _code, lon, lat = point
        origin = Point(lon, lat, srid=4326)
        qs = Place.objects.public().located().near(origin, args.radius_km * 1000)
        sql, params = qs.values_list("pk", "distance")[: args.page_size].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    timed(api, points[:50])  # warm-up: connection, caches, plans
    matched.clear()
    api_ms = timed(api, points)
    sql_ms = timed(orm, points)

    median, p95 = statistics.median(api_ms), percentile(api_ms, 0.95)
    print(
        f"\n{args.searches} searches, radius {args.radius_km:g} km, page_size {args.page_size}; "
        f"places matched per search: median {statistics.median(matched):.0f}, max {max(matched)}"
    )
    print(f"{'':28}{'median':>10}{'p95':>10}{'max':>10}")
    print(
        f"{'API in process (ms)':28}{median:>10.2f}{p95:>10.2f}{max(api_ms):>10.2f}"
        f"   target ≤ {TARGET_MEDIAN_MS} / ≤ {TARGET_P95_MS}"
    )
    print(
        f"{'the SQL query alone (ms)':28}{statistics.median(sql_ms):>10.2f}"
        f"{percentile(sql_ms, 0.95):>10.2f}{max(sql_ms):>10.2f}"
    )
    ok = median <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS
    verdict = "targets met" if ok else "TARGETS MISSED"
    over_sql = median / statistics.median(sql_ms)
    print(f"ratios: median/target {median / TARGET_MEDIAN_MS:.2f}, ", end="")
    print(f"p95/target {p95 / TARGET_P95_MS:.2f}, API/SQL median {over_sql:.1f}x -> {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
