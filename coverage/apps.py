from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = "Couverture des communes"

    def ready(self):
        from . import signals

        signals.connect()
