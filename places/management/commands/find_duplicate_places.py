from django.core.management.base import BaseCommand, CommandError

from places.duplicates import DEFAULT_DISTANCE_M, DEFAULT_MIN_SCORE, find_duplicates


class Command(BaseCommand):
    help = "Liste les doublons probables entre sources (ne modifie rien)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", help="code du département, par exemple 04")
        parser.add_argument("--distance", type=float, default=DEFAULT_DISTANCE_M, help="mètres")
        parser.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE)

    def handle(self, *args, **options):
        if not 0 < options["distance"] <= 1000:
            raise CommandError("--distance : entre 0 et 1000 mètres")
        code = (options["departement"] or "").strip().upper() or None
        if code and (len(code) > 3 or not code.isalnum()):
            raise CommandError(f"--departement « {options['departement']} » : code illisible")
        pairs = find_duplicates(
            departement=code, distance_m=options["distance"], min_score=options["min_score"]
        )
        for pair in pairs:
            self.stdout.write(f"{pair.score:.2f}  {pair.first}\n      {pair.second}")
            self.stdout.write(f"      {pair.reason}")
        self.stdout.write(f"{len(pairs)} paires probables (rien n'a été modifié).")
