from django.core.management.base import BaseCommand, CommandError

from coverage import reports
from coverage.models import MAX_THRESHOLD_KM, MIN_THRESHOLD_KM, Basis
from coverage.planning import MAX_SITES


class Command(BaseCommand):
    help = "Propose k nouveaux sites (maximum de couverture glouton) pour un département."

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True)
        parser.add_argument("--threshold-km", type=float, default=10)
        parser.add_argument("--sites", type=int, default=3)
        parser.add_argument("--basis", choices=[b.value for b in Basis], default=Basis.MEDIATORS)

    def handle(self, *args, **options):
        threshold, sites = options["threshold_km"], options["sites"]
        if not MIN_THRESHOLD_KM <= threshold <= MAX_THRESHOLD_KM:
            raise CommandError(f"--threshold-km : entre {MIN_THRESHOLD_KM} et {MAX_THRESHOLD_KM}")
        if not 1 <= sites <= MAX_SITES:
            raise CommandError(f"--sites : entre 1 et {MAX_SITES}")
        try:
            view = reports.DepartementCoverage.load(
                options["departement"], threshold, options["basis"]
            )
        except reports.UnknownDepartement as exc:
            raise CommandError(f"--departement : {exc}") from exc
        plan = view.plan(sites)
        self.stdout.write(
            f"Département {view.departement.code}, seuil {threshold:g} km, base {options['basis']}"
            " (maximum de couverture glouton)"
        )
        self.stdout.write(f"Population non couverte aujourd'hui : {plan.uncovered_before}")
        for rank, site in enumerate(plan.sites, start=1):
            self.stdout.write(
                f"{rank}. {site.nom} ({site.code}) {site.lat:.5f}, {site.lon:.5f} :"
                f" +{site.gain} habitants couverts"
            )
        self.stdout.write(f"Population encore non couverte : {plan.uncovered_after}")
