"""The published data's version: what validators (``geo_directory.conditional``) and cache keys
are built from.

``DataVersion('published')`` is bumped by database triggers on every write to the source
tables (see ``tiles.models``), so one primary-key read tells every worker whether what it
cached, or what a client holds, is still current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import DataVersion

PUBLISHED = "published"


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime | None


def current() -> Version:
    row = DataVersion.objects.filter(name=PUBLISHED).values_list("version", "changed_at").first()
    return Version(*row) if row else Version(0, None)
