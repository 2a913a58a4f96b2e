"""Where to open next (coverage/planning.py): which communes a site would reach is decided by
the exact geodesic on the WGS84 ellipsoid, while only the pairs near the threshold have one
computed (the Pas-de-Calais' 900 x 900 pairs took 1.5 s of the coverage page)."""

import numpy as np
import pytest

from coverage.computation import GEOD
from coverage.planning import within
from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db


def brute_force(a_lon, a_lat, b_lon, b_lat, threshold_m):
    rows, cols = np.meshgrid(np.arange(len(a_lon)), np.arange(len(b_lon)), indexing="ij")
    _, _, metres = GEOD.inv(
        a_lon[rows.ravel()], a_lat[rows.ravel()], b_lon[cols.ravel()], b_lat[cols.ravel()]
    )
    return np.asarray(metres).reshape(len(a_lon), len(b_lon)) <= threshold_m


@pytest.mark.parametrize("threshold_km", [1, 3, 7.3, 20, 41, 100])
def test_the_communes_of_04_reached_are_those_within_the_geodesic_threshold(threshold_km):
    points = [c.reference_point for c in Commune.objects.filter(departement_id="04")]
    lon = np.array([p.x for p in points])
    lat = np.array([p.y for p in points])
    reach = within(lon, lat, lon, lat, threshold_km * 1000)
    assert (reach == brute_force(lon, lat, lon, lat, threshold_km * 1000)).all()


@pytest.mark.parametrize("threshold_m", [5000, 41000, 100000])
def test_a_point_a_centimetre_inside_is_reached_and_one_outside_is_not(threshold_m):
    # from Digne-les-Bains, in eight directions, 1 cm on each side of the threshold
    azimuths = np.arange(0, 360, 45.0)
    lon0, lat0 = np.full(8, 6.2357), np.full(8, 44.0925)
    inside = GEOD.fwd(lon0, lat0, azimuths, np.full(8, threshold_m - 0.01))
    outside = GEOD.fwd(lon0, lat0, azimuths, np.full(8, threshold_m + 0.01))
    b_lon = np.concatenate([inside[0], outside[0]])
    b_lat = np.concatenate([inside[1], outside[1]])
    reach = within(lon0[:1], lat0[:1], b_lon, b_lat, threshold_m)
    assert reach[0].tolist() == [True] * 8 + [False] * 8
