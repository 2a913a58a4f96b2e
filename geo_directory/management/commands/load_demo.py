from django.core.management import call_command
from django.core.management.base import BaseCommand

from actors import demo as actors_demo
from coverage import demo as coverage_demo
from geo_directory import demo
from places.importers.demo import demo_files as place_demo_files


class Command(BaseCommand):
    help = "Charge le territoire de démonstration (04, 05, 974) depuis fixtures/ ; relançable."

    def handle(self, *args, **options):
        self.stdout.write("==> Territoires : communes et départements 04, 05 et 974 (COG 2026)")
        call_command(
            "import_territories", *demo.territory_arguments(), verbosity=0, stdout=self.stdout
        )
        self.stdout.write("==> Lieux : extraits des cinq sources (fixtures/places/)")
        for path, source in place_demo_files():
            call_command("import_places", str(path), source=source, verbosity=0, stdout=self.stdout)
        self.stdout.write(
            "==> Acteurs FICTIFS de 04, 05 et 974 (fixtures/actors/) et comptes de démo"
        )
        actors_demo.load(self.stdout)
        self.stdout.write(
            "==> Couverture : indice de fragilité numérique et distances des communes"
        )
        call_command("import_ifn", str(coverage_demo.IFN_EXCERPT), verbosity=0, stdout=self.stdout)
        call_command("compute_coverage", verbosity=0, stdout=self.stdout)
