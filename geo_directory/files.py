"""Reading the open-data files Maillage imports (plain or gzipped); errors name the file.

One mechanism for territories, places and actors. Files are decoded as UTF-8 with
``surrogateescape``: an invalid byte becomes a lone surrogate (U+DC80-U+DCFF) in the text instead
of an exception at "position 4727" of a buffer, so a reader can name the record and field that
hold it (``refuse_undecodable``); the line comes from the file's bytes. Such a file is refused
whole: a byte that is not UTF-8 means the file was saved in another encoding (Latin-1,
Windows-1252), and its other rows cannot be trusted either. NUL characters are valid UTF-8 but
PostgreSQL refuses them: ``nul_field`` finds them, and the place importer rejects that row only.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path


class DataFileError(Exception):
    """A file that cannot be read as what it claims to be. The message names the file and why."""


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


def refuse_undecodable(
    path, records: Iterable[tuple[int, object]], where: Callable[[int, int | None], str]
):
    """Refuse the file if a record holds a byte that is not UTF-8, naming the first: ``records``
    are (number, value) pairs in file order (a value is a row's dict, a JSON object...), and
    ``where(number, line)`` says where it is (``line``: the line of the file's first such byte,
    ``None`` when the file cannot be read again)."""
    found = [(number, *hit) for number, value in records if (hit := undecodable_in(value))]
    if found:
        number, field_name, byte = found[0]
        raise not_utf8(path, where(number, byte_line(path)), field_name or "?", byte, len(found))


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


def read_json(path: str | Path):
    """The JSON document, bytes that are not UTF-8 kept as surrogates (see the module)."""
    try:
        with open_source(path) as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{path}: JSON illisible ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}"
        ) from exc
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{path}: fichier illisible ({exc})") from exc


def in_lines(label: str) -> Callable[[int, int | None], str]:
    """``where`` for ``refuse_undecodable`` of a JSON file: "ligne 3 (entité 1)"."""
    return lambda number, line: f"ligne {line} ({label} {number})" if line else f"{label} {number}"


def load_json(path: str | Path):
    """A JSON document, refused if it holds a byte that is not UTF-8 (an array names its
    record: "ligne 4 (enregistrement 2), champ « nom »")."""
    data = read_json(path)
    records = enumerate(data) if isinstance(data, list) else [(0, data)]
    refuse_undecodable(path, records, in_lines("enregistrement"))
    return data


def geojson_features(path: str | Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, or of a single Feature (refused if one
    holds a byte that is not UTF-8: "ligne 3 (entité 1), champ « properties.nom »")."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise DataFileError(f"{path}: FeatureCollection sans tableau « features »")
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        raise DataFileError(f"{path}: ni FeatureCollection ni Feature GeoJSON")
    refuse_undecodable(path, enumerate(features), in_lines("entité"))
    return features
