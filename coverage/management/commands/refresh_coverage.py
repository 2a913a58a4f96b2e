from django.core.management.base import BaseCommand

from coverage import services


class Command(BaseCommand):
    help = (
        "Met la couverture des communes à jour : changements en attente et activités commencées "
        "ou finies depuis le dernier calcul (à lancer chaque nuit, par cron)."
    )

    def handle(self, *args, **options):
        report = services.apply_pending()
        self.stdout.write("\n".join(report.lines()))
