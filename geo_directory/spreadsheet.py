"""CSV files meant for a spreadsheet (priorities, team lists): no cell may run as a formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what
LibreOffice and Excel read as a formula (``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``): it gets
a leading ``'``, which spreadsheets show as text. A cell that is only a number (``-5``,
``+33492301234``) cannot call anything and stays as it is; so do numbers.

Data-exchange formats (the national standard's CSV of places) are not spreadsheet exports and
must stay byte for byte what the standard says: they do not use this module.
"""

from __future__ import annotations

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def defuse(value):
    """``value`` as a spreadsheet must show it: text that could run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


class SpreadsheetWriter:
    """``csv.writer`` whose every cell goes through ``defuse``."""

    def __init__(self, file, **fmtparams):
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([defuse(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
