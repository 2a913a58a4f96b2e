"""The place importer: reader injected, cleaning, rejections, batch location, one transaction.

``PlaceImporter(reader, source="hub-du-sud").run()`` returns an ImportReport. Records are cleaned
(each change reported), rejected when they cannot be a place (a damaged row: short CSV row, NUL
character; no name, nowhere to put them, coordinates outside WGS84, at 0/0 or outside France),
placed in the territory with batch SQL, then compared to
what the database holds for the same (source, id): only differences are written. Everything is
written in one transaction; ``dry_run`` rolls it back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from geo_directory.files import nul_field, visible
from geo_directory.progress import progress
from geo_directory.signals import directory_imported
from geo_directory.territories.models import CommuneAlias

from ..cleaning import departement_from_codes
from ..models import Place
from .clean_record import clean_record
from .locate import (
    Territory,
    communes_at_points,
    departements_at_points,
    near_centre_of_france,
    read_coordinates,
    snap,
)
from .readers import RawRecord, Reader
from .report import ImportReport, Issue
from .store import DATA_FIELDS, comparable, copy_insert


class ImportAborted(Exception):
    """Raised inside the transaction to roll back a dry run."""


@dataclass
class Candidate:
    record: RawRecord
    values: dict
    lonlat: tuple[float, float] | None
    date_missing: Issue | None = None  # the warning, when the source gave no usable date_maj


class PlaceImporter:
    def __init__(
        self, reader: Reader, source: str, *, dry_run: bool = False, show_progress: bool = False
    ):
        if not source or not source.strip():
            raise ValueError("nom de source requis (--source)")
        if len(source.strip()) > 80:
            raise ValueError("nom de source trop long (80 caractères au plus)")
        self.reader = reader
        self.source = source.strip()
        self.dry_run = dry_run
        self.show_progress = show_progress
        self.today = timezone.localdate()  # the date_maj of a place whose source gives none
        self.report = ImportReport(
            file=str(reader.path), source=self.source, format=reader.format_name, dry_run=dry_run
        )

    def run(self) -> ImportReport:
        started = time.monotonic()
        try:
            records = self.reader.records()
            self.report.read = len(records)
            records = self.screen(records)
            records = self.unique_ids(records)
            territory = Territory()
            candidates = []
            for record in progress(records, "Lecture", self.show_progress):
                candidate = self.prepare(record, territory)
                if candidate:
                    candidates.append(candidate)
            self.locate(candidates, territory)
            try:
                with transaction.atomic():
                    self.write(candidates)
                    if self.dry_run:
                        raise ImportAborted
            except ImportAborted:
                pass
        except KeyboardInterrupt:
            self.report.interrupted = True
            raise
        except Exception:
            self.report.rolled_back = True
            raise
        finally:
            self.report.seconds = time.monotonic() - started
        directory_imported.send(sender=type(self))  # coverage brings itself up to date
        return self.report

    # -- reading -----------------------------------------------------------------------------

    def screen(self, records: list[RawRecord]) -> list[RawRecord]:
        """Rows the reader found damaged (a short CSV row) and rows holding a NUL character
        (PostgreSQL stores no NUL: a binary or corrupted value) are rejected first; the others
        go on."""
        kept = []
        for record in records:
            if record.problem:
                self.report.reject(record, *record.problem)
                continue
            nul = nul_field(record.source_id, record.data)
            if nul:
                record.source_id = visible(record.source_id)
                self.report.reject(
                    record,
                    nul[0],
                    visible(nul[1]),
                    "caractère NUL (octet 0x00) : valeur binaire ou corrompue, ligne rejetée",
                )
                continue
            kept.append(record)
        return kept

    def unique_ids(self, records: list[RawRecord]) -> list[RawRecord]:
        """Ids must be unique in a file. When producers of one file reuse an id (data·inclusion:
        "12" from dora and from siao), the producer prefixes it; an exact repeat is rejected."""
        by_id: dict[str, list[RawRecord]] = {}
        for record in records:
            by_id.setdefault(record.source_id, []).append(record)
        kept, seen = [], set()
        for record in records:
            if not record.source_id:
                self.report.reject(record, "id", "", "identifiant absent")
                continue
            if len(by_id[record.source_id]) > 1:
                producer = (str(record.data.get("source") or "").strip()) or "?"
                original = record.source_id
                record.source_id = f"{producer}:{original}"
                if record.source_id in seen:
                    self.report.reject(
                        record, "id", original, "identifiant en double dans le fichier"
                    )
                    continue
                self.report.warn(
                    record,
                    "id",
                    original,
                    f"identifiant repris par plusieurs producteurs : clé « {record.source_id} »",
                )
            if len(record.source_id) > 200:
                self.report.reject(
                    record, "id", record.source_id[:60], "identifiant trop long (200 au plus)"
                )
                continue
            seen.add(record.source_id)
            kept.append(record)
        return kept

    def prepare(self, record: RawRecord, territory: Territory) -> Candidate | None:
        for field_name, value, note in record.notes:
            self.report.warn(record, field_name, value, note)
        values = clean_record(record, self.report, self.today)
        date_missing = values.pop("date_maj_missing")
        if not values["nom"]:
            self.report.reject(record, "nom", "", "nom absent")
            return None
        lonlat = read_coordinates(record, self.report)
        if lonlat is False:
            return None
        code = values["code_insee"]
        if code:
            current = territory.current_code(code)
            if current is None:
                self.report.warn(record, "code_insee", code, "code INSEE inconnu du COG : ignoré")
                values["code_insee"] = ""
            elif current != code:
                kind = territory.alias_kinds.get(code, "ancien")
                label = CommuneAlias.Kind(kind).label
                self.report.clean(
                    record,
                    "code_insee",
                    code,
                    f"code d'une commune fusionnée ou d'un arrondissement : {code} ({label})"
                    f" → commune actuelle {current}",
                )
                values["code_insee"] = current
        if lonlat is None and not values["code_insee"] and not values["code_postal"]:
            self.report.reject(
                record,
                "latitude",
                "",
                "impossible à situer : ni coordonnées, ni code INSEE, ni code postal lisibles",
            )
            return None
        return Candidate(record, values, lonlat, date_missing)

    # -- placing in the territory --------------------------------------------------------------

    def locate(self, candidates: list[Candidate], territory: Territory):
        points = [(i, *c.lonlat) for i, c in enumerate(candidates) if c.lonlat]
        at_point = communes_at_points(points)
        missing = [p for p in points if p[0] not in at_point]
        dep_at_point = departements_at_points(missing)
        territory.load_communes(
            {c.values["code_insee"] for c in candidates if c.values["code_insee"]}
            | set(at_point.values()),
            {
                c.values["code_postal"]
                for c in candidates
                if c.values["code_postal"] and not c.lonlat and not c.values["code_insee"]
            },
        )
        for index, candidate in enumerate(candidates):
            self.place(candidate, territory, at_point.get(index), dep_at_point.get(index))

    def place(self, candidate: Candidate, territory: Territory, point_code, point_dep):
        record, values = candidate.record, candidate.values
        code, postal = values["code_insee"], values["code_postal"]
        code_dep = departement_from_codes(code, postal)
        commune = None
        values["location_precision"] = Place.Precision.SOURCE
        if candidate.lonlat:
            lon, lat = candidate.lonlat
            if near_centre_of_france(lon, lat) and code_dep not in {"36", "18", ""}:
                self.report.warn(
                    record,
                    "latitude",
                    f"{lat}, {lon}",
                    "point au centre de la France (géocodage par défaut ?) : adresse du"
                    f" {code_dep}, point gardé, commune prise du point",
                )
            if point_code:
                commune = point_code
                point_dep = territory.communes[point_code]["departement"]
                if code and code != point_code:
                    self.report.warn(
                        record,
                        "code_insee",
                        code,
                        "le point tombe dans une autre commune que son code INSEE : "
                        f"{territory.communes[point_code]['nom']} ({point_code}),"
                        " commune prise du point",
                    )
                elif not code and code_dep and code_dep != point_dep:
                    self.report.warn(
                        record,
                        "code_postal",
                        postal,
                        "le point tombe dans un autre département que son code postal : "
                        f"{territory.communes[point_code]['nom']} ({point_code}),"
                        " commune prise du point",
                    )
            elif point_dep and code_dep and point_dep != code_dep:
                self.report.warn(
                    record,
                    "code_insee" if code else "code_postal",
                    code or postal,
                    "le point tombe dans un autre département que son code : "
                    f"{point_dep}, département pris du point",
                )
            elif code and code in territory.communes:
                commune = code
                self.report.warn(
                    record,
                    "latitude",
                    f"{lat}, {lon}",
                    "le point ne tombe dans aucune commune chargée (en mer, hors du contour"
                    f" simplifié ?) : commune prise du code {code}",
                )
            values["departement_code"] = point_dep or (
                territory.communes[commune]["departement"] if commune else code_dep
            )
            values["location"] = (lon, lat)
        else:
            if code:
                commune = code if code in territory.communes else None
            elif postal:
                commune, ambiguous = territory.commune_for_postal(postal, values["commune"])
                if ambiguous:
                    self.report.warn(
                        record,
                        "code_postal",
                        postal,
                        f"code postal de plusieurs communes : {commune} retenue (la plus peuplée)",
                    )
            if commune and territory.communes[commune]["point"]:
                values["location"] = snap(*territory.communes[commune]["point"])
                values["location_precision"] = Place.Precision.COMMUNE
                self.report.warn(
                    record,
                    "latitude",
                    "",
                    "sans coordonnées, placé au point de référence de la commune : "
                    f"{territory.communes[commune]['nom']} ({commune})",
                )
            else:
                values["location"] = None
                self.report.warn(
                    record,
                    "latitude",
                    "",
                    "sans coordonnées et commune non chargée, gardé sans position : "
                    f"département {code_dep or 'inconnu'}",
                )
            values["departement_code"] = (
                territory.communes[commune]["departement"] if commune else code_dep
            )
        if values["departement_code"] not in territory.departements:
            values["departement_code"] = ""
        values["commune_actuelle_id"] = commune

    # -- writing -----------------------------------------------------------------------------

    def write(self, candidates: list[Candidate]):
        existing = {
            row["source_id"]: row
            for row in Place.objects.filter(import_source=self.source)
            .annotate(
                lon=RawSQL("ST_X(location::geometry)", []),
                lat=RawSQL("ST_Y(location::geometry)", []),
            )
            .values("id", "source_id", "lon", "lat", *DATA_FIELDS)
        }
        to_create, to_update = [], []
        now = timezone.now()
        for candidate in progress(candidates, "Écriture", self.show_progress):
            values = candidate.values
            key = candidate.record.source_id
            row = existing.pop(key, None)
            if row is None:
                to_create.append(self.build(key, values))
                continue
            if candidate.date_missing and row["date_maj"] is not None:
                # No date in the source: the date stored by an earlier import stays, unless the
                # place changed now (then this import is its update).
                kept = {**values, "date_maj": row["date_maj"]}
                if comparable(row) == comparable(kept):
                    self.report.unchanged += 1
                    warning = candidate.date_missing
                    warning.reason = (
                        warning.reason.rsplit(" : ", 1)[0]
                        + f" : date déjà enregistrée ({row['date_maj'].isoformat()}) gardée"
                    )
                    continue
            if comparable(row) == comparable(values):
                self.report.unchanged += 1
                continue
            place = self.build(key, values)
            place.pk, place.updated_at = row["id"], now
            to_update.append(place)
        self.report.absent = len(existing)
        copy_insert(to_create)
        Place.objects.bulk_update(to_update, [*DATA_FIELDS, "location", "updated_at"], 500)
        self.report.created, self.report.updated = len(to_create), len(to_update)

    def build(self, key: str, values: dict) -> Place:
        fields = {name: values[name] for name in DATA_FIELDS}
        location = values.get("location")
        return Place(
            import_source=self.source,
            source_id=key,
            location=Point(*location, srid=4326) if location else None,
            **fields,
        )
