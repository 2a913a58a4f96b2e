"""Places at real French locations for the GIS tests (until and besides the demo places)."""

from django.contrib.gis.geos import Point

from places.models import Place

# name: (lon, lat, code INSEE, commune, code postal)
TOWNS = {
    "Digne-les-Bains": (6.2356, 44.0925, "04070", "Digne-les-Bains", "04000"),
    "Barcelonnette": (6.6527, 44.3870, "04019", "Barcelonnette", "04400"),
    "Sisteron": (5.9436, 44.1952, "04209", "Sisteron", "04200"),
    "Manosque": (5.7906, 43.8330, "04112", "Manosque", "04100"),
    "Gap": (6.0794, 44.5594, "05061", "Gap", "05000"),
    "Saint-Denis": (55.4504, -20.8821, "97411", "Saint-Denis", "97400"),
}


def make_place(town: str, nom: str | None = None, **fields) -> Place:
    lon, lat, code_insee, commune, code_postal = TOWNS[town]
    nom = nom or f"Espace numérique de {town} (test SIG)"
    values = {
        "import_source": "tests-gis",
        "source_id": f"{town}-{nom}",
        "nom": nom,
        "commune": commune,
        "code_insee": code_insee,
        "code_postal": code_postal,
        "departement_code": code_insee[:3] if code_insee.startswith("97") else code_insee[:2],
        "adresse": "1 place de la Mairie",
        "location": Point(lon, lat, srid=4326),
        "services": ["Aide aux démarches administratives"],
        "typologie": ["TIERS_LIEUX"],
        "frais_a_charge": ["Gratuit"],
        "commune_actuelle_id": None,
    }
    values.update(fields)
    return Place.objects.create(**values)
