"""Import of the COG commune list and commune / département polygons.

The polygons date from 2018 and the codes from 2026: a polygon whose code is now a commune
déléguée (or an arrondissement, or a former code) is merged into its current commune, which gets
the union of its own polygon and those of its parts. Invalid geometries are repaired (MakeValid);
a coordinate outside WGS84 (or NaN) refuses the whole import, naming the file, feature and value.
Everything runs in one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from shapely.geometry import MultiPolygon, Polygon, shape

from geo_directory.files import DataFileError, geojson_features, load_json
from geo_directory.progress import progress

from .models import Commune, CommuneAlias, Departement, Region
from .names import name_key

ALIAS_PRIORITY = {"actuelle": 0, "deleguee": 1, "associee": 2, "arrondissement": 3, "ancien": 4}
COG_KIND = {
    "commune-actuelle": "actuelle",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}


@dataclass
class TerritoryReport:
    regions: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    departements: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    communes: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    aliases: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    polygons_read: int = 0
    polygons_merged: list[str] = field(default_factory=list)  # "old -> current"
    unknown_codes: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    communes_without_polygon: list[str] = field(default_factory=list)
    departement_outlines: int = 0

    def as_dict(self) -> dict:
        return {
            "regions": self.regions,
            "departements": self.departements,
            "communes": self.communes,
            "aliases": self.aliases,
            "polygons_read": self.polygons_read,
            "polygons_merged": len(self.polygons_merged),
            "polygons_merged_detail": self.polygons_merged,
            "unknown_codes": self.unknown_codes,
            "geometries_repaired": self.repaired,
            "communes_without_polygon": self.communes_without_polygon,
            "departement_outlines": self.departement_outlines,
        }

    def lines(self) -> list[str]:
        def counts(d):
            return (
                f"{d['created']} créé(s), {d['updated']} mis à jour, {d['unchanged']} inchangé(s)"
            )

        out = [
            f"Régions : {counts(self.regions)}",
            f"Départements : {counts(self.departements)}",
            f"Communes : {counts(self.communes)}",
            f"Codes de communes (COG) : {counts(self.aliases)}",
            f"Polygones lus : {self.polygons_read}",
            f"Polygones fusionnés dans leur commune actuelle : {len(self.polygons_merged)}"
            + _examples(self.polygons_merged, 10),
            f"Géométries réparées (MakeValid) : {len(self.repaired)}"
            + _examples(self.repaired, 10),
            f"Codes de polygones inconnus du COG, ignorés : {len(self.unknown_codes)}"
            + _examples(self.unknown_codes, 10),
            f"Communes actuelles sans polygone : {len(self.communes_without_polygon)}"
            + _examples(self.communes_without_polygon, 20),
            f"Contours de départements : {self.departement_outlines}",
        ]
        return out


def _examples(items: list[str], most: int) -> str:
    if not items:
        return ""
    more = "…" if len(items) > most else ""
    return f" ({', '.join(items[:most])}{more})"


def _sibling(path: Path, kind: str) -> Path | None:
    candidate = path.with_name(path.name.replace("communes", kind).replace(".json.gz", ".json"))
    return candidate if candidate != path and candidate.exists() else None


def to_multipolygon(geometry: dict, label: str) -> tuple[MultiPolygon, bool]:
    """A valid shapely MultiPolygon from a GeoJSON geometry; True when it had to be repaired."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise DataFileError(f"{label}: géométrie {kind!s} au lieu d'un Polygon ou MultiPolygon")
    try:
        with np.errstate(invalid="ignore"):  # NaN is reported below, by check_wgs84
            geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise DataFileError(f"{label}: coordonnées illisibles ({exc})") from exc
    if geom.is_empty:
        raise DataFileError(f"{label}: géométrie vide")
    check_wgs84(geom, label)
    repaired = False
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        repaired = True
    polygons = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not polygons:
        raise DataFileError(f"{label}: géométrie invalide, irréparable en polygone")
    return MultiPolygon(polygons), repaired


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if value.is_integer() else repr(float(value))


def check_wgs84(geom, label: str):
    """DataFileError naming the first vertex outside WGS84 (longitude [-180, 180], latitude
    [-90, 90], NaN or infinite): such a polygon breaks every map and tile drawn from it."""
    coords = shapely.get_coordinates(geom)
    bad = ~(
        np.isfinite(coords).all(axis=1)
        & (np.abs(coords[:, 0]) <= 180)
        & (np.abs(coords[:, 1]) <= 90)
    )
    if not bad.any():
        return
    index = int(np.argmax(bad))
    lon, lat = (float(v) for v in coords[index])
    field_name, value = (
        ("longitude", lon) if not (math.isfinite(lon) and abs(lon) <= 180) else ("latitude", lat)
    )
    raise DataFileError(
        f"{label}: coordonnée hors de WGS84 : {field_name} {_number(value)} (sommet {index},"
        f" [{_number(lon)}, {_number(lat)}]) ; attendu longitude dans [-180, 180] et latitude"
        f" dans [-90, 90], en degrés ({int(bad.sum())} sommet(s) hors limites)"
    )


def union_multipolygon(parts: list[MultiPolygon]) -> MultiPolygon:
    if len(parts) == 1:
        return parts[0]
    merged = shapely.make_valid(shapely.union_all(parts))
    polygons = [g for g in shapely.get_parts(merged) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polygons)


def to_geos(geom: MultiPolygon) -> GEOSGeometry:
    return GEOSGeometry(shapely.to_wkb(geom, hex=True), srid=4326)


class TerritoryImporter:
    """Reads the COG lists and polygon files, then upserts régions, départements, communes."""

    def __init__(
        self,
        cog_communes: Path,
        commune_files: Iterable[Path] = (),
        departement_files: Iterable[Path] = (),
        cog_departements: Path | None = None,
        cog_regions: Path | None = None,
        show_progress: bool = False,
    ):
        self.cog_communes = Path(cog_communes)
        self.commune_files = [Path(p) for p in commune_files]
        self.departement_files = [Path(p) for p in departement_files]
        self.cog_departements = cog_departements or _sibling(self.cog_communes, "departements")
        self.cog_regions = cog_regions or _sibling(self.cog_communes, "regions")
        self.show_progress = show_progress
        self.report = TerritoryReport()

    # -- reading -------------------------------------------------------------------------
    def read_cog(self) -> tuple[dict[str, dict], dict[str, tuple[str, str, str]]]:
        records = load_json(self.cog_communes)
        if not isinstance(records, list):
            raise DataFileError(f"{self.cog_communes}: un tableau JSON de communes est attendu")
        current: dict[str, dict] = {}
        aliases: dict[str, tuple[str, str, str]] = {}  # code -> (kind, nom, current_code)

        def add_alias(code, kind, nom, target):
            known = aliases.get(code)
            if known is None or ALIAS_PRIORITY[kind] < ALIAS_PRIORITY[known[0]]:
                aliases[code] = (kind, nom, target)

        for index, rec in enumerate(records):
            try:
                code, kind = rec["code"], COG_KIND.get(rec["type"])
            except (KeyError, TypeError) as exc:
                raise DataFileError(
                    f"{self.cog_communes}: enregistrement {index} sans « code » ou « type »"
                ) from exc
            if kind is None:
                continue
            if kind == "actuelle":
                current[code] = rec
                add_alias(code, "actuelle", rec["nom"], code)
                for old in rec.get("anciensCodes") or []:
                    add_alias(old, "ancien", rec["nom"], code)
            elif kind == "arrondissement":
                add_alias(code, kind, rec["nom"], rec["commune"])
            else:
                add_alias(code, kind, rec["nom"], rec["chefLieu"])
        return current, aliases

    def read_polygons(self, aliases) -> dict[str, list[MultiPolygon]]:
        parts: dict[str, list[MultiPolygon]] = defaultdict(list)
        for path in self.commune_files:
            features = geojson_features(path)
            for index, feature in enumerate(
                progress(features, f"Polygones {path.name}", enabled=self.show_progress)
            ):
                label = f"{path.name}, entité {index}"
                props = feature.get("properties") or {} if isinstance(feature, dict) else {}
                code = str(props.get("code") or "").strip()
                if not code:
                    raise DataFileError(f"{label}: propriété « code » absente")
                label = f"{label} (code {code})"
                geom, repaired = to_multipolygon(feature.get("geometry"), label)
                self.report.polygons_read += 1
                if repaired:
                    self.report.repaired.append(code)
                alias = aliases.get(code)
                if alias is None:
                    self.report.unknown_codes.append(code)
                    continue
                target = alias[2]
                if target != code:
                    self.report.polygons_merged.append(f"{code} → {target}")
                parts[target].append(geom)
        return parts

    # -- writing -------------------------------------------------------------------------
    def run(self) -> TerritoryReport:
        current, aliases = self.read_cog()
        parts = self.read_polygons(aliases)
        outlines = self.read_departement_outlines()
        departements_info = load_json(self.cog_departements) if self.cog_departements else []
        regions_info = load_json(self.cog_regions) if self.cog_regions else []

        touched = {current[code]["departement"] for code in parts}
        with transaction.atomic():
            self.upsert_regions(regions_info, current)
            self.upsert_departements(departements_info, current, outlines)
            self.upsert_aliases(aliases)
            self.upsert_communes(current, parts, touched)
        return self.report

    def read_departement_outlines(self) -> dict[str, tuple[str, MultiPolygon]]:
        outlines = {}
        for path in self.departement_files:
            for index, feature in enumerate(geojson_features(path)):
                props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
                code = str(props.get("code") or "").strip()
                if not code:
                    raise DataFileError(f"{path.name}, entité {index}: propriété « code » absente")
                label = f"{path.name}, entité {index} (code {code})"
                geom, _ = to_multipolygon(feature.get("geometry"), label)
                outlines[code] = (props.get("nom") or code, geom)
        return outlines

    def _count(self, bucket: dict, created: bool, changed: bool):
        bucket["created" if created else "updated" if changed else "unchanged"] += 1

    def upsert_regions(self, regions_info, current):
        wanted = {
            r["code"]: {"nom": r["nom"], "zone": r.get("zone", "metro")} for r in regions_info
        }
        for rec in current.values():
            wanted.setdefault(
                rec["region"], {"nom": rec["region"], "zone": rec.get("zone", "metro")}
            )
        existing = {r.code: r for r in Region.objects.all()}
        for code, values in wanted.items():
            self._upsert(Region, existing.get(code), code, values, self.report.regions)

    def upsert_departements(self, departements_info, current, outlines):
        wanted = {
            d["code"]: {"nom": d["nom"], "region_id": d["region"], "zone": d.get("zone", "metro")}
            for d in departements_info
        }
        for rec in current.values():
            wanted.setdefault(
                rec["departement"],
                {"nom": rec["departement"], "region_id": rec["region"], "zone": rec["zone"]},
            )
        existing = {d.code: d for d in Departement.objects.all()}
        for code, (nom, geom) in outlines.items():
            values = wanted.setdefault(code, {"nom": nom, "region_id": None, "zone": "metro"})
            values["geom"] = to_geos(geom)
            self.report.departement_outlines += 1
        for code, values in wanted.items():
            self._upsert(Departement, existing.get(code), code, values, self.report.departements)

    def _upsert(self, model, obj, code, values, bucket):
        if obj is None:
            model.objects.create(code=code, **values)
            self._count(bucket, True, False)
            return
        changed = False
        for name, value in values.items():
            old = getattr(obj, name)
            same = (
                old is not None and value is not None and old.equals_exact(value, 1e-9)
                if isinstance(value, GEOSGeometry)
                else old == value
            )
            if not same:
                setattr(obj, name, value)
                changed = True
        if changed:
            obj.save()
        self._count(bucket, False, changed)

    def upsert_aliases(self, aliases):
        existing = {a.code: a for a in CommuneAlias.objects.all()}
        to_create, to_update = [], []
        for code, (kind, nom, target) in aliases.items():
            obj = existing.get(code)
            if obj is None:
                to_create.append(CommuneAlias(code=code, kind=kind, nom=nom, current_code=target))
            elif (obj.kind, obj.nom, obj.current_code) != (kind, nom, target):
                obj.kind, obj.nom, obj.current_code = kind, nom, target
                to_update.append(obj)
        CommuneAlias.objects.bulk_create(to_create, batch_size=5000)
        CommuneAlias.objects.bulk_update(
            to_update, ["kind", "nom", "current_code"], batch_size=5000
        )
        self.report.aliases["created"] += len(to_create)
        self.report.aliases["updated"] += len(to_update)
        self.report.aliases["unchanged"] += len(aliases) - len(to_create) - len(to_update)

    def upsert_communes(self, current, parts, touched):
        codes = sorted(code for code, rec in current.items() if rec["departement"] in touched)
        existing = {c.code: c for c in Commune.objects.filter(code__in=codes)}
        fields = [
            "nom",
            "name_key",
            "departement_id",
            "region_id",
            "zone",
            "population",
            "codes_postaux",
            "geom",
        ]
        to_create, to_update, changed_geom = [], [], []
        for code in progress(codes, "Communes", enabled=self.show_progress):
            rec = current[code]
            geom = to_geos(union_multipolygon(parts[code])) if code in parts else None
            values = {
                "nom": rec["nom"],
                "name_key": name_key(rec["nom"]),
                "departement_id": rec["departement"],
                "region_id": rec["region"],
                "zone": rec.get("zone", "metro"),
                "population": rec.get("population"),
                "codes_postaux": sorted(rec.get("codesPostaux") or []),
            }
            if geom is None:
                self.report.communes_without_polygon.append(code)
            obj = existing.get(code)
            if obj is None:
                to_create.append(Commune(code=code, geom=geom, **values))
                if geom is not None:
                    changed_geom.append(code)
                continue
            changed = any(getattr(obj, k) != v for k, v in values.items())
            if geom is not None and (obj.geom is None or not obj.geom.equals_exact(geom, 1e-9)):
                obj.geom = geom
                changed_geom.append(code)
                changed = True
            if changed:
                for k, v in values.items():
                    setattr(obj, k, v)
                to_update.append(obj)
        Commune.objects.bulk_create(to_create, batch_size=2000)
        Commune.objects.bulk_update(to_update, fields, batch_size=1000)
        self.derive_geometry_fields(changed_geom)
        self.report.communes["created"] += len(to_create)
        self.report.communes["updated"] += len(to_update)
        self.report.communes["unchanged"] += len(codes) - len(to_create) - len(to_update)

    @staticmethod
    def derive_geometry_fields(codes: list[str]):
        """Reference point inside the commune and geodesic area, computed by PostGIS."""
        if not codes:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE territories_commune
                   SET reference_point = ST_PointOnSurface(geom),
                       area_km2 = round((ST_Area(geom::geography) / 1e6)::numeric, 3)
                 WHERE code = ANY(%s) AND geom IS NOT NULL
                """,
                [codes],
            )


def report_json(report: TerritoryReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
