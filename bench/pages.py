"""bench/pages.py: the first view of every HTML page, on the demo and on national data (issues
11 and 13: "every page's first view under 1 s").

The HTML routes are read from the URL resolver (a route this script does not know is listed, so
a new page is never silently left out), each with realistic arguments: départements 04, 05 and
974, a commune, a place, a public actor, the coverage page at a new threshold, and the
coordinator pages signed in as the demo coordinator of 04. Routes that are not HTML pages (API,
tiles, exports, admin, POST-only) are named as skipped.

For each database, a working copy is made (``<db>_pages``, from a pristine copy
``<db>_pages_base`` kept while the source's data version holds: the bench writes once, the
shared databases stay untouched), the site is served as ``make demo`` serves it
(gunicorn, 2 sync workers) with an empty cache folder, each worker's first request made (the
health check), then:

1. every page's FIRST view;
2. one write through the ORM (a place renamed: triggers bump the data version, the incremental
   coverage runs), then every page's first view again.

Table per database: page, status, first view and first view after the write (ms), bytes,
slowest first; ``>=1s`` marks a view of 1 s or more. A non-2xx answer is shown as its status,
never as a figure, and makes the run fail. On national data (``maillage_bench``, bench/
_national.py) the copy has no actors: a coordinator of 04 with a small team is made in it.

    .venv/bin/python bench/pages.py [--only demo|national] [--port 8320] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _national import BENCH_DB, ROOT, ensure_national_db  # noqa: E402
from _wrk import Gunicorn  # noqa: E402

LIMIT_S = 1.0
DEMO_DB = os.environ.get("MAILLAGE_DEMO_DB", "maillage")
COORDINATOR = ("coordination-04", "maillage-demo-04")

# Routes (by name) that are not HTML pages read with a GET, and why.
SKIPPED = {
    "healthz": "health check",
    "actors:invite": "POST only (the form is on /mon-equipe/)",
    "actors:add-activity": "POST only (the form is on /mon-profil/)",
    "actors:answer-invitation": "the invited mediator's own page (their login)",
    "actors:confirm-email": "a link with an e-mailed token",
    "logout": "POST only",
    "places:api-list": "API",
    "places:api-detail": "API",
    "places:export-geojson": "export file",
    "places:export-csv": "export file",
    "places:commune-suggestions": "JSON suggestions",
    "actors:export": "spreadsheet export",
    "actors:api-list": "API",
    "actors:api-network": "API",
    "coverage:priorities-csv": "spreadsheet export",
    "coverage:priorities-geojson": "export file",
    "coverage:communes-geojson": "fetched by each coverage map: a row '+ contours' below it",
    "coverage:api-communes": "API",
    "coverage:api-departements": "API",
    "coverage:api-departement": "API",
    "api-schema": "OpenAPI document (YAML)",
    "ogc:landing-without-slash": "same page as ogc:landing",
    "ogc:conformance": "JSON",
    "ogc:openapi": "OpenAPI document",
    "ogc:schema": "JSON schema",
    "ogc:schema-xsd": "XML schema",
    "tiles:tilejson": "TileJSON",
    "tiles:tile": "vector tile",
}


def psql_env() -> dict:
    port = (ROOT / ".data" / "pgport").read_text().strip()
    return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": port, "PGUSER": "postgres"}


def psql(database: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-d", database, "-Atc", sql], env=psql_env(), capture_output=True, text=True
    )
    return result.stdout.strip() if result.returncode == 0 else ""


VERSION_SQL = "SELECT version, changed_at FROM coverage_directoryversion WHERE id = 1"


def copy_database(source: str) -> str:
    """A private working copy of ``source`` (``<source>_pages``), made afresh each run from a
    pristine copy (``<source>_pages_base``, by ``CREATE DATABASE … TEMPLATE``, seconds); the
    pristine copy is made again (``pg_dump | pg_restore``, minutes on national data) only when
    the source's data version moved."""
    pristine, target = f"{source}_pages_base", f"{source}_pages"
    env = psql_env()
    started = time.perf_counter()
    wanted = psql(source, VERSION_SQL)
    if not wanted or psql(pristine, VERSION_SQL) != wanted:
        subprocess.run(["dropdb", "--if-exists", "--force", pristine], env=env, check=True)
        subprocess.run(["createdb", pristine], env=env, check=True)
        dump = subprocess.Popen(["pg_dump", "-Fc", source], env=env, stdout=subprocess.PIPE)
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", pristine],
            env=env,
            stdin=dump.stdout,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        dump.wait()
        print(f"  copy {source} -> {pristine}: {time.perf_counter() - started:.1f} s", flush=True)
    subprocess.run(["dropdb", "--if-exists", "--force", target], env=env, check=True)
    subprocess.run(["createdb", "-T", pristine, target], env=env, check=True)
    subprocess.run(  # the copy as the code expects it (the source may predate a migration)
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, "MAILLAGE_DB_NAME": target},
        check=True,
    )
    print(f"  working copy {target}: {time.perf_counter() - started:.1f} s", flush=True)
    return target


def drop_database(name: str) -> None:
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=psql_env(), check=False)


def django_shell(database: str, code: str, **extra: str) -> str:
    env = {
        **os.environ,
        "MAILLAGE_DB_NAME": database,
        "PAGES_LOGIN": ":".join(COORDINATOR),
        **extra,
    }
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"manage.py shell on {database} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# Samples from the copy: one line of "name=value" per argument the routes need.
SAMPLES = r"""
from django.contrib.auth import get_user_model
from actors.models import Activity, Actor, Invitation, TeamMembership
from geo_directory.territories.models import Commune
from places.models import Place
from django.utils import timezone

User = get_user_model()
import os
username, password = os.environ["PAGES_LOGIN"].split(":", 1)
from actors.demo import ensure_accounts
ensure_accounts()  # the demo logins as printed by make demo (repaired in the copy)
coordinator = Actor.objects.filter(user__username=username).first()
if coordinator is None:
    # national data has no actors: a validated coordinator of 04 and a team of five mediators
    # working at five public places of 04
    user = User.objects.create_user(username, password=password)
    coordinator = Actor.objects.create(
        user=user, first_name="Camille", last_name="Coordination", roles=["coordinateur"],
        is_validated=True, is_fictional=True, email="coordination-04@example.org")
    coordinator.territory_departements.add("04")
    today = timezone.localdate()
    for n, place in enumerate(Place.objects.public().filter(departement_code="04")[:5]):
        member = Actor.objects.create(
            first_name="Dominique", last_name=f"Mediation{n}", roles=["mediateur"],
            is_validated=True, is_fictional=True, visibility_consent=True)
        Activity.objects.create(actor=member, place=place, start_date=today)
        TeamMembership.objects.create(coordinator=coordinator, member=member, start_date=today)
member = Actor.objects.team_of(coordinator).order_by("pk").first()
public = Actor.objects.filter(visibility_consent=True, deleted_at=None)
actor = public.filter(activities__place__departement_code="04").order_by("pk").first()
actor = actor or public.order_by("pk").first()
place = Place.objects.public().filter(departement_code="04").order_by("pk").first()
commune = Commune.objects.filter(code="04070").first() or Commune.objects.order_by("code").first()
activity = Activity.objects.filter(actor=coordinator, end_date=None).order_by("pk").first()
invitation = Invitation.objects.filter(coordinator=coordinator, status="sent").first()
if invitation is None:  # a pending invitation to cancel
    invitation = Invitation.objects.create(coordinator=coordinator, email="invite@example.org")
if activity is None:  # an activity of the coordinator to end (at a place of 04)
    activity = Activity.objects.create(
        actor=coordinator, place=place, start_date=timezone.localdate())
print("place=%s" % place.pk)
print("commune=%s" % commune.code)
print("actor=%s" % (actor.pk if actor else ""))
print("member=%s" % (member.pk if member else ""))
print("activity=%s" % (activity.pk if activity else ""))
print("invitation=%s" % (invitation.pk if invitation else ""))
"""

WRITE = r"""
from places.models import Place
place = Place.objects.public().filter(departement_code="04").order_by("pk").first()
place.nom = place.nom + " (mis à jour)"
place.save()
from geo_directory import cache
print(cache.version().number)
"""


def samples(database: str) -> dict[str, str]:
    out = django_shell(database, SAMPLES)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def html_routes() -> list[tuple[str, str]]:
    """(name, route) of every route of the resolver, included apps' namespaces joined."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import URLPattern, URLResolver, get_resolver

    found = []

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), space)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((namespace + entry.name, prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns)
    return found


def pages(s: dict[str, str]) -> dict[str, list[tuple[str, str, bool]]]:
    """route name -> [(label, path, signed in)]."""
    deps = ["04", "05", "974"]
    signed = True
    table = {
        "home": [("/", "/", False)],
        "login": [("/connexion/", "/connexion/", False)],
        "password_reset": [("/mot-de-passe/oublie/", "/mot-de-passe/oublie/", False)],
        "password_reset_done": [("mot de passe : envoyé", "/mot-de-passe/oublie/envoye/", False)],
        "password_reset_confirm": [
            ("mot de passe : lien périmé", "/mot-de-passe/nouveau/MQ/bad-token/", False)
        ],
        "password_reset_complete": [
            ("mot de passe : terminé", "/mot-de-passe/nouveau/termine/", False)
        ],
        "places:search": [
            ("/lieux/", "/lieux/", False),
            ("/lieux/ commune, 10 km", f"/lieux/?commune={s['commune']}&rayon=10", False),
            ("/lieux/ Lyon, 10 km", "/lieux/?commune=Lyon&rayon=10", False),
        ],
        "places:detail": [("/lieux/<lieu>/", f"/lieux/{s['place']}/", False)],
        "places:departement": [
            (f"/mon-reseau/{d}/lieux/", f"/mon-reseau/{d}/lieux/", False) for d in deps
        ],
        "actors:network-picker": [("/mon-reseau/", "/mon-reseau/", False)],
        "actors:network": [(f"/mon-reseau/{d}/", f"/mon-reseau/{d}/", False) for d in deps],
        "actors:directory": [
            (f"/mon-reseau/{d}/acteurs/", f"/mon-reseau/{d}/acteurs/", False) for d in deps
        ],
        "actors:team": [("/mon-equipe/ (coord.)", "/mon-equipe/", signed)],
        "actors:profile": [("/mon-profil/ (coord.)", "/mon-profil/", signed)],
        "coverage:national": [
            ("/couverture/", "/couverture/", False),
            ("/couverture/ 17 km, tous lieux", "/couverture/?seuil_libre=17&base=places", False),
        ],
        "coverage:map": [
            *[(f"/couverture/{d}/", f"/couverture/{d}/", False) for d in deps],
            ("/couverture/04/ 7,3 km", "/couverture/04/?seuil_libre=7.3&sites=5", False),
            (
                "/couverture/04/ tous lieux 23 km",
                "/couverture/04/?base=places&seuil_libre=23",
                False,
            ),
            ("/couverture/59/ 13 km", "/couverture/59/?seuil_libre=13", False),
            ("/couverture/62/ 41 km", "/couverture/62/?seuil_libre=41", False),
            ("/couverture/04/ (coord.)", "/couverture/04/", signed),
            ("/couverture/04/ mon équipe", "/couverture/04/?perimetre=equipe", signed),
        ],
        "api-docs": [("/api/docs/", "/api/docs/", False)],
        "api-redoc": [("/api/redoc/", "/api/redoc/", False)],
        "ogc:landing": [("/ogc/ html", "/ogc/?f=html", False)],
        "ogc:collections": [("/ogc/collections html", "/ogc/collections?f=html", False)],
        "ogc:collection": [("/ogc/collections/lieux html", "/ogc/collections/lieux?f=html", False)],
        "ogc:queryables": [
            ("/ogc/…/lieux/queryables html", "/ogc/collections/lieux/queryables?f=html", False)
        ],
        "ogc:items": [
            ("/ogc/…/lieux/items html", "/ogc/collections/lieux/items?f=html", False),
            ("/ogc/…/communes/items html", "/ogc/collections/communes/items?f=html", False),
        ],
        "ogc:item": [
            (
                "/ogc/…/lieux/items/<lieu> html",
                f"/ogc/collections/lieux/items/{s['place']}?f=html",
                False,
            )
        ],
        "tiles:map": [("/tiles/", "/tiles/", False)],
    }
    if s.get("actor"):
        table["actors:detail"] = [("/acteurs/<acteur>/", f"/acteurs/{s['actor']}/", False)]
    if s.get("member"):
        table["actors:remove"] = [
            ("/mon-equipe/retirer/<m>/ (coord.)", f"/mon-equipe/retirer/{s['member']}/", signed)
        ]
    if s.get("activity"):
        table["actors:end-activity"] = [
            (
                "/mon-profil/lieux/<a>/terminer/",
                f"/mon-profil/lieux/{s['activity']}/terminer/",
                signed,
            )
        ]
    if s.get("invitation"):
        table["actors:cancel-invitation"] = [
            (
                "/mon-equipe/invitations/<i>/annuler/",
                f"/mon-equipe/invitations/{s['invitation']}/annuler/",
                signed,
            )
        ]
    return table


class Browser:
    """One visitor: a cookie jar, a login through the site's own form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, float, int, bytes]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        return status, time.perf_counter() - started, len(body), body

    def login(self, username: str, password: str) -> None:
        status, _, _, body = self.get("/connexion/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (http only)
            self.base + "/connexion/", data=data, headers={"Referer": self.base + "/connexion/"}
        )
        with self.opener.open(request, timeout=60):
            pass
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise RuntimeError(f"login as {username} failed")


def first_views(site: Gunicorn, table, order) -> dict[str, tuple[int, float, int]]:
    """Each page once, anonymous pages without any cookie, coordinator pages signed in."""
    signed_in = Browser(site.url)
    signed_in.login(*COORDINATOR)
    results = {}
    for name in order:
        for label, path, signed in table[name]:
            visitor = signed_in if signed else Browser(site.url)
            status, seconds, size, body = visitor.get(path)
            results[label] = (status, seconds, size, path)
            shapes = re.search(rb'fetch\("(/couverture/[^"]+/communes\.geojson[^"]*)"', body)
            if shapes:  # what the coverage map fetches as it opens: part of its first view
                url = shapes.group(1).decode()
                status, seconds, size, _ = visitor.get(url)
                results[f"{label} + contours"] = (status, seconds, size, url)
    return results


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[:3].__str__()


def report(title: str, before: dict, after: dict) -> tuple[int, int]:
    """Print the table, slowest first; (views >= 1 s, non-2xx answers)."""
    print(f"\n{title}")
    print(f"{'page':44} {'status':>6} {'first view':>11} {'after write':>12} {'bytes':>10}")
    over = failed = 0

    def cell(result):
        nonlocal over, failed
        status, seconds, _, _ = result
        if not 200 <= status < 300:
            failed += 1
            return f"({status})"
        over += seconds >= LIMIT_S
        return f"{seconds * 1000:.0f} ms" + (" >=1s" if seconds >= LIMIT_S else "")

    def worst(label):
        return max(r[1] if 200 <= r[0] < 300 else 99 for r in (before[label], after[label]))

    for label in sorted(before, key=worst, reverse=True):
        a, b = before[label], after[label]
        status = a[0] if a[0] == b[0] else f"{a[0]}/{b[0]}"
        print(f"{label[:44]:44} {status!s:>6} {cell(a):>11} {cell(b):>12} {a[2]:>10,}")
    return over, failed


def run(database: str, port: int, keep: bool) -> tuple[int, int]:
    copy = copy_database(database)
    cache_dir = Path(tempfile.mkdtemp(prefix="maillage-pages-cache-"))
    export_dir = Path(tempfile.mkdtemp(prefix="maillage-pages-exports-"))
    static_dir = Path(tempfile.mkdtemp(prefix="maillage-pages-static-"))
    try:
        values = samples(copy)
        table = pages(values)
        routes = html_routes()
        unknown = [n for n, _ in routes if n not in table and n not in SKIPPED]
        missing = [n for n, _ in routes if n not in table and n in SKIPPED]
        print(
            f"  {len(table)} routes of {len(routes)} as pages; skipped: {len(missing)} (API, "
            "tiles, exports, POST only)"
            + (f"; NOT COVERED: {', '.join(unknown)}" if unknown else "")
        )
        env = {
            **os.environ,
            "MAILLAGE_DB_NAME": copy,
            "DJANGO_SETTINGS_MODULE": "geo_directory.settings.local",
            "MAILLAGE_CACHE_DIR": str(cache_dir),
            "MAILLAGE_EXPORT_DIR": str(export_dir),
            "STATIC_ROOT": str(static_dir),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        order = [name for name, _ in routes if name in table]
        with Gunicorn("geo_directory.wsgi", port, env, ROOT) as site:
            for _ in range(4):  # each worker's first request (imports, connection)
                Browser(site.url).get("/healthz")
            print(f"  load before: {uptime()}", flush=True)
            before = first_views(site, table, order)
            # written as a worker would: what the write keeps for the readers (the groups of
            # one real place...) goes to the server's cache folder
            version = django_shell(copy, WRITE, MAILLAGE_CACHE_DIR=str(cache_dir))
            version = version.strip().splitlines()[-1]
            print(f"  write: a place of 04 renamed (data version {version})", flush=True)
            after = first_views(site, table, order)
            print(f"  load after: {uptime()}", flush=True)
        return report(f"{database} (copy {copy}), gunicorn 2 workers, empty cache", before, after)
    finally:
        for folder in (cache_dir, export_dir, static_dir):
            shutil.rmtree(folder, ignore_errors=True)
        if not keep:
            drop_database(copy)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["demo", "national"])
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("MAILLAGE_PAGES_PORT", 8320))
    )
    parser.add_argument("--keep", action="store_true", help="keep the working copies")
    parser.add_argument(
        "--reuse", action="store_true", help="take the national bench database as it is"
    )
    args, _ = parser.parse_known_args()
    print(f"machine load: {uptime()}")
    totals = []
    if args.only in (None, "demo"):
        print(f"\n--- demo database ({DEMO_DB})", flush=True)
        totals.append(run(DEMO_DB, args.port, args.keep))
    if args.only in (None, "national"):
        print(f"\n--- national bench database ({BENCH_DB})", flush=True)
        if not args.reuse:
            ensure_national_db()
        totals.append(run(BENCH_DB, args.port + 1, args.keep))
    over = sum(o for o, _ in totals)
    failed = sum(f for _, f in totals)
    print(
        f"\npages: {over} first view(s) >= 1 s, {failed} non-2xx answer(s): "
        + ("targets met" if not (over or failed) else "targets MISSED")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
