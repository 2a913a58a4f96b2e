"""The cache keys carry the installed code's release (geo_directory/cache.py): after a deploy,
an anonymous visitor gets a page rendered by the new code, not the previous code's page kept
until the next write (issue 11)."""

import pytest

from geo_directory import cache as response_cache

pytestmark = pytest.mark.django_db


def test_a_new_release_never_reads_what_the_previous_one_cached(settings):
    settings.RELEASE = "2026-12-01-a"
    parts = (response_cache.version(), "04")
    response_cache.put("home-page", parts, b"old markup")
    assert response_cache.get("home-page", parts) == b"old markup"
    settings.RELEASE = "2026-12-01-b"  # a deploy: same data version, new code
    assert response_cache.get("home-page", parts) is None
    settings.RELEASE = "2026-12-01-a"
    assert response_cache.get("home-page", parts) == b"old markup"


def test_an_anonymous_page_is_rendered_again_after_a_deploy(client, settings, monkeypatch):
    settings.RELEASE = "before"
    client.get("/")
    seen = []
    original = response_cache.get

    def spy(namespace, parts, **options):
        value = original(namespace, parts, **options)
        seen.append((namespace, value is not None))
        return value

    monkeypatch.setattr(response_cache, "get", spy)
    client.get("/")
    settings.RELEASE = "after"
    client.get("/")
    assert seen == [("home-page", True), ("home-page", False)]


def test_without_a_setting_the_release_is_a_hash_of_the_installed_code(settings):
    settings.RELEASE = ""
    computed = response_cache.release()
    assert len(computed) == 16 and int(computed, 16) >= 0
    assert response_cache.release() == computed  # once per process, the same in every worker
