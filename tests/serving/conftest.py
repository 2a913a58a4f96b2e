import pytest

from geo_directory import cache as response_cache


@pytest.fixture(autouse=True)
def private_response_cache(settings, tmp_path):
    """Each test starts with empty response caches of its own (hits and misses are checked)."""
    response_cache.clear()
    settings.CACHES = {
        **settings.CACHES,
        "responses": {**settings.CACHES["responses"], "LOCATION": str(tmp_path / "cache")},
    }
