"""When the coverage is brought up to date: right after the commit of a write, in the writer's path.

Database triggers queue every change (``coverage.pending``); what is left is to apply the queue
once the writer's transaction has committed. Every Django connection gets an execute wrapper
that notices a statement writing to places, activities, actors or communes (``save()``,
``delete()``, ``QuerySet.update()``, bulk writes, raw SQL through Django) and schedules one
``services.apply_pending`` with ``transaction.on_commit`` for that transaction: an admin's
"valider" action, a coordinator ending an activity, an import. The importers' COPY does not pass
through the wrapper: they send ``geo_directory.signals.directory_imported`` at their end, which
schedules the same update. Reads never write these tables, so they never pay for it. Nothing
runs while migrations run (their tables may not be there yet). Changes made outside Django
(psql) wait in the queue for the next write or ``manage.py refresh_coverage``.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

from geo_directory.signals import directory_imported

logger = logging.getLogger(__name__)

WATCHED = ('"places_place"', '"actors_activity"', '"actors_actor"', '"territories_commune"')
WRITES = ("INSERT", "UPDATE", "DELETE")
_state = {"migrating": False}


def _writes_watched_table(sql: str) -> bool:
    head = sql.lstrip()[:160]
    if not head[:6].upper().startswith(WRITES):
        return False
    return any(table in head or table[1:-1] in head for table in WATCHED)


def _apply_after_commit() -> None:
    from . import services

    services.apply_pending()


def schedule(connection) -> None:
    """One ``apply_pending`` after the commit of the current transaction (now in autocommit)."""
    if _state["migrating"]:
        return
    if connection.in_atomic_block and any(
        entry[1] is _apply_after_commit for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_apply_after_commit, using=connection.alias, robust=True)


def watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _writes_watched_table(sql):
        schedule(context["connection"])
    return result


def _install(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def _imported(sender, **kwargs):
    """After an import: COPY went around the wrapper, so schedule the update here (at once
    when the import's transaction is over, as in a command)."""
    from django.db import connection

    schedule(connection)


def _migrating(sender, **kwargs):
    _state["migrating"] = True


def _migrated(sender, **kwargs):
    _state["migrating"] = False


def connect() -> None:
    connection_created.connect(_install, dispatch_uid="coverage-watch-writes")
    directory_imported.connect(_imported, dispatch_uid="coverage-after-import")
    pre_migrate.connect(_migrating, dispatch_uid="coverage-migrating")
    post_migrate.connect(_migrated, dispatch_uid="coverage-migrated")
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        _install(None, connection)
