"""Small helpers for the place import tests: run an import, write a standard CSV."""

import csv
import json

from django.conf import settings

from places.exporters import STANDARD_COLUMNS
from places.importers import PlaceImporter, make_reader

FIXTURES = settings.FIXTURES_DIR / "places"


def run_import(path, source, fmt="auto", **kwargs):
    return PlaceImporter(make_reader(path, fmt), source, **kwargs).run()


def write_standard_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=STANDARD_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in STANDARD_COLUMNS})
    return path


def write_json(path, rows):
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def issues(report_issues, **match):
    return [i for i in report_issues if all(getattr(i, k) == v for k, v in match.items())]
