"""pyogrio and geopandas, whose wheels bundle a recent GDAL (3.12), read every door.

The OGC API - Features layers through GDAL's OAPIF driver (``geopandas.read_file``), with and
without a ``where`` filter, and both exports through /vsicurl/ (what ``read_file(url)`` does
for a remote file). Each count is the server's own numberMatched. The reads run in a child
process (see reader.py).
"""

import functools

import pytest

from . import reader
from .server import (
    DEPARTEMENTS,
    REAL_TOWNS,
    api_matched,
    items_requests,
    ogc_matched,
    pushed_down,
)

# The mark makes pytest-django set up the test database (demo_server alone would not).
pytestmark = pytest.mark.django_db

# (collection, field, value): filters a GIS user types, on real places.
FILTERS = (
    [("lieux", "code_insee", code) for code in REAL_TOWNS.values()]
    + [("lieux", "departement", code) for code in DEPARTEMENTS]
    + [("communes", "departement", code) for code in DEPARTEMENTS]
    + [("communes", "code_insee", REAL_TOWNS["Digne-les-Bains"])]
)


def oapif(base: str) -> str:
    return f"OAPIF:{base}/ogc/"


@pytest.fixture(scope="module")
def child():
    """The process geopandas and pyogrio read in: ``child(function, *args, **kwargs)``."""
    with reader.child_process() as executor:
        yield lambda function, *args, **kwargs: executor.submit(function, *args, **kwargs).result(
            timeout=300
        )


@pytest.fixture(scope="module")
def downloaded(server, child):
    """Each OGC collection read whole by geopandas, once a module (a function of its id)."""
    return functools.cache(
        lambda collection: child(reader.read_file, oapif(server), layer=collection)
    )


def test_pyogrio_bundles_a_gdal_that_sends_ogc_api_features_part_2_requests(child):
    version = child(reader.gdal_version)
    assert tuple(int(n) for n in version.split(".")[:2]) >= (3, 7), version


@pytest.mark.parametrize("collection", ["lieux", "communes"])
def test_geopandas_reads_every_feature_of_each_oapif_collection(server, downloaded, collection):
    frame = downloaded(collection)
    assert len(frame) == ogc_matched(server, collection) > 0
    assert {"code_insee", "departement"} <= set(frame.columns)
    assert frame.crs.to_string() in ("OGC:CRS84", "EPSG:4326")  # lon/lat WGS84 either way
    assert frame.geometry.notna().all()


def test_geopandas_reads_the_places_of_gap_with_the_api_answer(server, downloaded):
    frame = downloaded("lieux")
    gap = frame[frame["code_insee"] == REAL_TOWNS["Gap"]]
    assert len(gap) == api_matched(server, code_insee=REAL_TOWNS["Gap"]) > 0
    assert (gap["departement"] == "05").all()


@pytest.mark.parametrize(("collection", "field", "value"), FILTERS)
def test_where_filter_counts_what_pandas_counts_on_the_downloaded_frame(
    server, child, downloaded, requests_seen, collection, field, value
):
    where = f"{field} = '{value}'"
    filtered = child(reader.read_file, oapif(server), layer=collection, where=where)
    full = downloaded(collection)
    on_the_copy = int((full[field] == value).sum())
    assert len(filtered) == on_the_copy == ogc_matched(server, collection, **{field: value}) > 0
    assert (filtered[field] == value).all()
    if collection == "lieux":
        assert len(filtered) == api_matched(server, **{field: value})
    assert pushed_down(requests_seen, collection, field, value), (
        f"GDAL filtered {where!r} after downloading: {items_requests(requests_seen)}"
    )


@pytest.fixture(scope="module")
def exports(server, child):
    """The standard exports read by pyogrio through /vsicurl/, once a module."""
    url = f"/vsicurl/{server}/api/v1/export/lieux"
    return functools.cache(lambda suffix: child(reader.read_dataframe, f"{url}.{suffix}"))


@pytest.mark.parametrize("suffix", ["geojson", "csv"])
def test_pyogrio_reads_each_export_through_vsicurl(server, downloaded, exports, suffix):
    export = exports(suffix)
    assert len(export) == ogc_matched(server, "lieux") > 0
    # The same places, by the standard's id, as the OGC API layer.
    assert set(export["id"].astype(str)) == set(downloaded("lieux")["id"].astype(str))


def test_geojson_export_and_ogc_items_put_every_place_at_the_same_position(downloaded, exports):
    export = exports("geojson").set_index(exports("geojson")["id"].astype(str))
    items = downloaded("lieux").set_index(downloaded("lieux")["id"].astype(str))
    assert export.index.is_unique and items.index.is_unique
    joined = export.geometry.to_frame("export").join(items.geometry.rename("items"), how="inner")
    assert len(joined) == len(items)
    moved = joined[
        (joined["export"].x.round(6) != joined["items"].x.round(6))
        | (joined["export"].y.round(6) != joined["items"].y.round(6))
    ]
    assert moved.empty, moved.head()
