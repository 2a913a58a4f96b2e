"""The static files' storages: each URL computed once per worker.

Django's ``{% static %}`` asks the storage for a file's URL on every rendering (the manifest's
hashed name, then ``urljoin`` and quoting: ~25 µs, six of them per page, a tenth of the search
page's base template). A worker's manifest is read once, at its start, so a name's URL does
not change in its life: each is kept by the one cache's ``memo`` (namespace ``static-url``,
keyed by the storage's class and base URL, the name and ``DEBUG``, under which the manifest
storage gives unhashed names)."""

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from . import cache


class KeptURLs:
    def url(self, name, *args, **kwargs):
        return cache.memo(
            "static-url",
            (
                type(self).__name__,
                self.base_url,
                name,
                args,
                tuple(sorted(kwargs.items())),
                settings.DEBUG,
            ),
            lambda: super(KeptURLs, self).url(name, *args, **kwargs),
        )


class ManifestStorage(KeptURLs, CompressedManifestStaticFilesStorage):
    """Production: whitenoise's compressed, hashed files (``collectstatic``)."""


class PlainStorage(KeptURLs, StaticFilesStorage):
    """Tests and a fresh clone: the files as they are in the apps' folders."""
