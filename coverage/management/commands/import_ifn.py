from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coverage import services
from coverage.importers import FragilityIndexError, FragilityIndexImporter


class Command(BaseCommand):
    help = "Importe l'indice de fragilité numérique (IFN, La MedNum) par commune depuis un CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        if not options["file"].is_file():
            raise CommandError(f"Fichier introuvable : {options['file']}")
        try:
            report = FragilityIndexImporter.from_path(options["file"]).run()
        except FragilityIndexError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(report.lines()))
        services.apply_pending()  # the maps show the index: new figures, new cache keys
