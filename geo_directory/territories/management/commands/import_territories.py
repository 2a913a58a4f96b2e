from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_directory.files import DataFileError
from geo_directory.territories.importers import TerritoryImporter, report_json


class Command(BaseCommand):
    help = "Importe la liste COG des communes et les contours des communes et départements."

    def add_arguments(self, parser):
        parser.add_argument("--cog", required=True, type=Path, help="communes.json(.gz) du COG")
        parser.add_argument(
            "--communes",
            action="append",
            default=[],
            type=Path,
            help="contours des communes (GeoJSON, .gz accepté), répétable",
        )
        parser.add_argument(
            "--departements",
            action="append",
            default=[],
            type=Path,
            help="contours des départements (GeoJSON), répétable",
        )
        parser.add_argument("--report", type=Path, help="écrit aussi le rapport en JSON")

    def handle(self, *args, **options):
        importer = TerritoryImporter(
            cog_communes=options["cog"],
            commune_files=options["communes"],
            departement_files=options["departements"],
            show_progress=options["verbosity"] >= 1,
        )
        try:
            report = importer.run()
        except DataFileError as exc:
            raise CommandError(f"Import annulé, base inchangée : {exc}") from exc
        except KeyboardInterrupt:  # one clear line and SIGINT's exit status, no traceback
            raise CommandError(
                "Import interrompu (Ctrl-C) : rien n'est écrit, base inchangée.", returncode=130
            ) from None
        for line in report.lines():
            self.stdout.write(line)
        if options["report"]:
            options["report"].write_text(report_json(report), encoding="utf-8")
