"""Opening the files to import, and saying where a byte that is not UTF-8 text sits.

Files are decoded as UTF-8 with ``surrogateescape``: an invalid byte becomes a lone surrogate
(U+DC80-U+DCFF) in the text instead of an exception at "position 4727" of a buffer, so a reader
can name the record and field that hold it; the line comes from the file's bytes. Such a file is
refused whole: a byte that is not UTF-8 means the file was saved in another encoding (Latin-1,
Windows-1252), and its other rows cannot be trusted either. NUL characters are valid UTF-8 but
PostgreSQL refuses them: ``nul_field`` finds them, and the importer rejects that row only.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from geo_directory.files import DataFileError

UNDECODABLE = re.compile("[\udc80-\udcff]")
NUL = "\x00"


def open_source(path: str | Path):
    """The file as text (gzipped or not, BOM dropped), invalid bytes kept as surrogates."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: fichier introuvable")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline="")
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def visible(value: str) -> str:
    """``value`` printable in a report: NUL as ``\\x00``, an undecodable byte as ``\\xE9``."""
    value = value.replace(NUL, "\\x00")
    return UNDECODABLE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02X}", value)


def undecodable_in(value) -> tuple[str, int] | None:
    """(where, byte) of the first undecodable byte in a value: a string, or a JSON list/object
    (``where`` is then the key path, "" for the value itself)."""
    if isinstance(value, str):
        match = UNDECODABLE.search(value)
        return ("", ord(match.group()) - 0xDC00) if match else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = undecodable_in(key)
            if found:
                return visible(key), found[1]
            found = undecodable_in(item)
            if found:
                return key + (f".{found[0]}" if found[0] else ""), found[1]
    if isinstance(value, list):
        for item in value:
            found = undecodable_in(item)
            if found:
                return found
    return None


def byte_line(path: str | Path) -> int | None:
    """The line (1-based) of the first byte of ``path`` that is not UTF-8."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        data = handle.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return None


def not_utf8(path, where: str, field_name: str, byte: int, count: int) -> DataFileError:
    return DataFileError(
        f"{path}: {where}, champ « {field_name} » : octet 0x{byte:02X} qui n'est pas de"
        f" l'UTF-8 ({count} enregistrement(s) touché(s)) ; fichier refusé : il doit être en"
        " UTF-8 (réenregistrez-le en UTF-8, par exemple `iconv -f WINDOWS-1252 -t UTF-8`)"
    )


def check_header(path, header: str):
    """Refuse a file whose first line is not text (a binary file, another encoding)."""
    found = undecodable_in(header)
    if found or NUL in header:
        what = f"octet 0x{found[1]:02X} qui n'est pas de l'UTF-8" if found else "octet NUL"
        raise DataFileError(
            f"{path}: fichier illisible : ligne 1 : {what} (fichier binaire, ou texte dans un"
            " autre encodage que l'UTF-8 ?)"
        )


def nul_field(source_id: str, data: dict) -> tuple[str, str] | None:
    """(field, value) of the first value holding a NUL character (``id`` for the key)."""
    if NUL in source_id:
        return "id", source_id
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and NUL in item:
                return name, item
    return None
