from django.core.management.base import BaseCommand, CommandError

from coverage import services
from geo_directory.territories.models import Departement


class Command(BaseCommand):
    help = (
        "Recalcule la couverture des communes (bases médiateurs et lieux), France ou département."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", help="code du département, par exemple 04")

    def handle(self, *args, **options):
        code = options["departement"]
        if code and not Departement.objects.filter(code=code).exists():
            raise CommandError(f"--departement : département inconnu « {code} »")
        report = services.recompute(departement=code)
        self.stdout.write("\n".join(report.lines()))
