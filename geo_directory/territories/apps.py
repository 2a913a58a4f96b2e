from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "geo_directory.territories"
    label = "territories"
    verbose_name = "Territoires"
