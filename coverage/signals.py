"""Any change to places, actors or their activities makes the stored coverage stale.

The next page or API request (``services.ensure_fresh``) recomputes it, so the coverage shown
never contradicts the directory. Within a transaction (an import), the mark is set once, at commit.
"""

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services

_PENDING = "_coverage_stale_pending"


def directory_changed(**kwargs):
    if kwargs.get("raw"):
        return
    if not connection.in_atomic_block:
        services.mark_stale()
        return
    # One mark per transaction: Django starts a new on-commit list after a commit or rollback.
    pending = connection.run_on_commit
    if pending and getattr(connection, _PENDING, None) is pending:
        return
    transaction.on_commit(services.mark_stale)
    setattr(connection, _PENDING, connection.run_on_commit)


@receiver(post_save, sender="places.Place", dispatch_uid="coverage_place_saved")
@receiver(post_delete, sender="places.Place", dispatch_uid="coverage_place_deleted")
@receiver(post_save, sender="actors.Actor", dispatch_uid="coverage_actor_saved")
@receiver(post_delete, sender="actors.Actor", dispatch_uid="coverage_actor_deleted")
@receiver(post_save, sender="actors.Activity", dispatch_uid="coverage_activity_saved")
@receiver(post_delete, sender="actors.Activity", dispatch_uid="coverage_activity_deleted")
def _on_change(sender, **kwargs):
    directory_changed(**kwargs)
