"""Import time of the five shared place files into a fresh set of places (target: < 30 s in all).

    .venv/bin/python bench/import_places.py [--db maillage_bench_import] [--territories demo]

Creates and migrates its own database on the private cluster (default ``maillage_bench_import``,
so that other benches' data is left alone), loads the national communes once (35,000 polygons:
the point-in-polygon join then runs at national scale; ``--territories demo`` loads 04/05/974
only), deletes the places of these sources, then times each import in process (Django start-up
excluded), and a second pass that must change nothing. Prints seconds per file and the total.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MAILLAGE_SHARED_DATA", ROOT.parent / "shared" / "data"))
TARGET_S = 30.0


def manage(db: str, *args: str):
    env = {**os.environ, "MAILLAGE_DB_NAME": db}
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(db: str, territories: str):
    env = {**os.environ, "MAILLAGE_DB_NAME": db}
    subprocess.run(["bash", "scripts/pg.sh", "start"], cwd=ROOT, env=env, check=True)
    manage(db, "migrate", "--noinput", "--skip-checks", "-v", "0")
    os.environ["MAILLAGE_DB_NAME"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from geo_directory.territories.models import Commune

    wanted = 30000 if territories == "national" else 400
    if Commune.objects.count() >= wanted:
        return
    started = time.perf_counter()
    if territories == "national":
        print("Loading the national communes once (not part of the timing)…", flush=True)
        manage(
            db,
            "import_territories",
            "--skip-checks",
            "-v",
            "0",
            "--cog",
            str(ROOT / "fixtures/territories/decoupage-administratif-6.0.0-communes.json.gz"),
            "--communes",
            str(SHARED / "communes/communes-france-hors-12-93.geojson.gz"),
            "--departements",
            str(SHARED / "departements/departements-avec-outre-mer.geojson.gz"),
        )
    else:
        manage(db, "load_demo", "--skip-checks", "-v", "0")
    print(f"  territories loaded in {time.perf_counter() - started:.1f} s")


def run_pass(label: str) -> float:
    from places.importers import PlaceImporter, make_reader
    from places.importers.demo import PLACE_FILES

    print(f"\n{label}")
    print(f"  {'file':<58}{'s':>7}{'read':>7}{'new':>7}{'upd':>6}{'same':>7}{'rej':>6}")
    total = 0.0
    for name, source in PLACE_FILES:
        started = time.perf_counter()
        report = PlaceImporter(make_reader(SHARED / "lieux" / name), source).run()
        seconds = time.perf_counter() - started
        total += seconds
        print(
            f"  {name:<58}{seconds:7.2f}{report.read:7d}{report.created:7d}"
            f"{report.updated:6d}{report.unchanged:7d}{len(report.rejected):6d}"
        )
    print(f"  {'total':<58}{total:7.2f}")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=os.environ.get("MAILLAGE_BENCH_IMPORT_DB", "maillage_bench_import")
    )
    parser.add_argument("--territories", choices=["national", "demo"], default="national")
    args, _ = parser.parse_known_args()
    if not (SHARED / "lieux").is_dir():
        print(f"The shared data folder {SHARED} is absent: set MAILLAGE_SHARED_DATA.")
        return 1
    prepare(args.db, args.territories)
    from places.importers.demo import PLACE_FILES
    from places.models import Place

    deleted, _ = Place.objects.filter(import_source__in=[s for _, s in PLACE_FILES]).delete()
    print(f"Database {args.db}: {deleted} earlier rows deleted; places now {Place.objects.count()}")
    first = run_pass("First import into an empty place table")
    second = run_pass("Second import of the same files (must change nothing)")
    verdict = "OK" if first < TARGET_S else "TOO SLOW"
    print(
        f"\nFirst import: {first:.1f} s for the five files, target < {TARGET_S:.0f} s: {verdict}"
        f" ({first / TARGET_S:.0%} of the budget); re-import {second:.1f} s"
        f" ({second / first:.2f}x the first)."
    )
    return 0 if first < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
