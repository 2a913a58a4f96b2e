"""Places at real locations for tests (the importer's demo places complement them)."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.gis.geos import Point

from places.models import Place

_ids = itertools.count(1)

# (lon, lat, commune, code INSEE, code postal, département)
TOWNS = {
    "digne": (6.2357, 44.0925, "Digne-les-Bains", "04070", "04000", "04"),
    "barcelonnette": (6.6517, 44.3868, "Barcelonnette", "04019", "04400", "04"),
    "sisteron": (5.9437, 44.1955, "Sisteron", "04209", "04200", "04"),
    "manosque": (5.7868, 43.8329, "Manosque", "04112", "04100", "04"),
    "forcalquier": (5.7800, 43.9597, "Forcalquier", "04088", "04300", "04"),
    "gap": (6.0794, 44.5594, "Gap", "05061", "05000", "05"),
    "briancon": (6.6436, 44.8986, "Briançon", "05023", "05100", "05"),
    "saint-denis": (55.4481, -20.8823, "Saint-Denis", "97411", "97400", "974"),
    "saint-pierre": (55.4781, -21.3393, "Saint-Pierre", "97416", "97410", "974"),
    "le-port": (55.2920, -20.9370, "Le Port", "97407", "97420", "974"),
}


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
