"""One row that says when the published data last changed, kept by the database itself.

Statement-level triggers (migrations) bump ``DataVersion`` on every INSERT, UPDATE, DELETE or
TRUNCATE of the tables that tiles and OGC collections are built from, whatever wrote them (ORM
save, ``bulk_create``, ``QuerySet.update``, raw SQL, an import in a transaction). Caches and
ETags key on ``version``: a write is visible on the next request, in every worker, and a reader
inside an import sees the version before or after it, never between.
"""

from django.db import models


class DataVersion(models.Model):
    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "version des données publiées"

    def __str__(self):
        return f"{self.name} v{self.version}"
