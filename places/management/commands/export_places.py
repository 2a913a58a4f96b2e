from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places.exporters import FORMATS
from places.layer import PLACES


class Command(BaseCommand):
    help = "Exporte les lieux publiés (standard v1.0.2 CSV ou JSON, GeoJSON) ; sortie ou --output."

    def add_arguments(self, parser):
        parser.add_argument("--format", default="standard-csv", choices=list(FORMATS))
        parser.add_argument("--departement", help="code du département, par exemple 04 ou 974")
        parser.add_argument("--output", type=Path, help="fichier à écrire (sinon la sortie)")

    def handle(self, *args, **options):
        places = PLACES.rows()  # what every door publishes
        code = options["departement"]
        if code is not None:
            code = code.strip().upper()
            if not code or len(code) > 3 or not code.isalnum():
                raise CommandError(f"--departement « {options['departement']} » : code illisible")
            places = places.in_departement(code)
        chunks = FORMATS[options["format"]](places)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                handle.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
