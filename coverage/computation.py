"""Nearest mediation point for many communes at once, exact on the WGS84 ellipsoid.

1. Reference points and mediation points become Earth-centred (ECEF) coordinates on the WGS84
   ellipsoid; a scipy ``cKDTree`` gives each commune its nearest candidates by straight-line
   (chord) distance.
2. The exact geodesic distance (pyproj ``Geod(ellps="WGS84")``, Karney's algorithm) is computed
   for the candidates that could be nearest: a geodesic is never shorter than its chord, so once
   the chord-nearest candidate is ``g`` metres away along the ellipsoid, only candidates whose
   chord is at most ``g`` can beat it. Rows whose candidates all pass that test are queried again
   with more candidates, so the result is exact, metropole and overseas alike (no projection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

GEOD = Geod(ellps="WGS84")
_A = 6378137.0
_E2 = 6.69437999014e-3
FIRST_CANDIDATES = 4


def ecef(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Earth-centred coordinates (metres) of points on the WGS84 ellipsoid (height 0)."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    sin_phi = np.sin(phi)
    n = _A / np.sqrt(1.0 - _E2 * sin_phi * sin_phi)
    return np.column_stack(
        (
            n * np.cos(phi) * np.cos(lam),
            n * np.cos(phi) * np.sin(lam),
            n * (1.0 - _E2) * sin_phi,
        )
    )


@dataclass
class Nearest:
    """Per origin: index of the nearest point (-1 when there is none) and geodesic metres."""

    index: np.ndarray
    distance_m: np.ndarray


def nearest_geodesic(origin_lon, origin_lat, point_lon, point_lat) -> Nearest:
    """Nearest point of every origin; among points at the very same position, the first one."""
    origin_lon = np.asarray(origin_lon, dtype=float)
    origin_lat = np.asarray(origin_lat, dtype=float)
    count = len(origin_lon)
    if count == 0 or len(point_lon) == 0:
        return Nearest(np.full(count, -1, dtype=np.int64), np.full(count, np.nan))
    # Several places often share one position (the same place from several sources): keep one,
    # so that exact ties do not force ever larger candidate lists.
    _, first = np.unique(
        np.column_stack((point_lon, point_lat)).astype(float), axis=0, return_index=True
    )
    first = np.sort(first)
    found = _nearest_unique(
        origin_lon,
        origin_lat,
        np.asarray(point_lon, dtype=float)[first],
        np.asarray(point_lat, dtype=float)[first],
    )
    return Nearest(first[found.index], found.distance_m)


def _nearest_unique(origin_lon, origin_lat, point_lon, point_lat) -> Nearest:
    count = len(origin_lon)
    index = np.full(count, -1, dtype=np.int64)
    distance = np.full(count, np.nan)
    tree = cKDTree(ecef(point_lon, point_lat))
    origins = ecef(origin_lon, origin_lat)
    pending = np.arange(count)
    k = min(FIRST_CANDIDATES, len(point_lon))
    while len(pending):
        chord, candidates = tree.query(origins[pending], k=k)
        chord = chord.reshape(len(pending), k)
        candidates = candidates.reshape(len(pending), k)
        # Exact distance to every candidate whose chord does not exceed the first one's geodesic.
        first = _geodesic(pending, candidates[:, 0], origin_lon, origin_lat, point_lon, point_lat)
        bound = first * (1 + 1e-9) + 1e-6
        rows, cols = np.nonzero(chord[:, 1:] <= bound[:, None])
        cols = cols + 1
        best = first.copy()
        best_col = np.zeros(len(pending), dtype=np.int64)
        if len(rows):
            other = _geodesic(
                pending[rows], candidates[rows, cols], origin_lon, origin_lat, point_lon, point_lat
            )
            order = np.lexsort((other, rows))
            rows, cols, other = rows[order], cols[order], other[order]
            keep = np.r_[True, rows[1:] != rows[:-1]]
            rows, cols, other = rows[keep], cols[keep], other[keep]
            better = other < best[rows]
            best[rows[better]] = other[better]
            best_col[rows[better]] = cols[better]
        # Unseen points are at least chord[:, -1] away along the ellipsoid too.
        done = (chord[:, -1] >= best) | (k == len(point_lon))
        picked = candidates[np.arange(len(pending)), best_col]
        index[pending[done]] = picked[done]
        distance[pending[done]] = best[done]
        pending = pending[~done]
        k = min(k * 4, len(point_lon))
    return Nearest(index, distance)


def _geodesic(origin_rows, point_rows, origin_lon, origin_lat, point_lon, point_lat):
    _, _, metres = GEOD.inv(
        origin_lon[origin_rows],
        origin_lat[origin_rows],
        point_lon[point_rows],
        point_lat[point_rows],
    )
    return np.asarray(metres, dtype=float)


def pairwise_geodesic(lon, lat) -> np.ndarray:
    """Square matrix of geodesic metres between points (for site suggestions, a few hundred)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    rows, cols = np.triu_indices(n, k=1)
    _, _, metres = GEOD.inv(lon[rows], lat[rows], lon[cols], lat[cols])
    matrix = np.zeros((n, n))
    matrix[rows, cols] = metres
    matrix[cols, rows] = metres
    return matrix
