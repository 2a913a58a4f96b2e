import json

from django.core.management.base import BaseCommand, CommandError

from actors.importers import ActorImporter, read_csv


class Command(BaseCommand):
    help = "Importe des acteurs depuis un CSV (colonnes décrites dans le README) ; relançable."

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier CSV UTF-8 avec ligne d'en-tête")
        parser.add_argument("--dry-run", action="store_true", help="valide sans rien écrire")
        parser.add_argument("--report", help="écrit aussi le rapport en JSON dans ce fichier")

    def handle(self, *args, **options):
        try:
            rows = read_csv(options["file"])
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        report = ActorImporter(rows).run(dry_run=options["dry_run"])
        self.stdout.write(report.as_text())
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as handle:
                json.dump(report.as_dict(), handle, ensure_ascii=False, indent=2)
