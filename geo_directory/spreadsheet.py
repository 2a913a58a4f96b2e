"""CSV files meant for a spreadsheet (priorities, team lists): French Excel opens them as
columns with their accents, and no cell may run as a formula.

**The French spreadsheet convention.** Excel set to French reads a ``.csv`` with ``;`` between
cells (the comma is its decimal separator) and takes a file without a byte order mark for the
Windows code page: a comma-separated UTF-8 file opens as one column of mojibake
("MÃ©diathÃ¨que"). These exports therefore start with the UTF-8 BOM, separate cells with ``;``
and write decimals with a comma (``23,6``); LibreOffice detects the same file by itself.

**No formulas.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is what LibreOffice and Excel read as a formula (``=cmd|' /C calc'!A0``,
``=HYPERLINK(...)``): it gets a leading ``'``, which spreadsheets show as text. A cell that is
only a number (``-5``, ``+33492301234``) cannot call anything and stays as it is; so do numbers.

Data-exchange formats (the national standard's CSV of places) are not spreadsheet exports and
must stay byte for byte what the standard says: they do not use this module.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
BOM = "\ufeff"
DELIMITER = ";"


def defuse(value):
    """``value`` as a spreadsheet must show it: text that could run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


def french_number(value):
    """A decimal with a comma (``23.6`` -> ``"23,6"``); other values unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", ",")
    return value


class SpreadsheetWriter:
    """``csv.writer`` in the French spreadsheet convention (BOM, ``;``, decimal comma) whose
    every cell goes through ``defuse``. The BOM is written when the writer is made: make one
    per file, before anything else is written."""

    def __init__(self, file, **fmtparams):
        fmtparams.setdefault("delimiter", DELIMITER)
        file.write(BOM)
        self._writer = csv.writer(file, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([defuse(french_number(value)) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def read(text: str) -> list[dict]:
    """The rows of such a file as dicts (for tests and tools): BOM and ``;`` understood."""
    return list(csv.DictReader(text.removeprefix(BOM).splitlines(), delimiter=DELIMITER))
