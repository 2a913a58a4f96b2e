"""The one cache (geo_directory/cache.py) is bounded in bytes, in memory and on disk, and keyed
by the one data version: a put over a budget evicts the least recently used entries, a write to
the data makes older entries unreachable, a value over the per-entry limit is stored nowhere."""

import os
import time

import pytest
from django.core.cache import caches
from django.db.models import F

from coverage.models import CommuneCoverage
from geo_directory import cache
from places.models import Place

pytestmark = pytest.mark.django_db

KB = 1024


def text(kb: int, fill: str = "x") -> str:
    return fill * (kb * KB)


def test_a_put_over_the_memory_budget_evicts_the_least_recently_used(settings):
    one = cache.size_of(text(100))
    settings.CACHE_MEMORY_BYTES = 3 * one + KB
    settings.CACHE_ENTRY_MAX_BYTES = 2 * one
    version = cache.version()
    for name in "abc":
        assert cache.put("bounds", (version, name), text(100, name), shared=False)
    assert cache.get("bounds", (version, "a"), shared=False) is not None  # a: used last
    cache.put("bounds", (version, "d"), text(100, "d"), shared=False)
    kept = {n for n in "abcd" if cache.get("bounds", (version, n), shared=False) is not None}
    assert kept == {"a", "c", "d"}  # b was the least recently used
    assert cache.MEMORY.bytes <= settings.CACHE_MEMORY_BYTES
    assert cache.MEMORY.bytes == 3 * one


def test_a_smaller_budget_applies_at_the_next_put(settings):
    version = cache.version()
    for name in "abcdef":
        cache.put("bounds", (version, name), text(50, name), shared=False)
    settings.CACHE_MEMORY_BYTES = cache.size_of(text(50)) * 2
    cache.put("bounds", (version, "g"), text(50, "g"), shared=False)
    assert cache.MEMORY.bytes <= settings.CACHE_MEMORY_BYTES
    assert cache.get("bounds", (version, "g"), shared=False) is not None
    assert cache.get("bounds", (version, "a"), shared=False) is None


def disk_budget(settings, tmp_path, max_bytes: int):
    settings.CACHES = {
        **settings.CACHES,
        "responses": {
            **settings.CACHES["responses"],
            "LOCATION": str(tmp_path / "bounded"),
            "OPTIONS": {"MAX_BYTES": max_bytes},
        },
    }
    return caches[cache.ALIAS]


def test_a_put_over_the_disk_budget_removes_the_least_recently_used_files(settings, tmp_path):
    disk = disk_budget(settings, tmp_path, 240 * KB)
    version = cache.version()
    random = {name: os.urandom(50 * KB) for name in "abcdef"}  # incompressible: 50 KB files
    for name in "abcd":
        cache.put("bounds", (version, name), random[name])
        time.sleep(0.01)  # distinct file times
    cache.clear()  # another worker: it reads the disk
    assert cache.get("bounds", (version, "a")) == random["a"]  # a read refreshes its file
    time.sleep(0.01)
    for name in "ef":
        cache.put("bounds", (version, name), random[name])
        time.sleep(0.01)
    assert disk.total_bytes() <= 240 * KB
    cache.clear()
    on_disk = {n for n in "abcdef" if cache.get("bounds", (version, n)) == random[n]}
    assert {"a", "e", "f"} <= on_disk and "b" not in on_disk  # b: the least recently used


def test_both_tiers_are_configured_in_bytes(settings):
    disk = settings.CACHES["responses"]
    assert disk["BACKEND"] == "geo_directory.cache.BoundedFileCache"
    assert disk["OPTIONS"]["MAX_BYTES"] > 0 and "MAX_ENTRIES" not in disk["OPTIONS"]
    assert 0 < settings.CACHE_ENTRY_MAX_BYTES <= settings.CACHE_MEMORY_BYTES // 4


def test_a_value_over_the_entry_limit_is_stored_nowhere(settings, tmp_path):
    disk = disk_budget(settings, tmp_path, 10 * 2**20)
    settings.CACHE_ENTRY_MAX_BYTES = 100 * KB
    version = cache.version()
    built = []

    def build():
        built.append(1)
        return text(200)

    for _ in range(2):
        value, hit = cache.get_or_build("bounds", (version, "big"), build)
        assert len(value) == 200 * KB and not hit
    assert len(built) == 2  # built each time: never stored
    assert cache.MEMORY.bytes == 0 and disk.total_bytes() == 0
    assert cache.put("bounds", (version, "small"), text(10))


def test_a_write_makes_older_entries_unreachable():
    before = cache.version()
    cache.put("bounds", (before, "answer"), "built before the write")
    Place.objects.filter(departement_code="04").update(nom=F("nom"))  # any write, even a no-op
    after = cache.version()
    assert after != before
    assert cache.get("bounds", (after, "answer")) is None
    assert cache.get("bounds", (before, "answer")) == "built before the write"


def test_the_stored_coverage_moves_the_one_version():
    """Tiles, the communes layer and OGC show the stored coverage: its update is a write."""
    before = cache.version()
    CommuneCoverage.objects.filter(commune_id="04070").update(distance_m=F("distance_m"))
    assert cache.version() != before


def test_a_key_without_the_data_version_is_refused():
    with pytest.raises(TypeError, match="Version"):
        cache.put("bounds", ("no version",), "x")


def test_tiles_are_kept_in_the_one_cache_their_bytes_counted(client, settings):
    settings.CACHE_MEMORY_BYTES = 400 * KB
    sizes = []
    for z, x, y in [(5, 16, 11), (6, 33, 23), (7, 66, 46), (8, 133, 93), (8, 132, 92)]:
        response = client.get(f"/tiles/communes/{z}/{x}/{y}.pbf")
        assert response.status_code in (200, 204)
        sizes.append(len(response.content))
        assert cache.MEMORY.bytes <= settings.CACHE_MEMORY_BYTES
    assert sum(sizes) > 0
    again = client.get("/tiles/communes/8/132/92.pbf")
    assert again["X-Tile-Cache"] == "hit"
