"""Signals the lower floors send without knowing who listens (dependencies point one way)."""

from django.dispatch import Signal

# Sent by an importer once its transaction has ended (committed, or rolled back by a dry run):
# what is derived from the directory (the coverage of communes) brings itself up to date.
directory_imported = Signal()
