"""Places at real French locations for the GIS tests (until and besides the demo places)."""

from django.contrib.gis.geos import Point

from geo_directory.territories.models import Commune
from places.models import Place
from tests.towns import TOWNS

# The towns the GIS tests commit two places in.
GIS_TOWNS = ("digne", "barcelonnette", "sisteron", "manosque", "gap", "saint-denis")


def make_place(town: str, nom: str | None = None, **fields) -> Place:
    lon, lat, commune, code_insee, code_postal, departement = TOWNS[town]
    nom = nom or f"Espace numérique de {commune} (test SIG)"
    values = {
        "import_source": "tests-gis",
        "source_id": f"{town}-{nom}",
        "nom": nom,
        "commune": commune,
        "code_insee": code_insee,
        "code_postal": code_postal,
        "departement_code": departement,
        "adresse": "1 place de la Mairie",
        "location": Point(lon, lat, srid=4326),
        "services": ["Aide aux démarches administratives"],
        "typologie": ["TIERS_LIEUX"],
        "frais_a_charge": ["Gratuit"],
        # As the importer does: the commune whose polygon holds the point.
        "commune_actuelle_id": code_insee
        if Commune.objects.filter(pk=code_insee).exists()
        else None,
    }
    values.update(fields)
    return Place.objects.create(**values)
