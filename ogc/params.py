"""Query parameters of OGC API - Features, parsed strictly: each error names its parameter.

``bbox`` is CRS84 (lon/lat, WGS84); ``limit`` is 1 to 10,000 (default 100); ``offset`` pages;
``datetime`` is an RFC 3339 instant or interval matched against the collection's dates; any
filterable property of the collection is an equality filter. Unknown parameters are refused
(OGC API - Features /req/core/query-param-unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from tiles.sources import ParameterError, Source

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
FORMATS = {"json": "json", "geojson": "json", "html": "html"}
COMMON = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime"}


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    dates: tuple[date | None, date | None] | None = None
    filters: dict = field(default_factory=dict)


def parse_int(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParameterError(name, f"{name} doit être un entier (reçu {raw!r}).") from None
    if not low <= value <= high:
        raise ParameterError(name, f"{name} doit être entre {low} et {high} (reçu {value}).")
    return value


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    if len(parts) not in (4, 6):
        raise ParameterError(
            "bbox", "bbox attend 4 nombres : lon_min,lat_min,lon_max,lat_max (CRS84)."
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ParameterError("bbox", f"bbox contient une valeur non numérique : {raw!r}.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ParameterError("bbox", "bbox contient une valeur non finie.")
    if len(numbers) == 6:  # 3D box: the heights do not matter for 2D features
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ParameterError("bbox", "Les longitudes de bbox doivent être entre -180 et 180.")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ParameterError("bbox", "Les latitudes de bbox doivent être entre -90 et 90.")
    if min_lat > max_lat:
        raise ParameterError("bbox", "Dans bbox, lat_min doit être inférieure à lat_max.")
    if min_lon > max_lon:
        raise ParameterError(
            "bbox",
            "Une bbox qui traverse l'antiméridien (lon_min > lon_max) n'est pas prise en charge.",
        )
    return min_lon, min_lat, max_lon, max_lat


def _parse_instant(text: str) -> date | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ParameterError(
            "datetime", f"datetime attend une date RFC 3339 ou un intervalle (reçu {text!r})."
        ) from None


def parse_datetime(raw: str) -> tuple[date | None, date | None]:
    if "/" in raw:
        start, _, end = raw.partition("/")
        interval = (_parse_instant(start), _parse_instant(end))
        if interval[0] and interval[1] and interval[0] > interval[1]:
            raise ParameterError("datetime", "datetime : le début est après la fin.")
        return interval
    instant = _parse_instant(raw)
    if instant is None:
        raise ParameterError("datetime", "datetime ne peut pas être vide.")
    return instant, instant


def output_format(request) -> str:
    """``json`` or ``html``, from ``f`` first, then the Accept header (JSON by default)."""
    requested = request.GET.get("f")
    if requested is not None:
        try:
            return FORMATS[requested.strip().lower()]
        except KeyError:
            raise ParameterError("f", "f doit valoir json ou html.") from None
    preferred = request.get_preferred_type(
        ["application/geo+json", "application/json", "text/html"]
    )
    return "html" if preferred == "text/html" else "json"


def parse_items(params, source: Source) -> ItemsQuery:
    allowed = COMMON | {f.name for f in source.filterable()}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ParameterError(
            unknown[0],
            f"Paramètre inconnu : {unknown[0]}. "
            f"Paramètres acceptés : {', '.join(sorted(allowed))}.",
        )
    crs = params.get("bbox-crs")
    if crs is not None and crs.strip() != CRS84:
        raise ParameterError("bbox-crs", f"bbox-crs : seul {CRS84} est pris en charge.")
    query = ItemsQuery(
        limit=parse_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int(params, "offset", 0, 0, MAX_OFFSET),
    )
    if "bbox" in params:
        query.bbox = parse_bbox(params["bbox"])
    if "datetime" in params:
        query.dates = parse_datetime(params["datetime"])
    query.filters = {f.name: params[f.name] for f in source.filterable() if f.name in params}
    # Parse now so that a bad value is reported before any query runs.
    for name, raw in query.filters.items():
        source.field(name).parse(raw)
    return query
