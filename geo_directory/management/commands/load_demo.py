from django.core.management import call_command
from django.core.management.base import BaseCommand

from geo_directory import demo


class Command(BaseCommand):
    help = "Charge le territoire de démonstration (04, 05, 974) depuis fixtures/ ; relançable."

    def handle(self, *args, **options):
        self.stdout.write("==> Territoires : communes et départements 04, 05 et 974 (COG 2026)")
        call_command(
            "import_territories", *demo.territory_arguments(), verbosity=0, stdout=self.stdout
        )
