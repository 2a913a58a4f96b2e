"""Query parameters of OGC API - Features, parsed strictly: each error names its parameter.

``limit`` 1 to 2,000 (default 100; more is served as 2,000, as Part 1 requires: a page of
2,000 communes is ~3 MB, built in a fraction of a second; GIS clients follow ``next``); ``offset``
pages; ``bbox`` (4 or 6 numbers, across the antimeridian when lon_min > lon_max) in ``bbox-crs``
(CRS84 by default, see ``ogc.crs``); ``crs`` the CRS of the answer; ``datetime`` an RFC 3339
instant or interval matched against the collection's dates; every scalar queryable property is
an exact-equality filter on its published value (list fields are filtered in CQL2); ``filter``
and ``filter-lang`` a CQL2 expression (``ogc.cql``); ``sortby`` queryable properties, ``-`` for
descending; ``properties`` the properties to return; plus the layer's own parameters (communes:
``basis``, ``threshold_km``). Unknown parameters are refused
(OGC API - Features /req/core/query-param-unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from geo_directory.layers import Layer, ParameterError

from . import cql
from .crs import CRS, CRS84, DEFAULT, parse_bbox, parse_crs
from .layers import layer_options, parameter_names

DEFAULT_LIMIT = 100
MAX_LIMIT = 2_000  # every page bounded (issue 12): 2,000 communes ~3 MB, 2,000 places ~1.5 MB
MAX_OFFSET = 10_000_000
FORMATS = {"json": "json", "geojson": "json", "html": "html"}
COMMON = {
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
}


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    area: object = None  # GEOS geometry to intersect (bbox), or None
    dates: tuple[date | None, date | None] | None = None
    filters: dict = field(default_factory=dict)
    crs: CRS = DEFAULT
    options: dict = field(default_factory=dict)
    cql: object = None  # pygeofilter AST, or None
    sortby: list[str] = field(default_factory=list)  # property names, "-" for descending
    properties: tuple[str, ...] | None = None


def parse_int(params, name: str, default: int, low: int, high: int | None = None) -> int:
    """An integer from ``low``; above ``high`` it is ``high`` (a limit above the maximum is
    not an error, /req/core/fc-limit-response), unless ``high`` is None."""
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 18:
        raise ParameterError(name, f"{name} doit être un entier (reçu {raw!r}).")
    value = int(text)
    if value < low:
        raise ParameterError(name, f"{name} doit valoir au moins {low} (reçu {value}).")
    return value if high is None else min(value, high)


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


def equality_fields(layer: Layer):
    """The properties that are plain equality parameters: the scalar queryables."""
    return [f for f in layer.filterable() if not f.many]


def sortable_fields(layer: Layer):
    return [f for f in layer.filterable() if not f.many]


def check_equality(item, raw: str):
    """The value of an equality parameter, checked for its type (400 naming it)."""
    if item.type == "date":
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise ParameterError(
                item.name, f"{item.name} attend une date AAAA-MM-JJ (reçu {raw!r})."
            ) from None
    if item.type == "number":
        try:
            number = float(raw.strip())
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ParameterError(item.name, f"{item.name} attend un nombre (reçu {raw!r}).")
        return number
    return item.parse(raw)


def parse_sortby(raw: str, layer: Layer) -> list[str]:
    names = {f.name for f in sortable_fields(layer)}
    keys = []
    for part in raw.split(","):
        # "+nom" arrives as " nom" when the client did not encode the "+".
        key = part.strip()
        descending = key.startswith("-")
        name = key.lstrip("+-").strip()
        if name not in names:
            raise ParameterError(
                "sortby",
                f"sortby : tri impossible sur {name!r}. Propriétés triables : "
                f"{', '.join(sorted(names))} (préfixe - pour l'ordre décroissant).",
            )
        keys.append(f"-{name}" if descending else name)
    return keys


def parse_properties(raw: str, layer: Layer) -> tuple[str, ...]:
    known = [f.name for f in layer.fields]
    asked = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in asked if name not in known]
    if unknown:
        raise ParameterError(
            "properties",
            f"properties : propriété inconnue {unknown[0]!r}. Propriétés : {', '.join(known)}.",
        )
    return tuple(name for name in known if name in asked)


def allowed_parameters(layer: Layer) -> set[str]:
    return COMMON | {f.name for f in equality_fields(layer)} | set(parameter_names(layer))


def check_unknown(params, allowed: set[str], layer: Layer | None = None):
    unknown = sorted(set(params) - allowed)
    if unknown:
        name = unknown[0]
        item = layer.field(name) if layer is not None else None
        hint = ""
        if item is not None and item.many:
            hint = (
                f" {name} est une liste : filtrez-la en CQL2, "
                f"par ex. filter=A_CONTAINS({name}, ('valeur'))."
            )
        raise ParameterError(
            name,
            f"Paramètre inconnu : {name}. "
            f"Paramètres acceptés : {', '.join(sorted(allowed))}.{hint}",
        )


def parse_items(params, layer: Layer) -> ItemsQuery:
    check_unknown(params, allowed_parameters(layer), layer)
    query = ItemsQuery(
        limit=parse_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int(params, "offset", 0, 0),
        crs=parse_crs(params, "crs"),
        options=layer_options(layer, params),
    )
    if query.offset > MAX_OFFSET:
        raise ParameterError("offset", f"offset doit être au plus {MAX_OFFSET}.")
    bbox_crs = parse_crs(params, "bbox-crs")
    if "bbox" in params:
        query.area = parse_bbox(params["bbox"], bbox_crs)
    if "datetime" in params:
        query.dates = parse_datetime(params["datetime"])
    for item in equality_fields(layer):
        if item.name in params:
            check_equality(item, params[item.name])
            query.filters[item.name] = params[item.name]
    if "filter-crs" in params and params["filter-crs"].strip() != CRS84:
        raise ParameterError(
            "filter-crs", f"filter-crs : seul {CRS84} est pris en charge (géométries en lon/lat)."
        )
    if "filter" in params:
        query.cql = cql.parse(params["filter"], params.get("filter-lang"))
    elif "filter-lang" in params:
        cql.parse("INCLUDE", params["filter-lang"])  # checks the language name
    if "sortby" in params:
        query.sortby = parse_sortby(params["sortby"], layer)
    if "properties" in params:
        query.properties = parse_properties(params["properties"], layer)
    return query


def parse_item(params) -> CRS:
    """The parameters of one Feature: ``f`` and ``crs``."""
    check_unknown(params, {"f", "crs"})
    return parse_crs(params, "crs")
