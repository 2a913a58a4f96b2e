from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = "Acteurs de l'inclusion numérique"

    def ready(self):
        # A place's sheet lists its consenting mediators; places never imports actors.
        from places.views import register_sheet_section

        from .place_sheet import mediators_section

        register_sheet_section(mediators_section)
