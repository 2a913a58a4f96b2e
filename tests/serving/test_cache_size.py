"""The memory tier measures a big value on a sample of its items (geo_directory/cache.py
``size_of``): within a few per cent of walking all of them, for the shapes the cache holds."""

import pytest

from geo_directory import cache


@pytest.mark.parametrize(
    "value",
    [
        {pk: pk * 3 for pk in range(7490)},  # a place's representative, by id
        {pk: (pk, pk + 1, pk + 2)[: 1 + pk % 3] for pk in range(3700)},  # a group's members
        [{"code_insee": f"04{n:03d}", "nom": "Commune " * (n % 5 + 1), "m": n} for n in range(900)],
        [b"x" * (n % 97) for n in range(5000)],
    ],
    ids=["ids", "groups", "rows", "bytes"],
)
def test_a_big_value_is_measured_within_a_few_per_cent(value, monkeypatch):
    sampled = cache.size_of(value)
    monkeypatch.setattr(cache, "SIZE_SAMPLE", 10**9)
    walked = cache.size_of(value)
    assert abs(sampled - walked) / walked < 0.03
    assert cache.size_of({"nested": value}) > walked  # also measured inside a container
