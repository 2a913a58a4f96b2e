"""Collection extents: spatial from the layer's geometry, temporal from the rows' dates."""

import pytest
from django.db.models import Max, Min

from coverage.layer import COMMUNES
from places.layer import PLACES

from .helpers import get_json

pytestmark = pytest.mark.django_db


def test_temporal_extent_is_the_range_of_the_published_dates(client, committed_places):
    _, doc = get_json(client, "/ogc/collections/lieux")
    bounds = PLACES.rows().aggregate(start=Min("date_maj"), end=Max("date_maj"))
    interval = doc["extent"]["temporal"]["interval"][0]
    assert interval == [f"{bounds['start']}T00:00:00Z", f"{bounds['end']}T00:00:00Z"]
    # The import stores a missing or 1970-01-01 date as the import date: no epoch here.
    assert not PLACES.rows().filter(date_maj="1970-01-01").exists()
    assert not interval[0].startswith("1970")


def test_spatial_extent_is_the_layers(client, committed_places):
    _, doc = get_json(client, "/ogc/collections")
    by_id = {c["id"]: c for c in doc["collections"]}
    assert by_id["lieux"]["extent"]["spatial"]["bbox"] == [PLACES.extent()["bbox"]]
    assert by_id["communes"]["extent"]["spatial"]["bbox"] == [COMMUNES.extent()["bbox"]]
    assert "temporal" not in by_id["communes"]["extent"]
    west, south, east, north = by_id["lieux"]["extent"]["spatial"]["bbox"][0]
    assert west < 6.2 < east and south < -20.8 < 44.1 < north  # Digne and La Réunion
