"""The admission's numbers come from the environment, and a wrong one stops the start with a
message naming it (geo_directory/settings/base.py ``env_positive``)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from geo_directory.settings.base import env_positive


def test_a_set_value_is_read_and_an_unset_one_is_the_default(monkeypatch):
    monkeypatch.setenv("MAILLAGE_COSTLY_MS", "80")
    assert env_positive("MAILLAGE_COSTLY_MS", 50, "millisecondes") == 80.0
    monkeypatch.delenv("MAILLAGE_COSTLY_MS")
    assert env_positive("MAILLAGE_COSTLY_MS", 50, "millisecondes") == 50


@pytest.mark.parametrize("text", ["0", "-3", "vite", "nan"])
def test_a_wrong_value_is_refused_by_name(monkeypatch, text):
    monkeypatch.setenv("MAILLAGE_TILE_SHARE", text)
    with pytest.raises(ImproperlyConfigured, match="MAILLAGE_TILE_SHARE.*positif"):
        env_positive("MAILLAGE_TILE_SHARE", 0.5, "workers")
