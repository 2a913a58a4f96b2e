"""Vector tile rendering over the national data: median time per tile, zooms 5 to 12.

Target (issue 6): at most 30 ms median per tile, in process, uncached. The 500 tiles are those
under 500 random commune reference points of France (seeded), at a zoom drawn from 5 to 12, for
each layer. Also printed: the same SQL sent straight through psycopg (what the ORM adds), the
full Django view uncached and from the tile cache, and per-zoom medians.

    .venv/bin/python bench/tiles.py [--tiles 500] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ensure_national_db, setup_django  # noqa: E402

TARGET_MS = 30.0


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def sample_tiles(count: int, seed: int) -> list[tuple[int, int, int]]:
    from geo_directory.territories.models import Commune

    points = list(
        Commune.objects.filter(reference_point__isnull=False)
        .order_by("code")
        .values_list("reference_point", flat=True)
    )
    rng = random.Random(seed)
    return [
        tile_of(p.x, p.y, rng.randint(5, 12)) for p in (rng.choice(points) for _ in range(count))
    ]


def timed(function, tiles) -> list[float]:
    out = []
    for tile in tiles:
        started = time.perf_counter()
        function(*tile)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(label: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=10)
    return (
        f"  {label:<34} median {statistics.median(values):7.2f} ms   p90 {q[-1]:7.2f} ms"
        f"   max {max(values):8.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args, _ = parser.parse_known_args()

    ensure_national_db()
    setup_django()
    from django.db import connection
    from django.test import Client

    from coverage.services import apply_pending
    from geo_directory import cache as one_cache
    from places.models import Place
    from tiles.layers import LAYERS

    apply_pending()
    tiles = sample_tiles(args.tiles, args.seed)
    print(
        f"{Place.objects.public().located().count()} public places, "
        f"{LAYERS['communes'].source.queryset().count()} communes; {len(tiles)} tiles, "
        f"zooms 5-12, seed {args.seed}"
    )
    worst = 0.0
    client = Client()
    for name, layer in LAYERS.items():
        layer.render(*tiles[0])  # warm the connection and PostGIS caches
        rendered = timed(layer.render, tiles)
        sizes = [len(layer.render(*t)) for t in tiles[:50]]

        compiled = [layer.sql(*t) for t in tiles]
        started = time.perf_counter()
        for sql, params in compiled:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchone()
        sql_only = (time.perf_counter() - started) * 1000 / len(compiled)

        one_cache.clear()  # this process's memory: every tile a first one

        def view(z, x, y, name=name):
            client.get(f"/tiles/{name}/{z}/{x}/{y}.pbf")

        cold = timed(view, tiles)
        warm = timed(view, tiles)

        median = statistics.median(rendered)
        worst = max(worst, median)
        print(f"\nlayer {name} (mean tile {statistics.mean(sizes) / 1024:.1f} KiB)")
        print(summary("render in process (ORM + SQL)", rendered))
        print(f"  {'same SQL, precompiled, psycopg':<34} mean   {sql_only:7.2f} ms")
        print(summary("Django view, 1st pass (repeats hit)", cold))
        print(summary("Django view, tile cache hit", warm))
        by_zoom: dict[int, list[float]] = {}
        for (z, _x, _y), ms in zip(tiles, rendered, strict=True):
            by_zoom.setdefault(z, []).append(ms)
        print(
            "  median by zoom: "
            + ", ".join(f"z{z} {statistics.median(v):.1f}" for z, v in sorted(by_zoom.items()))
        )
        print(
            f"  target {TARGET_MS:.0f} ms median: {median:.2f} ms, "
            f"ratio {median / TARGET_MS:.2f} ({'met' if median <= TARGET_MS else 'MISSED'})"
        )
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
