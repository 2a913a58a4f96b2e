"""Import of La MedNum's digital fragility index (IFN) per commune, with a report.

The CSV (``name, division, code, no_thd_coverage_rate, no_4g_coverage_rate, poverty_rate,
older_65_rate, nscol15p_rate, total``) has every score on a 0-10 scale. Rows are validated
before anything is written; the whole file is written in one transaction; re-running it
changes nothing.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import FragilityIndex

SCORES = [
    "no_thd_coverage_rate",
    "no_4g_coverage_rate",
    "poverty_rate",
    "older_65_rate",
    "nscol15p_rate",
    "total",
]
REQUIRED = ["name", "code", *SCORES]
CODE = re.compile(r"^([0-9]{5}|2[AB][0-9]{3})$")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # (line, field, value, reason)

    def lines(self) -> list[str]:
        out = [
            f"IFN : {self.created} créés, {self.updated} mis à jour, {self.unchanged} inchangés, "
            f"{len(self.rejected)} rejetés"
        ]
        out += [f"  ligne {n} : {f} = {v!r} : {why}" for n, f, v, why in self.rejected[:20]]
        return out


class FragilityIndexError(ValueError):
    """The file cannot be read as an IFN file at all (nothing was written)."""


def _score(value: str):
    text = (value or "").strip()
    if text == "" or text.lower() == "nan":
        return None
    number = float(text)
    if math.isnan(number) or not 0 <= number <= 10:
        raise ValueError("score hors de l'échelle 0-10")
    return number


class FragilityIndexImporter:
    def __init__(self, rows, *, codes: set[str] | None = None):
        """``rows``: an iterable of dicts (a csv.DictReader); ``codes``: keep only those."""
        self.rows = rows
        self.codes = codes

    @classmethod
    def from_path(cls, path: Path, **kwargs):
        handle = open(path, encoding="utf-8", newline="")
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            handle.close()
            raise FragilityIndexError(f"{path.name} : colonnes manquantes {', '.join(missing)}")
        return cls(reader, **kwargs)

    def run(self) -> ImportReport:
        report = ImportReport()
        records: dict[str, dict] = {}
        for line, row in enumerate(self.rows, start=2):
            code = (row.get("code") or "").strip().upper()
            if not CODE.match(code):
                report.rejected.append((line, "code", code, "code INSEE invalide"))
                continue
            if self.codes is not None and code not in self.codes:
                continue
            values = {"nom": (row.get("name") or "").strip()[:150]}
            try:
                for name in SCORES:
                    values[name] = _score(row.get(name))
            except ValueError as exc:
                report.rejected.append((line, name, row.get(name), str(exc)))
                continue
            records[code] = values
        existing = FragilityIndex.objects.in_bulk(list(records))
        create, update = [], []
        for code, values in records.items():
            current = existing.get(code)
            if current is None:
                create.append(FragilityIndex(code=code, **values))
            elif any(getattr(current, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(current, key, value)
                update.append(current)
            else:
                report.unchanged += 1
        with transaction.atomic():
            FragilityIndex.objects.bulk_create(create, batch_size=2000)
            FragilityIndex.objects.bulk_update(update, ["nom", *SCORES], batch_size=2000)
        report.created, report.updated = len(create), len(update)
        return report  # the maps show the index: its trigger gives them a new stamp
