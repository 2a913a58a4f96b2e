"""Places at real locations for tests (the importer's demo places complement them)."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.gis.geos import Point

from places.models import Place
from tests.towns import TOWNS

_ids = itertools.count(1)


def make_place(town: str, nom: str | None = None, *, dx=0.0, dy=0.0, **fields) -> Place:
    """A place in ``town``, moved by ``dx``/``dy`` degrees, saved."""
    lon, lat, commune, insee, postal, dep = TOWNS[town]
    number = next(_ids)
    values = {
        "import_source": "tests",
        "source_id": f"t{number}",
        "nom": nom or f"Lieu test {number} ({commune})",
        "commune": commune,
        "code_insee": insee,
        "code_postal": postal,
        "adresse": f"{number} place de la Mairie",
        "location": Point(lon + dx, lat + dy, srid=4326),
        "commune_actuelle_id": insee,
        "departement_code": dep,
        "date_maj": date(2025, 6, 1),
        "services": ["Aide aux démarches administratives"],
        "frais_a_charge": ["Gratuit"],
    }
    values.update(fields)
    return Place.objects.create(**values)
