from django.apps import AppConfig


class GeoDirectoryConfig(AppConfig):
    name = "geo_directory"
    verbose_name = "Maillage"
