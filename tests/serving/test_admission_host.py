"""The admission slots and tile budgets live in this host's folder, whatever the cache."""

from django.test import override_settings

from geo_directory import admission


def test_slots_stay_in_the_hosts_folder_when_the_cache_is_redis(settings, tmp_path):
    redis_cache = {
        **settings.CACHES,
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    with override_settings(CACHES=redis_cache, LOCAL_CACHE_DIR=str(tmp_path)):
        folder = admission.slot_folder()
    assert folder.is_relative_to(tmp_path)
    assert "redis:" not in folder.parts
