"""Query parameters of the places API, parsed strictly, applied through the queryset methods.

Every problem becomes ``InvalidParameters({name: reason})`` (a 400 that names the parameter):
no NaN, no infinity, no coordinate out of range, no value outside the standard's lists.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point

from geo_directory.territories.models import CommuneAlias, Departement

from .querysets import LIST_FIELDS

DEFAULT_RADIUS_KM = 20
MAX_RADIUS_KM = 100
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_TEXT = 100
DEPARTEMENT_RE = re.compile(r"^(\d{2}|2[AB]|97\d)$")
CODE_INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE = {"1", "true", "oui", "on", "yes"}
FALSE = {"0", "false", "non", "off", "no", ""}

PARAMETERS = {
    "bbox",
    "near",
    "radius_km",
    "departement",
    "code_insee",
    "ouvert_maintenant",
    "q",
    "page",
    "page_size",
    "format",
    *LIST_FIELDS,
}


class InvalidParameters(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def parse_number(name: str, text: str) -> float:
    text = text.strip()
    if len(text) > 30:
        raise InvalidParameters({name: "nombre trop long"})
    if not NUMBER_RE.match(text):  # float() would also take "١", "1_0", "nan"
        raise InvalidParameters({name: f"« {text[:30]} » n'est pas un nombre décimal"})
    value = float(text)
    if not math.isfinite(value):
        raise InvalidParameters({name: "nombre fini attendu (ni NaN ni infini)"})
    return value


def parse_numbers(name: str, text: str, count: int, shape: str) -> list[float]:
    parts = text.split(",")
    if len(parts) != count:
        raise InvalidParameters(
            {name: f"{count} nombres séparés par des virgules attendus : {shape}"}
        )
    return [parse_number(name, part) for part in parts]


def check_lon_lat(name: str, lon: float, lat: float):
    if not -180 <= lon <= 180:
        raise InvalidParameters({name: f"longitude {lon} hors de [-180, 180] (ordre : lon,lat)"})
    if not -90 <= lat <= 90:
        raise InvalidParameters({name: f"latitude {lat} hors de [-90, 90] (ordre : lon,lat)"})


def parse_int(name: str, text: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,7}", text.strip()):
        raise InvalidParameters({name: f"entier entre {low} et {high} attendu"})
    value = int(text)
    if not low <= value <= high:
        raise InvalidParameters({name: f"entier entre {low} et {high} attendu"})
    return value


def parse_bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InvalidParameters({name: "valeur attendue : true ou false"})


@dataclass
class PlaceFilter:
    """The parsed search. ``from_query`` validates; ``apply`` narrows a queryset."""

    bbox: tuple[float, float, float, float] | None = None
    near: Point | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    departement: str | None = None
    code_insee: str | None = None
    lists: dict[str, list[str]] = field(default_factory=dict)
    open_now: bool = False
    q: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_query(cls, query, *, strict: bool = True) -> PlaceFilter:
        """Parse a QueryDict; ``strict`` refuses parameters this API does not know."""
        if strict:
            unknown = sorted(set(query) - PARAMETERS)
            if unknown:
                raise InvalidParameters(
                    {unknown[0]: "paramètre inconnu ; acceptés : " + ", ".join(sorted(PARAMETERS))}
                )
        for name, values in query.lists():
            if any(CONTROL_RE.search(value) for value in values):
                raise InvalidParameters({name: "caractère de contrôle interdit"})
        search = cls()
        if query.get("bbox"):
            values = parse_numbers("bbox", query["bbox"], 4, "minLon,minLat,maxLon,maxLat")
            check_lon_lat("bbox", values[0], values[1])
            check_lon_lat("bbox", values[2], values[3])
            if values[0] > values[2] or values[1] > values[3]:
                raise InvalidParameters(
                    {
                        "bbox": "minLon ≤ maxLon et minLat ≤ maxLat attendus "
                        "(minLon,minLat,maxLon,maxLat)"
                    }
                )
            search.bbox = tuple(values)
        if query.get("near"):
            lon, lat = parse_numbers("near", query["near"], 2, "lon,lat")
            check_lon_lat("near", lon, lat)
            search.near = Point(lon, lat, srid=4326)
        if query.get("radius_km"):
            if search.near is None:
                raise InvalidParameters({"radius_km": "n'a de sens qu'avec near=lon,lat"})
            radius = parse_number("radius_km", query["radius_km"])
            if not 0 < radius <= MAX_RADIUS_KM:
                raise InvalidParameters(
                    {"radius_km": f"rayon en km attendu, supérieur à 0 et au plus {MAX_RADIUS_KM}"}
                )
            search.radius_km = radius
        if query.get("departement"):
            search.departement = cls._departement(query["departement"].strip().upper())
        if query.get("code_insee"):
            search.code_insee = cls._commune(query["code_insee"].strip().upper())
        for name, allowed in LIST_FIELDS.items():
            values = [v.strip() for raw in query.getlist(name) for v in raw.split("|") if v.strip()]
            for value in values:
                if value not in allowed:
                    raise InvalidParameters(
                        {
                            name: f"valeur inconnue « {value[:60]} » ; acceptées : "
                            + " | ".join(allowed)
                        }
                    )
            if values:
                search.lists[name] = values
        if query.get("ouvert_maintenant") is not None:
            search.open_now = parse_bool("ouvert_maintenant", query["ouvert_maintenant"])
        q = query.get("q", "").strip()
        if len(q) > MAX_TEXT:
            raise InvalidParameters({"q": f"au plus {MAX_TEXT} caractères"})
        search.q = q
        if query.get("page"):
            search.page = parse_int("page", query["page"], 1, 1_000_000)
        if query.get("page_size"):
            search.page_size = parse_int("page_size", query["page_size"], 1, MAX_PAGE_SIZE)
        return search

    @staticmethod
    def _departement(code: str) -> str:
        if not DEPARTEMENT_RE.match(code):
            raise InvalidParameters({"departement": "code de département attendu (04, 2A, 974…)"})
        if not Departement.objects.filter(code=code).exists():
            raise InvalidParameters({"departement": f"département « {code} » inconnu"})
        return code

    @staticmethod
    def _commune(code: str) -> str:
        if not CODE_INSEE_RE.match(code):
            raise InvalidParameters({"code_insee": "code INSEE de commune attendu (5 caractères)"})
        current = CommuneAlias.objects.current_code(code)
        if current is None:
            raise InvalidParameters({"code_insee": f"commune « {code} » inconnue"})
        return current

    @property
    def radius_m(self) -> float:
        return self.radius_km * 1000

    def apply(self, queryset):
        """Filters, then the order: nearest first with ``near``, else by id."""
        if self.bbox:
            queryset = queryset.in_bbox(*self.bbox)
        if self.departement:
            queryset = queryset.in_departement(self.departement)
        if self.code_insee:
            queryset = queryset.in_commune(self.code_insee)
        for name, values in self.lists.items():
            queryset = queryset.with_any(name, values)
        if self.q:
            queryset = queryset.search(self.q)
        if self.near is not None:
            queryset = queryset.near(self.near, self.radius_m)
        else:
            queryset = queryset.order_by("id")
        if self.open_now:  # last: hours are read only for places the other filters kept
            queryset = queryset.open_now()
        return queryset
