"""A national bench database (all shared communes and places), built once and reused.

Every bench script calls ``ensure_national_db()`` first: it creates the database
``maillage_bench`` (or ``MAILLAGE_BENCH_DB``) on the private cluster, migrates, and loads what
is missing: the ~35,000 communes of ../shared/data, then the places of the five shared files,
then the coverage, with the project's own import commands. A second run reuses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("MAILLAGE_BENCH_DB", "maillage_bench")
SHARED = Path(os.environ.get("MAILLAGE_SHARED_DATA", ROOT.parent / "shared" / "data"))

PLACE_FILES = {
    "france-services": "france-services-2022-12.csv",
    "conseillers-numeriques": "conseillers-numeriques-lieux-2022-12.json",
    "data-inclusion": "lieux-mediation-numerique-data-inclusion-2023-02.json",
    "hub-du-sud": "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json",
    "hinaura": "lieux-mediation-numerique-hinaura-aura-2022.json",
}


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env["MAILLAGE_DB_NAME"] = BENCH_DB
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    return env


def manage(*args: str, quiet: bool = True) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args, *(["-v", "0"] if quiet else [])],
        cwd=ROOT,
        env=bench_env(),
        check=True,
    )
    print(f"  manage.py {args[0]}: {time.perf_counter() - started:.1f} s", flush=True)


def setup_django():
    """Use the bench database from this process (call after ensure_national_db)."""
    os.environ.update({"MAILLAGE_DB_NAME": BENCH_DB})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_national_db() -> None:
    if not SHARED.is_dir():
        sys.exit(f"The shared data folder {SHARED} is absent: set MAILLAGE_SHARED_DATA.")
    subprocess.run(
        ["bash", "scripts/pg.sh", "start"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    manage("migrate", "--noinput")
    counts = _counts()
    if counts["communes"] < 30000:
        print("Loading the national communes (once)…", flush=True)
        manage(
            "import_territories",
            "--cog",
            str(ROOT / "fixtures/territories/decoupage-administratif-6.0.0-communes.json.gz"),
            "--communes",
            str(SHARED / "communes/communes-france-hors-12-93.geojson.gz"),
            "--departements",
            str(SHARED / "departements/departements-avec-outre-mer.geojson.gz"),
        )
    if counts["places"] == 0 and (ROOT / "places/management/commands/import_places.py").exists():
        print("Loading the places of the five shared files (once)…", flush=True)
        for source, name in PLACE_FILES.items():
            manage("import_places", str(SHARED / "lieux" / name), "--source", source)
    if (
        counts["coverage"] == 0
        and (ROOT / "coverage/management/commands/compute_coverage.py").exists()
    ):
        manage("compute_coverage")


def _counts() -> dict[str, int]:
    code = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "out = []\n"
        "for table in ('territories_commune', 'places_place', 'coverage_communecoverage'):\n"
        "    try:\n"
        "        c.execute(f'SELECT count(*) FROM {table}')\n"
        "        out.append(c.fetchone()[0])\n"
        "    except Exception:\n"
        "        connection.rollback() if not connection.get_autocommit() else None\n"
        "        out.append(0)\n"
        "print(*out)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=bench_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    communes, places, coverage = (int(x) for x in result.stdout.split()[-3:])
    return {"communes": communes, "places": places, "coverage": coverage}


if __name__ == "__main__":
    ensure_national_db()
    print(_counts())
