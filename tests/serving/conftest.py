import pytest


@pytest.fixture(autouse=True)
def private_response_cache(settings, tmp_path):
    """Each test starts with an empty response cache of its own (hits and misses are checked)."""
    settings.CACHES = {
        **settings.CACHES,
        "responses": {**settings.CACHES["responses"], "LOCATION": str(tmp_path / "cache")},
    }
