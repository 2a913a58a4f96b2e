"""Importing places: readers per file shape, cleaning, and the importer with its report."""

from .importer import PlaceImporter
from .readers import READERS, detect_format, make_reader
from .report import ImportReport

__all__ = ["READERS", "ImportReport", "PlaceImporter", "detect_format", "make_reader"]
