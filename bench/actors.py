"""Actors at national scale: "Mon réseau" counts, mediators outside a team, search, API.

With every shared commune and place loaded (``maillage_bench_actors``, built once by
``bench/_national.py``) and FICTIONAL actors added once (a conseiller numérique at every
conseillers numériques place, a mediator at every other second place, a coordinator per
département with half its mediators as team), this times, per département:

- ours: ``network_counts(code)`` (two SQL counts), ``mediators_outside_team(coordinator)``
  (territory, team exclusion, geodesic distance to the nearest place, ordered), the search and
  ``GET /api/v1/acteurs/?departement=CODE`` in process;
- baselines: the same answers computed in Python from the rows fetched once (counts by dict,
  distances with pyproj Geod, search by normalising every name), fetch time included.

Prints medians, p95 and ratios, and checks that both ways agree. No target in the issue: these
are figures to watch.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("MAILLAGE_BENCH_DB", "maillage_bench_actors")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _national  # noqa: E402

SINCE = date(2024, 1, 1)


def add_actors(rng) -> None:
    from actors.models import Activity, Actor, TeamMembership
    from actors.querysets import search_key
    from places.models import Place

    if Actor.objects.exists():
        return
    first = ["Agathe", "Basile", "Capucine", "Damien", "Élodie", "Jean-Pierre", "Léon", "Zoé"]
    last = ["Maquette", "Esquisse", "Chimère", "Mirage", "Songe", "Fable", "Légende", "Conte"]
    places = list(Place.objects.alive().located().order_by("id").values_list("id", "import_source"))
    actors, links = [], []
    for index, (place_id, source) in enumerate(places):
        if source != "conseillers-numeriques" and index % 2:
            continue
        f, n = rng.choice(first), f"{rng.choice(last)}{index}"
        role = "conseiller_numerique" if source == "conseillers-numeriques" else "mediateur"
        actors.append(
            Actor(
                first_name=f,
                last_name=n,
                email=f"bench{index}@example.org",
                roles=[role],
                visibility_consent=rng.random() < 0.7,
                is_validated=rng.random() < 0.92,
                is_fictional=True,
                search_name=search_key(f, n),
            )
        )
        links.append(place_id)
    created = Actor.objects.bulk_create(actors, batch_size=2000)
    Activity.objects.bulk_create(
        [
            Activity(actor=a, place_id=p, start_date=SINCE)
            for a, p in zip(created, links, strict=True)
        ],
        batch_size=5000,
    )
    by_dep = {}
    for actor_id, dep in Activity.objects.values_list("actor", "place__departement_code"):
        by_dep.setdefault(dep, []).append(actor_id)
    memberships = []
    for dep, members in sorted(by_dep.items()):
        if not dep:
            continue
        coordinator = Actor(
            first_name="Coordination",
            last_name=dep,
            roles=["coordinateur"],
            is_validated=True,
            is_fictional=True,
        )
        coordinator.save()
        coordinator.territory_departements.set([dep])
        memberships += [
            TeamMembership(coordinator=coordinator, member_id=m, start_date=SINCE)
            for m in members[::2]
        ]
    TeamMembership.objects.bulk_create(memberships, batch_size=5000)
    print(f"  added {len(created)} fictional actors, {len(by_dep)} coordinators", flush=True)


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def summary(name, ours, baseline=None):
    line = f"{name:42s} median {statistics.median(ours):7.2f} ms  p95 {p95(ours):7.2f} ms"
    if baseline:
        ratio = statistics.median(baseline) / statistics.median(ours)
        line += f"  | baseline median {statistics.median(baseline):8.2f} ms  (x{ratio:.1f})"
    print(line, flush=True)


def p95(values):
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def python_counts(code):
    """Baseline: fetch the rows, count in Python."""
    from actors.models import Activity, Actor, Employment
    from places.models import Place

    today = date.today()
    validated = set(Actor.objects.validated().values_list("id", flat=True))
    mediators = set(Actor.objects.validated().mediators().values_list("id", flat=True))
    actors, with_mediator = set(), set()
    for model in (Activity, Employment):
        rows = model.objects.filter(place__departement_code=code, place__deleted_at=None)
        for actor, place, start, end in rows.values_list(
            "actor", "place", "start_date", "end_date"
        ):
            if start <= today and (end is None or end > today):
                if actor in validated:
                    actors.add(actor)
                if model is Activity and actor in mediators:
                    with_mediator.add(place)
    places = Place.objects.alive().in_departement(code).values_list("id", "is_visible")
    return {
        "actors": len(actors),
        "places": sum(1 for pk, visible in places if visible or pk in with_mediator),
    }


def python_outside(coordinator):
    """Baseline: candidates fetched, geodesic distances with pyproj, sorted in Python."""
    from pyproj import Geod

    from actors.models import Activity, Actor
    from actors.querysets import coordinator_origin, territory_places

    origin = coordinator_origin(coordinator)
    team = set(Actor.objects.team_of(coordinator).values_list("id", flat=True))
    eligible = set(Actor.objects.active_mediators().values_list("id", flat=True))
    rows = (
        Activity.objects.current()
        .filter(place__in=territory_places(coordinator), place__location__isnull=False)
        .values_list("actor", "place__location")
    )
    geod, best = Geod(ellps="WGS84"), {}
    for actor, point in rows:
        if actor in team or actor not in eligible or actor == coordinator.pk:
            continue
        metres = geod.inv(origin.x, origin.y, point.x, point.y)[2]
        best[actor] = min(metres, best.get(actor, metres))
    return dict(sorted(best.items(), key=lambda item: (item[1], item[0])))


def main():
    _national.ensure_national_db()
    _national.setup_django()
    from django.test import Client

    from actors.models import Actor
    from actors.querysets import mediators_outside_team, network_counts, normalize_name

    rng = random.Random(2026)
    add_actors(rng)
    coordinators = list(Actor.objects.coordinators().prefetch_related("territory_departements"))
    codes = [c.territory_departements.all()[0].code for c in coordinators]
    print(f"  {Actor.objects.count()} actors, {len(codes)} départements", flush=True)

    ours, base = [], []
    for code in codes:
        ms, counts = timed(network_counts, code)
        ours.append(ms)
        ms, expected = timed(python_counts, code)
        base.append(ms)
        assert counts == expected, (code, counts, expected)
    summary("network_counts (Mon réseau), per dép.", ours, base)

    ours, base, worst = [], [], 0.0
    for coordinator in coordinators:
        ms, result = timed(lambda c: list(mediators_outside_team(c)), coordinator)
        ours.append(ms)
        ms, expected = timed(python_outside, coordinator)
        base.append(ms)
        assert {a.pk for a in result} == set(expected), coordinator
        geodesic = [expected[a.pk] for a in result]
        worst = max([worst, *(abs(a.distance_m - expected[a.pk]) for a in result)])
        assert all(b >= a - 1 for a, b in itertools.pairwise(geodesic)), coordinator
    summary("mediators_outside_team, per coordinator", ours, base)
    print(f"  same mediators, nearest first; worst gap to pyproj Geod: {worst:.3f} m")

    names = list(Actor.objects.values_list("first_name", "last_name")[:: max(1, len(codes))])[:200]
    everyone = list(Actor.objects.values_list("id", "first_name", "last_name"))
    ours, base = [], []
    for first, last in names:
        text = f"{last.upper()} {first}"
        ms, found = timed(lambda t: set(Actor.objects.search(t).values_list("id", flat=True)), text)
        ours.append(ms)
        started = time.perf_counter()
        key = normalize_name(text)
        expected = {
            i
            for i, f, n in everyone
            if key in normalize_name(f + n) or key in normalize_name(n + f)
        }
        base.append((time.perf_counter() - started) * 1000)
        assert found >= expected, text
    summary("search (name, either order), national", ours, base)

    client, ours = Client(), []
    for code in codes:
        ms, response = timed(client.get, f"/api/v1/acteurs/?departement={code}")
        assert response.status_code == 200
        ours.append(ms)
    summary("GET /api/v1/acteurs/?departement= (20/page)", ours)


if __name__ == "__main__":
    main()
