"""The database router: reads where the request reads (``geo_directory.replicas``), writes and
migrations on the primary. Without ``DATABASE_REPLICA_URLS`` every answer is the primary."""

from django.db import DEFAULT_DB_ALIAS

from geo_directory import replicas


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return replicas.read_alias()

    def db_for_write(self, model, **hints):
        replicas.note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
