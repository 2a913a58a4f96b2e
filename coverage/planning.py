"""Where to open next: k new sites that would cover the most uncovered people at T km.

Candidates are the reference points of the département's communes; demand is the uncovered
communes (population at their reference point). Greedy maximum coverage: take the candidate
that covers the most still-uncovered people, remove them, repeat (within (1 - 1/e) of the best
possible choice). Distances are geodesic metres on the WGS84 ellipsoid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geo_directory.territories.models import Commune

from .computation import GEOD, ecef

MAX_SITES = 10


@dataclass
class Site:
    code: str
    nom: str
    lon: float
    lat: float
    gain: int
    communes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    threshold_km: float
    uncovered_before: int
    sites: list[Site]

    @property
    def uncovered_after(self) -> int:
        return self.uncovered_before - sum(site.gain for site in self.sites)


def within(a_lon, a_lat, b_lon, b_lat, threshold_m: float) -> np.ndarray:
    """``reach[i, j]``: the geodesic from point ``a[i]`` to point ``b[j]`` (WGS84 ellipsoid) is
    at most ``threshold_m``. Exact, without a geodesic for every pair (1.5 s for the 900 x 900
    pairs of the Pas-de-Calais): a geodesic is never shorter than its chord (straight line
    between the Earth-centred points), and longer by less than ``excess`` of it at these
    distances (1.1e-5 at 100 km; ``excess`` is a hundred times that), so only the pairs whose
    chord lies within ``excess`` below the threshold need their geodesic."""
    a = ecef(np.asarray(a_lon, dtype=float), np.asarray(a_lat, dtype=float))
    b = ecef(np.asarray(b_lon, dtype=float), np.asarray(b_lat, dtype=float))
    chord = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    excess = 1e-3 * max(1.0, (threshold_m / 100_000) ** 2)
    reach = chord * (1 + excess) <= threshold_m
    rows, cols = np.nonzero(~reach & (chord <= threshold_m))
    if len(rows):
        _, _, metres = GEOD.inv(a_lon[rows], a_lat[rows], b_lon[cols], b_lat[cols])
        reach[rows, cols] = np.asarray(metres) <= threshold_m
    return reach


def suggest_sites(departement: str, threshold_m: float, k: int, uncovered_codes) -> Plan:
    """Greedy choice of up to ``k`` sites among the communes' reference points of a département.

    ``uncovered_codes``: codes of the département's communes uncovered at ``threshold_m``.
    """
    communes = list(
        Commune.objects.in_departement(departement)
        .filter(reference_point__isnull=False)
        .order_by("code")
        .values_list("code", "nom", "population", "reference_point")
    )
    uncovered = set(uncovered_codes)
    demand = [c for c in communes if c[0] in uncovered]
    population = np.array([c[2] or 0 for c in demand], dtype=np.int64)
    plan = Plan(threshold_m / 1000, int(population.sum()), [])
    if not demand or not communes:
        return plan
    c_lon = np.array([c[3].x for c in communes])
    c_lat = np.array([c[3].y for c in communes])
    d_lon = np.array([c[3].x for c in demand])
    d_lat = np.array([c[3].y for c in demand])
    reach = within(c_lon, c_lat, d_lon, d_lat, threshold_m)
    remaining = np.ones(len(demand), dtype=bool)
    for _ in range(min(k, MAX_SITES)):
        gains = reach[:, remaining] @ population[remaining]
        best = int(np.argmax(gains))  # first best: lowest INSEE code on ties
        if gains[best] <= 0:
            break
        newly = reach[best] & remaining
        code, nom, _, point = communes[best]
        plan.sites.append(
            Site(
                code,
                nom,
                point.x,
                point.y,
                int(population[newly].sum()),
                [demand[i][0] for i in np.flatnonzero(newly)],
            )
        )
        remaining &= ~newly
    return plan
