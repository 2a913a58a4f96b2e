"""The demo territory shipped in fixtures/: what `make demo` loads and the tests stand on."""

from django.conf import settings

TERRITORIES = settings.FIXTURES_DIR / "territories"
DEMO_DEPARTEMENTS = {
    "04": "alpes-de-haute-provence",
    "05": "hautes-alpes",
    "974": "la-reunion",
}


def territory_arguments() -> list[str]:
    """Arguments of `import_territories` for the demo départements (04, 05, 974)."""
    args = ["--cog", str(TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz")]
    for code, slug in DEMO_DEPARTEMENTS.items():
        args += ["--communes", str(TERRITORIES / f"communes-{code}-{slug}.geojson")]
        args += ["--departements", str(TERRITORIES / f"departement-{code}-{slug}.geojson")]
    return args
