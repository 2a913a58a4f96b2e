"""Readers: one per file shape, each turning a file into records with the standard's field names.

A reader only reads and renames: values stay raw (strings, numbers, lists) and the importer
cleans them. Multi-valued fields come out as lists. ``detect_format`` picks a reader from the
file's content and says why it cannot when the shape is unknown.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from geo_directory.files import (
    DataFileError,
    check_header,
    in_lines,
    not_utf8,
    open_source,
    read_json,
    refuse_undecodable,
    undecodable_in,
    visible,
)

from .. import standard
from ..cleaning import split_multi, text
from . import vocabulary as v0

MULTI_FIELDS = standard.LIST_FIELDS
SCALAR_FIELDS = standard.SCALAR_FIELDS
V0_KEYS = {"publics_accueillis", "conditions_acces", "conditions_access", "labels_nationaux"}


@dataclass
class RawRecord:
    line: int  # CSV line number, or 1-based index of the record in a JSON array
    source_id: str
    data: dict
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, value, note)
    problem: tuple[str, str, str] | None = None  # (field, value, reason): the row is rejected


@dataclass
class CSVRow:
    line: int  # the line where the record starts
    values: dict
    problem: tuple[str, str, str] | None = None  # (field, value, reason) for a short row


class Reader:
    format_name = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def records(self) -> list[RawRecord]:
        raise NotImplementedError


# -- the national standard v1.0.2 -------------------------------------------------------------


def standard_record(line: int, row: dict, separators: str = "|", problem=None) -> RawRecord:
    data = {name: row.get(name) for name in SCALAR_FIELDS}
    for name in MULTI_FIELDS:
        data[name] = split_multi(row.get(name), separators)
    return RawRecord(line=line, source_id=text(row.get("id")), data=data, problem=problem)


CSV_ERRORS = {  # the csv module's strict errors, in French
    "unexpected end of data": "guillemet ouvert jamais refermé avant la fin du fichier"
    " (fichier tronqué ?)",
}


def read_csv_rows(path: Path) -> list[CSVRow]:
    """Each data row with the line where it starts; a real parser (quoted newlines), strict:
    an unterminated quoted field (a file cut inside it) or a stray quote refuses the file, naming
    the line; a row with fewer fields than the header (a file cut inside a value) comes with its
    problem, and is rejected by the importer."""
    start = 2
    rows = []
    try:
        with open_source(path) as handle:
            sample = handle.readline()
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
            for name in reader.fieldnames or []:
                found = undecodable_in(name)
                if found:
                    raise not_utf8(path, "ligne 1 (en-tête)", visible(name), found[1], 1)
            for row in reader:
                if None in row:
                    raise DataFileError(
                        f"{path}: ligne {start} : plus de colonnes que l'en-tête ({delimiter!r})"
                    )
                rows.append(CSVRow(start, row, short_row(row, reader.fieldnames)))
                start = reader.line_num + 1
    except csv.Error as exc:
        reason = CSV_ERRORS.get(str(exc), f"CSV mal formé ({exc})")
        raise DataFileError(f"{path}: ligne {start} : {reason}") from exc
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{path}: CSV illisible ({exc})") from exc
    refuse_undecodable(
        path,
        ((r.line, {k: v for k, v in r.values.items() if v is not None}) for r in rows),
        lambda number, line: f"ligne {line or number}",
    )
    return rows


def short_row(row: dict, header: list[str]) -> tuple[str, str, str] | None:
    """(last field read, its value, reason) when the row stops before the header's end."""
    present = [name for name in header if row.get(name) is not None]
    if len(present) == len(header):
        return None
    last = present[-1] if present else header[0]
    return (
        last,
        row.get(last) or "",
        f"ligne incomplète : {len(present)} champs sur {len(header)}, rien après « {last} »"
        " (fichier tronqué ?) : la dernière valeur peut être coupée",
    )


class StandardCSVReader(Reader):
    format_name = "standard-csv"

    def records(self):
        rows = read_csv_rows(self.path)
        if rows and "nom" not in rows[0].values:
            raise DataFileError(f"{self.path}: colonne « nom » absente : pas un CSV du standard")
        return [standard_record(r.line, r.values, problem=r.problem) for r in rows]


def json_array(path: Path) -> list[dict]:
    data = read_json(path)
    if isinstance(data, dict):  # an API answer may wrap the array
        data = data.get("lieux") or data.get("results") or data.get("data")
    if not isinstance(data, list):
        raise DataFileError(f"{path}: un tableau JSON d'objets est attendu")
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DataFileError(f"{path}: l'élément n° {index} n'est pas un objet JSON")
    refuse_undecodable(path, enumerate(data, start=1), in_lines("élément n°"))
    return data


class StandardJSONReader(Reader):
    format_name = "standard-json"

    def records(self):
        return [standard_record(i, row) for i, row in enumerate(json_array(self.path), start=1)]


# -- the older v0 field names and vocabulary ------------------------------------------------


def v0_record(index: int, row: dict) -> RawRecord:
    record = standard_record(index, row, separators="|;")
    data, notes = record.data, record.notes

    services = []
    for value in data["services"]:
        mapped = v0.SERVICES_V0.get(value, value)
        services.append(mapped)
    data["services"] = list(dict.fromkeys(services))

    if not data["courriels"]:
        data["courriels"] = split_multi(row.get("courriel"), "|;")

    for value in split_multi(row.get("publics_accueillis"), "|;"):
        if value in v0.PUBLICS_V0:
            target = v0.PUBLICS_V0[value]
            if target:
                data[target[0]].append(target[1])
        else:
            notes.append(("publics_accueillis", value, "public v0 inconnu ignoré"))

    conditions = row.get("conditions_acces") or row.get("conditions_access")
    for value in split_multi(conditions, "|;"):
        mapped = v0.FRAIS_V0.get(v0.short_label(value))
        if mapped:
            data["frais_a_charge"].append(mapped)
        else:
            notes.append(("conditions_acces", value, "condition d'accès v0 inconnue ignorée"))

    for value in split_multi(row.get("labels_nationaux"), "|;"):
        mapped = v0.LABELS_V0.get(value)
        if mapped:
            data["dispositif_programmes_nationaux"].append(mapped)
        else:
            data["autres_formations_labels"].append(value)

    accompagnement = []
    for value in data["modalites_accompagnement"]:
        accompagnement.append(v0.ACCOMPAGNEMENT_V0.get(v0.short_label(value), value))
    data["modalites_accompagnement"] = accompagnement
    for name in MULTI_FIELDS:
        data[name] = list(dict.fromkeys(data[name]))
    return record


class V0JSONReader(Reader):
    format_name = "v0-json"

    def records(self):
        return [v0_record(i, row) for i, row in enumerate(json_array(self.path), start=1)]


class CNFSJSONReader(Reader):
    """Permanences of the conseillers numériques (v0 names, ``conditions_access``, no INSEE)."""

    format_name = "cnfs-json"

    def records(self):
        records = []
        for index, row in enumerate(json_array(self.path), start=1):
            record = v0_record(index, row)
            dispositifs = record.data["dispositif_programmes_nationaux"]
            if "Conseillers numériques" not in dispositifs:
                dispositifs.append("Conseillers numériques")
            record.data["source"] = record.data["source"] or "conseiller-numerique"
            records.append(record)
        return records


# -- France Services ---------------------------------------------------------------------------

FS_DAYS = (
    ("h_lundi", "Mo"),
    ("h_mardi", "Tu"),
    ("h_mercredi", "We"),
    ("h_jeudi", "Th"),
    ("h_vendredi", "Fr"),
    ("h_samedi", "Sa"),
    ("h_dimanche", "Su"),
)
TIME = r"(\d{1,2})[:hH](\d{2})?"


def fs_day_hours(value: str) -> str | None:
    """ "09:00 - 12:00 / 13:30 - 17:00" -> "09:00-12:00,13:30-17:00"; "" or "-" -> ""; else None."""
    value = re.sub(r"\s*:\s*", ":", (value or "").strip())
    if value in {"", "-", "Fermé", "fermé"}:
        return ""
    times = re.findall(TIME, value)
    leftover = re.sub(TIME, "", value)
    if not times or len(times) % 2 or re.sub(r"[\s\-/à,et]", "", leftover):
        return None
    stamps = [f"{int(h):02d}:{m or '00'}" for h, m in times]
    return ",".join(f"{stamps[i]}-{stamps[i + 1]}" for i in range(0, len(stamps), 2))


def fs_opening_hours(row: dict) -> tuple[str, str | None]:
    """The week in OSM syntax, consecutive days with the same hours grouped ("Mo-Th ..."), or
    ("", the unreadable day) when a day cannot be read."""
    days = []
    for column, day in FS_DAYS:
        hours = fs_day_hours(row.get(column, ""))
        if hours is None:
            return "", f"{column} = {row.get(column)}"
        days.append((day, hours))
    rules, start = [], 0
    for i in range(1, len(days) + 1):
        if i == len(days) or days[i][1] != days[start][1]:
            if days[start][1]:
                span = days[start][0] if i - 1 == start else f"{days[start][0]}-{days[i - 1][0]}"
                rules.append(f"{span} {days[start][1]}")
            start = i
    return "; ".join(rules), None


class FranceServicesCSVReader(Reader):
    format_name = "france-services-csv"

    def records(self):
        records = []
        for csv_row in read_csv_rows(self.path):
            line, row = csv_row.line, csv_row.values
            if "lib_fs" not in row:
                raise DataFileError(f"{self.path}: colonne « lib_fs » absente")
            data = {name: "" for name in SCALAR_FIELDS} | {name: [] for name in MULTI_FIELDS}
            horaires, unreadable = fs_opening_hours(row)
            data.update(
                nom=row.get("lib_fs"),
                adresse=row.get("adresse"),
                complement_adresse=row.get("complement_adresse"),
                code_insee=row.get("insee_com"),
                code_postal=row.get("code_postal"),
                commune=row.get("lib_com"),
                latitude=row.get("latitude"),
                longitude=row.get("longitude"),
                telephone=row.get("telephone"),
                courriels=split_multi(row.get("mail"), ";|"),
                horaires=horaires,
                presentation_detail=row.get("commentaire"),
                structure_parente=row.get("groupe"),
                source="france-services",
                typologie=["RFS"],
                dispositif_programmes_nationaux=["France Services"],
                itinerance=["Itinérant" if text(row.get("itinerance")) == "Oui" else "Fixe"],
            )
            record = RawRecord(
                line=line, source_id=text(row.get("id_fs")), data=data, problem=csv_row.problem
            )
            if unreadable:
                record.notes.append(("horaires", unreadable, "horaires illisibles : ignorés"))
            records.append(record)
        return records


READERS = {
    reader.format_name: reader
    for reader in (
        StandardCSVReader,
        StandardJSONReader,
        V0JSONReader,
        FranceServicesCSVReader,
        CNFSJSONReader,
    )
}


def detect_format(path: str | Path) -> str:
    """The format name of ``path`` from its content; DataFileError naming what was seen."""
    path = Path(path)
    try:
        with open_source(path) as handle:
            head = handle.read(4096)
    except (OSError, EOFError) as exc:
        raise DataFileError(f"{path}: fichier illisible ({exc})") from exc
    start = head.lstrip()[:1]
    if start in {"[", "{"}:
        keys = set()
        for item in json_array(path)[:200]:
            keys.update(item)
        if "structureId" in keys or "conditions_access" in keys:
            return CNFSJSONReader.format_name
        if keys & V0_KEYS or "courriel" in keys:
            return V0JSONReader.format_name
        if "nom" in keys:
            return StandardJSONReader.format_name
        raise DataFileError(
            f"{path}: JSON au format inconnu (clés vues : {', '.join(sorted(keys)[:12])})"
        )
    header = head.splitlines()[0] if head else ""
    check_header(path, header)
    columns = {c.strip().strip('"') for c in re.split(r"[,;]", header)}
    if "lib_fs" in columns and "id_fs" in columns:
        return FranceServicesCSVReader.format_name
    if {"id", "nom", "adresse"} <= columns:
        return StandardCSVReader.format_name
    raise DataFileError(
        f"{path}: format inconnu : ni JSON, ni CSV du standard (en-tête : {header[:120]!r}) ;"
        f" formats lus : {', '.join(READERS)}"
    )


def make_reader(path: str | Path, format_name: str = "auto") -> Reader:
    if format_name in {"", "auto"}:
        format_name = detect_format(path)
    if format_name not in READERS:
        raise DataFileError(
            f"format « {format_name} » inconnu ; formats lus : {', '.join(READERS)}"
        )
    return READERS[format_name](path)
