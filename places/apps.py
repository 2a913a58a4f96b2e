from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Lieux d'inclusion numérique"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import same_place
        from .models import DuplicateDecision, Place

        # The same-place groups are built when a write commits, not by the next read.
        for model in (Place, DuplicateDecision):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    same_place.refresh_after_commit,
                    sender=model,
                    dispatch_uid=f"same-place-groups-{model.__name__}-{name}",
                )
