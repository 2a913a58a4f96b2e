"""Reading a record's coordinates, and batch lookups that place records in the territory: one
SQL statement per question.

Point-in-polygon for the whole batch is a single join of the points (``unnest`` of arrays)
against the loaded commune polygons (GiST index), then the département outlines for the points no
loaded commune holds. No per-row query.
"""

from __future__ import annotations

import math
import unicodedata

from django.db import connection

from geo_directory.territories.models import Commune, CommuneAlias, Departement

from ..cleaning import text

# Boxes (lon_min, lat_min, lon_max, lat_max) of metropolitan France, Corsica included, and of
# the overseas départements and the Atlantic collectivités (Saint-Martin, Saint-Barthélemy,
# Saint-Pierre-et-Miquelon) whose places the national lists hold.
FRANCE_BOXES = {
    "métropole": (-5.3, 41.3, 9.65, 51.2),
    "971": (-61.9, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.35, -60.75, 14.9),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.15, -21.45, 55.9, -20.8),
    "976": (44.95, -13.05, 45.35, -12.6),
    "975": (-56.5, 46.7, -56.1, 47.2),
    "977-978": (-63.2, 17.85, -62.75, 18.15),
}
# Where geocoders put an address they could not find: the middle of France (Indre, 36).
CENTRE_OF_FRANCE = (1.85, 46.62)


# Stored positions have 6 decimals (about 0.1 m): every output then prints the same digits.
POSITION_DECIMALS = 6


def snap(lon: float, lat: float) -> tuple[float, float]:
    """(lon, lat) rounded as Python rounds (the exact binary value decides a tie; PostgreSQL's
    ``round(x::numeric, 6)`` reads 15 digits first and may round the other way)."""
    return round(lon, POSITION_DECIMALS), round(lat, POSITION_DECIMALS)


def in_france(lon: float, lat: float) -> bool:
    return any(a <= lon <= c and b <= lat <= d for a, b, c, d in FRANCE_BOXES.values())


def read_coordinates(record, report):
    """The record's (lon, lat) snapped to 6 decimals, None when absent, False when rejected
    (the reason written to ``report``): unreadable, outside WGS84, NaN, 0/0, outside France."""
    lat, lon = record.data.get("latitude"), record.data.get("longitude")
    if lat in (None, "") or lon in (None, ""):
        return None
    try:
        lat = float(str(lat).replace(",", ".")) if not isinstance(lat, bool) else None
        lon = float(str(lon).replace(",", ".")) if not isinstance(lon, bool) else None
    except ValueError:
        lat = lon = None
    if lat is None or lon is None:
        raw = f"{record.data.get('latitude')}, {record.data.get('longitude')}"
        report.reject(record, "latitude", raw, "coordonnées illisibles")
        return False
    for name, value, bound in (("latitude", lat, 90), ("longitude", lon, 180)):
        if not math.isfinite(value) or abs(value) > bound:
            reason = (
                f"{name} hors de [-{bound}, {bound}] degrés (WGS84)"
                if math.isfinite(value)
                else f"{name} qui n'est pas un nombre (NaN ou infini)"
            )
            report.reject(record, name, text(record.data.get(name)), reason)
            return False
    lon, lat = snap(lon, lat)
    if abs(lat) < 1e-6 and abs(lon) < 1e-6:
        report.reject(record, "latitude", "0, 0", "coordonnées à 0/0")
        return False
    if in_france(lon, lat):
        return (lon, lat)
    if in_france(lat, lon):
        report.clean(
            record, "latitude", f"{lat}, {lon}", "latitude et longitude inversées : remises"
        )
        return (lat, lon)
    report.reject(
        record,
        "latitude",
        f"{lat}, {lon}",
        "coordonnées hors de France (métropole et outre-mer)",
    )
    return False


def near_centre_of_france(lon: float, lat: float) -> bool:
    return abs(lon - CENTRE_OF_FRANCE[0]) < 0.05 and abs(lat - CENTRE_OF_FRANCE[1]) < 0.05


def communes_at_points(points: list[tuple[int, float, float]]) -> dict[int, str]:
    """key -> code of the loaded commune whose polygon holds the point (one SQL join)."""
    return _point_join(points, Commune._meta.db_table, "code")


def departements_at_points(points: list[tuple[int, float, float]]) -> dict[int, str]:
    return _point_join(points, Departement._meta.db_table, "code")


def _point_join(points, table: str, column: str) -> dict[int, str]:
    if not points:
        return {}
    keys, lons, lats = zip(*points, strict=True)
    sql = (
        f"SELECT DISTINCT ON (p.k) p.k, t.{column} "
        "FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS p(k, lon, lat) "
        f"JOIN {table} t ON t.geom IS NOT NULL "
        "AND ST_Intersects(t.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) "
        f"ORDER BY p.k, t.{column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(keys), list(lons), list(lats)])
        return dict(cursor.fetchall())


class Territory:
    """What the database knows of communes, loaded once per import."""

    def __init__(self):
        self.aliases = CommuneAlias.objects.mapping()
        self.alias_kinds = dict(
            CommuneAlias.objects.exclude(kind=CommuneAlias.Kind.ACTUELLE).values_list(
                "code", "kind"
            )
        )
        self.departements = set(Departement.objects.values_list("code", flat=True))
        self.communes = {}  # code -> dict(departement, nom, lon, lat, codes_postaux, population)
        self.by_postal = {}  # postal code -> [commune codes]

    def load_communes(self, codes: set[str], postal_codes: set[str]):
        """Loaded communes with those codes or postal codes (one query, no geometry objects)."""
        sql = (
            "SELECT code, departement_id, nom, ST_X(reference_point), ST_Y(reference_point),"
            f" coalesce(population, 0), codes_postaux FROM {Commune._meta.db_table}"
            " WHERE code = ANY(%s) OR codes_postaux && %s::varchar[]"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [sorted(codes), sorted(postal_codes)])
            rows = cursor.fetchall()
        for code, departement, nom, lon, lat, population, codes_postaux in rows:
            self.communes[code] = {
                "departement": departement,
                "nom": nom,
                "point": (lon, lat) if lon is not None else None,
                "population": population,
            }
            for postal in codes_postaux:
                if postal in postal_codes:
                    self.by_postal.setdefault(postal, []).append(code)

    def current_code(self, code: str) -> str | None:
        return self.aliases.get(code)

    def commune_for_postal(self, postal: str, name: str) -> tuple[str | None, bool]:
        """(commune code, ambiguous?) for a postal code among loaded communes; the name decides
        between several, else the most populated."""
        codes = self.by_postal.get(postal, [])
        if not codes:
            return None, False
        if len(codes) == 1:
            return codes[0], False
        wanted = _fold(name)
        for code in codes:
            if _fold(self.communes[code]["nom"]) == wanted:
                return code, False
        return max(codes, key=lambda c: self.communes[c]["population"]), True


def _fold(name: str) -> str:
    name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return "".join(ch for ch in name.lower() if ch.isalnum())
