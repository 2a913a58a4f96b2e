"""Vector tiles over the national data, uncached, every zoom 0-14 and every kind of variant.

Target (issue 12): every ``/tiles/communes/{z}/{x}/{y}.pbf`` and ``/tiles/lieux/...`` answers
in under 1 s and under 5 MB, uncached, whatever its ``threshold_km`` / ``basis``. Each request
goes through the Django view with the tile cache bypassed (a first request for that tile and
variant: the one cache is not read nor written). Per zoom, the tiles are the densest ones (most
communes' reference points, most places) and random ones under communes (seeded); each is asked
for every variant: communes at thresholds 1, 10, 37.5 and 100 km on both bases, places without a
basis and on both bases. Printed per zoom and layer: cold time p50 / max and bytes max, marked
against the target; then the slowest requests.

    .venv/bin/python bench/tiles.py [--zooms 0-14] [--dense 2] [--random 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import ensure_national_db, setup_django  # noqa: E402

TARGET_MS = 1000.0
TARGET_BYTES = 5_000_000
THRESHOLDS = (1, 10, 37.5, 100)
BASES = ("mediators", "places")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    lat = max(min(lat, 85.05), -85.05)
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def points():
    from geo_directory.territories.models import Commune
    from places.models import Place

    communes = [
        (p.x, p.y)
        for p in Commune.objects.filter(reference_point__isnull=False)
        .order_by("code")
        .values_list("reference_point", flat=True)
    ]
    places = [
        (p.x, p.y)
        for p in Place.objects.public().located().order_by("pk").values_list("location", flat=True)
    ]
    return communes, places


def tiles_for(z: int, dense_of, communes, dense: int, count: int, rng) -> list[tuple]:
    chosen = []
    for pts in dense_of:
        counts = Counter(tile_of(x, y, z) for x, y in pts)
        chosen += [t for t, _ in counts.most_common(dense)]
    for _ in range(count):
        chosen.append(tile_of(*rng.choice(communes), z))
    return list(dict.fromkeys(chosen))


def variants(layer: str) -> list[str]:
    if layer == "communes":
        return [f"?basis={b}&threshold_km={t}" for b in BASES for t in THRESHOLDS]
    return ["", *(f"?basis={b}" for b in BASES)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zooms", default="0-14")
    parser.add_argument("--dense", type=int, default=2, help="densest tiles per zoom")
    parser.add_argument("--random", type=int, default=2, help="random tiles per zoom")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--layers", default="communes,lieux")
    args, _ = parser.parse_known_args()
    low, _, high = args.zooms.partition("-")
    zooms = range(int(low), int(high or low) + 1)

    # What a tile costs, not the admission of costly requests (geo_directory/admission.py would
    # answer a client asking hundreds of cold tiles 503 after its 15 s budget).
    os.environ["MAILLAGE_COSTLY_CONCURRENCY"] = "0"
    ensure_national_db()
    setup_django()
    from django.test import Client

    from coverage.services import apply_pending
    from tiles import views

    apply_pending()

    # Bypass the one cache: every request renders its tile (what a first request costs).
    def uncached(layer, z, x, y, version, variant=()):
        return layer.render(z, x, y), False

    views.get_or_render = uncached
    client = Client()
    communes, places = points()
    rng = random.Random(args.seed)
    print(
        f"{len(communes)} communes, {len(places)} public located places; zooms {args.zooms};"
        f" load {os.getloadavg()[0]:.2f}; target < {TARGET_MS:.0f} ms and"
        f" < {TARGET_BYTES / 1e6:.0f} MB per tile, uncached"
    )
    client.get("/tiles/communes/5/16/11.pbf")  # connection, catalogue, compiled layers
    worst = []
    missed = errors = 0
    for name in args.layers.split(","):
        print(f"\nlayer {name}  (variants: {', '.join(v or '(none)' for v in variants(name))})")
        print(f"  {'z':>2} {'tiles':>5} {'reqs':>5} {'p50 ms':>8} {'max ms':>8} {'max MB':>7}")
        for z in zooms:
            dense_of = [communes] if name == "communes" else [places]
            tiles = tiles_for(z, dense_of, communes, args.dense, args.random, rng)
            times, sizes = [], []
            for z_, x, y in tiles:
                for query in variants(name):
                    url = f"/tiles/{name}/{z_}/{x}/{y}.pbf{query}"
                    started = time.perf_counter()
                    response = client.get(url)
                    ms = (time.perf_counter() - started) * 1000
                    if response.status_code not in (200, 204):
                        errors += 1
                        if errors <= 3:
                            print(f"  !! {url}: {response.status_code} {response.content[:120]!r}")
                    times.append(ms)
                    sizes.append(len(response.content))
                    worst.append((ms, len(response.content), url))
            over = max(times) >= TARGET_MS or max(sizes) >= TARGET_BYTES
            missed += over
            print(
                f"  {z:>2} {len(tiles):>5} {len(times):>5} {statistics.median(times):8.1f}"
                f" {max(times):8.1f} {max(sizes) / 1e6:7.2f}  {'OVER TARGET' if over else 'ok'}"
            )
    missed += errors
    if errors:
        print(f"\n{errors} requests answered neither 200 nor 204")
    worst.sort(reverse=True)
    print("\nslowest requests:")
    for ms, size, url in worst[:8]:
        print(f"  {ms:7.1f} ms {size / 1e6:6.2f} MB  {url}")
    print(
        f"\ntarget < {TARGET_MS:.0f} ms and < {TARGET_BYTES / 1e6:.0f} MB:"
        f" {'met' if not missed else f'MISSED ({missed} zoom rows or errors)'}"
    )
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
