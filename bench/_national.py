"""A national bench database (all shared communes and places), built once and reused.

Every bench script calls ``ensure_national_db()`` first. The base database ``maillage_bench``
holds the ~35,000 communes of ../shared/data, the places of the shared files and the coverage,
loaded with the project's own import commands. It carries a stamp (table ``bench_build_stamp``)
for each stage of its build, and a stage is redone only when its stamp changes:

- ``schema``: the migration files of every app -> ``migrate`` in place;
- ``data``: the shared input files (their bytes), the import code's version (the last commit
  of the territories and places importers and their commands) and ``_load`` -> the database
  is built again, aside (``maillage_bench_building``), then swapped in (a failed build leaves
  the old one as it was); while another session is connected to it, the same imports run in
  place instead (they are idempotent, one transaction per file);
- ``coverage``: the coverage computation code's last commit -> ``compute_coverage`` in place.

A script that needs a database of its own (``MAILLAGE_BENCH_DB``, e.g. bench/coverage.py's
``maillage_bench_coverage``) gets a copy of the base, made again only when the base's stamp
changed: ``CREATE DATABASE ... TEMPLATE maillage_bench`` when no one is connected to the base,
else ``pg_dump | pg_restore``. Nothing reloads the national territories while the inputs are
unchanged.

The connection settings are the project's own (geo_directory/settings/base.py: DATABASE_URL,
else the private cluster's port of .data/pgport or PGPORT, and MAILLAGE_DB_NAME).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BASE_DB = os.environ.get("MAILLAGE_BENCH_BASE_DB", "maillage_bench")
BENCH_DB = os.environ.get("MAILLAGE_BENCH_DB", BASE_DB)
SHARED = Path(os.environ.get("MAILLAGE_SHARED_DATA", ROOT.parent / "shared" / "data"))

COG = ROOT / "fixtures/territories/decoupage-administratif-6.0.0-communes.json.gz"
COMMUNES = SHARED / "communes/communes-france-hors-12-93.geojson.gz"
DEPARTEMENTS = SHARED / "departements/departements-avec-outre-mer.geojson.gz"
PLACE_FILES = {
    "france-services": "france-services-2022-12.csv",
    "conseillers-numeriques": "conseillers-numeriques-lieux-2022-12.json",
    "data-inclusion": "lieux-mediation-numerique-data-inclusion-2023-02.json",
    "hub-du-sud": "lieux-mediation-numerique-paca-hub-du-sud-2024-09.json",
    "hinaura": "lieux-mediation-numerique-hinaura-aura-2022.json",
}
# The code whose output is the loaded data (a change rebuilds; with _load below), and the
# coverage computation (a change recomputes the coverage).
IMPORT_CODE = [
    "geo_directory/territories/importers.py",
    "geo_directory/territories/names.py",
    "geo_directory/territories/management/commands/import_territories.py",
    "places/importers/*.py",
    "places/cleaning.py",
    "places/standard.py",
    "places/opening_hours.py",
    "places/management/commands/import_places.py",
]
COVERAGE_CODE = [
    "coverage/computation.py",
    "coverage/services.py",
    "coverage/storage.py",
    "coverage/incremental.py",
    "coverage/management/commands/compute_coverage.py",
]


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def bench_env(name: str | None = None) -> dict[str, str]:
    """The environment of a process on the bench database ``name`` (default BENCH_DB)."""
    env = dict(os.environ)
    env["MAILLAGE_DB_NAME"] = name or BENCH_DB
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = _with_name(env["DATABASE_URL"], env["MAILLAGE_DB_NAME"])
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    return env


def database_settings(name: str | None = None) -> dict:
    """Django's DATABASES['default'] for the bench database, computed by the project's own
    settings module (geo_directory/settings/base.py) in the bench environment."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(bench_env(name))
    try:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        settings = runpy.run_path(str(ROOT / "geo_directory/settings/base.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return settings["DATABASES"]["default"]


def libpq_dsn(name: str | None = None) -> str:
    """The bench database as a libpq conninfo string (psycopg, pg_dump)."""
    db = database_settings(name)
    parts = {
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "dbname": db["NAME"],
    }
    parts.update({k: str(v) for k, v in db.get("OPTIONS", {}).items() if k == "sslmode"})
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


def database_url(name: str | None = None, scheme: str = "postgresql") -> str:
    """The bench database as a URL (``postgresql://user:password@host:port/name``)."""
    db = database_settings(name)
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return (
        f"{scheme}://{auth}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def manage(*args: str, quiet: bool = True, name: str | None = None) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args, *(["-v", "0"] if quiet else [])],
        cwd=ROOT,
        env=bench_env(name),
        check=True,
    )
    print(f"  manage.py {args[0]}: {time.perf_counter() - started:.1f} s", flush=True)


def setup_django():
    """Use the bench database from this process (call after ensure_national_db)."""
    os.environ.update(bench_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- stamps ------------------------------------------------------------------------------------


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes() if path.exists() else b"<absent>")
    return digest.hexdigest()[:16]


def _code(patterns: list[str]) -> list[Path]:
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def code_version(patterns: list[str]) -> str:
    """The import code's version: the last commit that changed it (uncommitted edits of the
    work tree, other engineers' work in progress, do not rebuild), else its bytes."""
    done = subprocess.run(
        ["git", "log", "-1", "--format=%H", "--", *patterns],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return (
        done.stdout.strip()[:12]
        if done.returncode == 0 and done.stdout.strip()
        else (_digest(_code(patterns)))
    )


def place_files() -> dict[str, Path]:
    """The shared place files present (a missing one is said, not an error)."""
    return {
        s: SHARED / "lieux" / n for s, n in PLACE_FILES.items() if (SHARED / "lieux" / n).exists()
    }


def stamps() -> dict[str, str]:
    """The stamp of each stage of the build, from the files on disk now."""
    inputs = [COG, COMMUNES, DEPARTEMENTS, *place_files().values()]
    return {
        "schema": _digest(
            sorted(ROOT.glob("*/migrations/0*.py"))
            + sorted(ROOT.glob("geo_directory/*/migrations/0*.py"))
        ),
        "data": _digest(inputs)
        + code_version(IMPORT_CODE)
        + hashlib.sha256(inspect.getsource(_load).encode()).hexdigest()[:8],
        "coverage": code_version(COVERAGE_CODE),
    }


STAMP_TABLE = "bench_build_stamp"


def _connect(name: str):
    import psycopg

    return psycopg.connect(libpq_dsn(name), autocommit=True)


def _exists(name: str) -> bool:
    with _connect("postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def _others_connected(name: str) -> int:
    with _connect("postgres") as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()[0]


def read_stamps(name: str) -> dict[str, str]:
    if not _exists(name):
        return {}
    with _connect(name) as conn:
        table = conn.execute("SELECT to_regclass(%s)", [STAMP_TABLE]).fetchone()[0]
        if table is None:
            return {}
        return dict(conn.execute(f"SELECT stage, stamp FROM {STAMP_TABLE}").fetchall())


def write_stamps(name: str, values: dict[str, str]) -> None:
    with _connect(name) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {STAMP_TABLE} (stage text PRIMARY KEY,"
            " stamp text NOT NULL, built_at timestamptz NOT NULL DEFAULT now())"
        )
        for stage, stamp in values.items():
            conn.execute(
                f"INSERT INTO {STAMP_TABLE} (stage, stamp) VALUES (%s, %s) ON CONFLICT (stage)"
                " DO UPDATE SET stamp = excluded.stamp, built_at = now()",
                [stage, stamp],
            )


# -- building ----------------------------------------------------------------------------------


def _load(name: str) -> None:
    """The project's own imports of the national data (idempotent)."""
    print(f"Loading the national communes into {name}…", flush=True)
    manage(
        "import_territories",
        "--cog",
        str(COG),
        "--communes",
        str(COMMUNES),
        "--departements",
        str(DEPARTEMENTS),
        name=name,
    )
    files = place_files()
    missing = sorted(set(PLACE_FILES) - set(files))
    print(
        f"Loading the places of {len(files)} shared files"
        + (f" ({', '.join(missing)} absent from {SHARED / 'lieux'})" if missing else "")
        + "…",
        flush=True,
    )
    for source, path in files.items():
        manage("import_places", str(path), "--source", source, name=name)


def _swap(built: str) -> None:
    """``built`` becomes the base; the old base is dropped once no one is connected to it
    (other benches are left to finish their run: up to 10 minutes)."""
    deadline = time.time() + 600
    while others := _others_connected(BASE_DB):
        if time.time() > deadline:
            sys.exit(f"{others} session(s) still on {BASE_DB}: the new build stays in {built}")
        print(f"  waiting for {others} session(s) on {BASE_DB} to end before the swap…", flush=True)
        time.sleep(10)
    with _connect("postgres") as conn:
        conn.execute(f'DROP DATABASE "{BASE_DB}"')
        conn.execute(f'ALTER DATABASE "{built}" RENAME TO "{BASE_DB}"')


LOCK_KEY = 13_4242  # pg_advisory_lock: one build at a time across every bench script


def ensure_base() -> dict[str, str]:
    """Bring the base database up to date with the files on disk; returns its stamps.
    Two benches started together: the second waits for the first's build, then reuses it."""
    wanted = stamps()
    if read_stamps(BASE_DB) == wanted:
        return wanted
    with _connect("postgres") as lock:
        if not lock.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
            print("Another bench is building the national database: waiting…", flush=True)
            lock.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        return _update_base(wanted)


def _update_base(wanted: dict[str, str]) -> dict[str, str]:
    have = read_stamps(BASE_DB)
    if have == wanted:
        return wanted
    started = time.perf_counter()
    if have.get("data") != wanted["data"]:
        reason = (
            "absent"
            if not _exists(BASE_DB)
            else ("no stamp" if not have else "its inputs or import code changed")
        )
        print(f"National bench database {BASE_DB}: building ({reason})…", flush=True)
        target = BASE_DB
        others = _others_connected(BASE_DB) if _exists(BASE_DB) else 0
        if others:
            # Another bench is reading it: the imports run in place (idempotent, each file in
            # one transaction) rather than making it wait for a swap.
            print(f"  {others} session(s) on {BASE_DB}: the imports run in place", flush=True)
        else:
            if _exists(BASE_DB):
                # Built aside, then swapped in: a failed build never leaves the base empty.
                target = f"{BASE_DB}_building"
            with _connect("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
                conn.execute(f'CREATE DATABASE "{target}"')
        try:
            manage("migrate", "--noinput", name=target)
            _load(target)
            manage("compute_coverage", name=target)
        except BaseException:
            if target != BASE_DB:
                with _connect("postgres") as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            raise
        if target != BASE_DB:
            write_stamps(target, wanted)
            _swap(target)
    else:
        if have.get("schema") != wanted["schema"]:
            print(f"National bench database {BASE_DB}: new migrations…", flush=True)
            manage("migrate", "--noinput", name=BASE_DB)
        if have.get("coverage") != wanted["coverage"] or have.get("schema") != wanted["schema"]:
            print(f"National bench database {BASE_DB}: coverage code changed…", flush=True)
            manage("compute_coverage", name=BASE_DB)
    with _connect(BASE_DB) as conn:
        # As autovacuum leaves a loaded database: statistics, and the visibility map that lets
        # an index-only scan skip the rows (the communes' populations for coverage figures).
        conn.execute("VACUUM (ANALYZE)")
    write_stamps(BASE_DB, wanted)
    print(f"  {BASE_DB} ready in {time.perf_counter() - started:.1f} s", flush=True)
    return wanted


def _pg_bin(tool: str) -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))
    return str(candidates[-1]) if candidates else tool


def ensure_copy(name: str, base_stamps: dict[str, str]) -> None:
    """``name``: a copy of the base, made again only when the base's stamps changed."""
    if read_stamps(name) == base_stamps:
        return
    started = time.perf_counter()
    with _connect("postgres") as conn:
        if _exists(name):
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # a bench's own copy
        if not _others_connected(BASE_DB):
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{BASE_DB}"')
            how = "CREATE DATABASE … TEMPLATE"
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
            how = "pg_dump | pg_restore (the base has sessions connected)"
    if how.startswith("pg_dump"):
        dump = subprocess.Popen(
            [_pg_bin("pg_dump"), "-Fc", "-d", libpq_dsn(BASE_DB)], stdout=subprocess.PIPE
        )
        subprocess.run(
            [_pg_bin("pg_restore"), "--no-owner", "-d", libpq_dsn(name)],
            stdin=dump.stdout,
            check=True,
        )
        if dump.wait() != 0:
            sys.exit(f"pg_dump of {BASE_DB} failed")
    write_stamps(name, base_stamps)
    print(f"  {name}: copy of {BASE_DB} by {how} in {time.perf_counter() - started:.1f} s")


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
    base = ensure_base()
    if BENCH_DB != BASE_DB:
        ensure_copy(BENCH_DB, base)


def counts(name: str | None = None) -> dict[str, int]:
    out = {}
    with _connect(name or BENCH_DB) as conn:
        for key, table in (
            ("communes", "territories_commune"),
            ("places", "places_place"),
            ("coverage", "coverage_communecoverage"),
        ):
            out[key] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return out


if __name__ == "__main__":
    ensure_national_db()
    print(counts(), read_stamps(BENCH_DB))
