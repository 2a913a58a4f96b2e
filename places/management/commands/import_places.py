import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_directory.files import DataFileError
from places import same_place
from places.importers import READERS, ImportReport, PlaceImporter, make_reader

INTERRUPTED = "Import interrompu (Ctrl-C) : rien n'est écrit, base inchangée."


class Command(BaseCommand):
    help = "Importe des lieux (standard v1.0.2 CSV/JSON, v0, France Services, CNFS) ; relançable."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="nom de la source (clé avec l'id)")
        parser.add_argument("--format", default="auto", choices=["auto", *READERS])
        parser.add_argument("--dry-run", action="store_true", help="n'écrit rien")
        parser.add_argument("--report", type=Path, help="écrit aussi le rapport en JSON")

    def handle(self, *args, **options):
        importer = None
        try:
            try:
                reader = make_reader(options["file"], options["format"])
                importer = PlaceImporter(
                    reader,
                    options["source"],
                    dry_run=options["dry_run"],
                    show_progress=options["verbosity"] >= 1 and sys.stderr.isatty(),
                )
            except (DataFileError, ValueError) as exc:
                raise CommandError(f"Import annulé, base inchangée : {exc}") from exc
            try:
                importer.run()
                if not options["dry_run"]:
                    same_place.refresh()  # the groups of one real place, now, not on a read
            except DataFileError as exc:
                raise CommandError(f"Import annulé, base inchangée : {exc}") from exc
            finally:
                self.print_report(importer.report, options)
        except KeyboardInterrupt:
            if importer is None:  # stopped while the file's format was being detected
                report = ImportReport(
                    file=str(options["file"]),
                    source=options["source"],
                    format=options["format"],
                    interrupted=True,
                )
                self.print_report(report, options)
            # After the report: one clear line and SIGINT's usual exit status, no traceback.
            raise CommandError(INTERRUPTED, returncode=130) from None

    def print_report(self, report: ImportReport, options):
        for line in report.lines(details=10 if options["verbosity"] >= 1 else 0):
            self.stdout.write(line)
        if options["report"]:
            options["report"].write_text(report.to_json(), encoding="utf-8")
