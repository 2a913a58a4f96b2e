"""A static file's URL is computed once per worker (geo_directory/static_storage.py), the same
URL as Django's storage gives, hashed by the manifest in production."""

import json
from unittest import mock

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.templatetags.static import static
from django.test import override_settings

from geo_directory import cache
from geo_directory.static_storage import ManifestStorage, PlainStorage


def test_a_static_url_is_the_storages_and_computed_once():
    cache.clear()
    with mock.patch.object(
        StaticFilesStorage, "url", autospec=True, return_value="/s/a.css"
    ) as url:
        assert PlainStorage().url("css/maillage.css") == "/s/a.css"
        assert PlainStorage().url("css/maillage.css") == "/s/a.css"
        assert PlainStorage().url("js/site.js") == "/s/a.css"
    assert url.call_count == 2  # one per name


def test_the_templates_static_urls_are_the_plain_storages():
    cache.clear()
    assert static("css/maillage.css") == StaticFilesStorage().url("css/maillage.css")
    with override_settings(STATIC_URL="/autre/"):
        assert static("css/maillage.css") == "/autre/css/maillage.css"


def test_the_manifests_hashed_names_and_debugs_plain_ones(tmp_path):
    cache.clear()
    manifest = {"paths": {"css/maillage.css": "css/maillage.0123456789ab.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = ManifestStorage(location=tmp_path, base_url="/static/")
    assert storage.url("css/maillage.css") == "/static/css/maillage.0123456789ab.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/maillage.css") == "/static/css/maillage.css"
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/absent.css")
