"""The five place files of the demo (excerpts in fixtures/places/) and their source names.

The same names serve for the full shared files (../shared/data/lieux/), so that the demo and a
full import key places the same way: (source, id).
"""

from django.conf import settings

PLACE_FILES = (
    ("france-services-2022-12.csv", "france-services"),
    ("conseillers-numeriques-lieux-2022-12.json", "conseillers-numeriques"),
    ("lieux-mediation-numerique-data-inclusion-2023-02.json", "data-inclusion"),
    ("lieux-mediation-numerique-paca-hub-du-sud-2024-09.json", "hub-du-sud"),
    ("lieux-mediation-numerique-hinaura-aura-2022.json", "hinaura"),
)
FIXTURES = settings.FIXTURES_DIR / "places"


def demo_files():
    """(path, source) of each demo excerpt."""
    return [(FIXTURES / name, source) for name, source in PLACE_FILES]
