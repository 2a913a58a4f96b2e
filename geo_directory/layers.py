"""A published layer, defined once: its rows, geometry, Feature id and fields.

Each app that owns data defines its layer next to it (``places.layer.PLACES``,
``coverage.layer.COMMUNES``); the doors (the JSON API, OGC API - Features, vector tiles, the
exports) read that one definition, so a client gets the same id, property names, values and
rounding whatever door it uses. A layer also has a drf-gis ``GeoFeatureModelSerializer``, the
reference representation of one Feature: the SQL fast path (``geo_directory.geojson``) must
write exactly what it writes, and a test holds the two equal for every demo object.

Formats differ only where the format forces it: list fields are JSON arrays in every JSON door,
``|``-joined in the standard CSV and in vector tiles (MVT attributes cannot hold arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import F, Func
from django.db.models.functions import Cast


class ParameterError(ValueError):
    """A query parameter that cannot be honoured; ``name`` says which one."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


class JoinList(Func):
    """``array_to_string(list, '|')``: a list field where a format cannot hold arrays."""

    function = "array_to_string"
    template = "%(function)s(%(expressions)s, '|')"
    output_field = models.TextField()


JSON_SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


@dataclass(frozen=True)
class Field:
    """One published property.

    ``expression``: the ORM expression of its JSON value (a list field: the array itself).
    ``type``: string | integer | number | boolean | date (``many``: a list of strings).
    ``queryable``: exact-equality filters (OGC property parameters, CQL2) and sorting apply to
    it, on the published value: ``path`` when a plain (indexed) column holds exactly that value,
    else the expression itself. ``in_tiles``: carried by vector tiles.
    """

    name: str
    expression: Any
    type: str = "string"
    description: str = ""
    many: bool = False
    choices: tuple = ()
    queryable: bool = False
    nullable: bool = False
    in_tiles: bool = False
    path: str | None = None

    def tile_expression(self):
        """The value in a vector tile: lists ``|``-joined, dates as text, as in JSON otherwise."""
        if self.many:
            return JoinList(self.expression)
        if self.type == "date":
            return Cast(self.expression, models.TextField())
        return self.expression

    def json_schema(self) -> dict:
        if self.many:
            items = {"type": "string"}
            if self.choices:
                items["enum"] = list(self.choices)
            schema = {"type": "array", "items": items}
        else:
            schema = dict(JSON_SCHEMA_TYPES[self.type])
            if self.choices:
                schema["enum"] = list(self.choices)
        if self.nullable:
            schema["nullable"] = True
        return {**schema, "title": self.name, "description": self.description}

    def parse(self, raw: str):
        """The value of an equality filter from the query string, or ParameterError naming it."""
        text = raw.strip()
        if self.type == "boolean":
            if text.lower() in {"true", "1"}:
                return True
            if text.lower() in {"false", "0"}:
                return False
            raise ParameterError(
                self.name, f"{self.name} doit valoir true ou false (reçu {raw!r})."
            )
        if self.type == "integer":
            if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 12:
                raise ParameterError(self.name, f"{self.name} doit être un entier (reçu {raw!r}).")
            return int(text)
        if self.type == "number":
            try:
                value = float(text) if text.isascii() and len(text) <= 30 else math.nan
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ParameterError(self.name, f"{self.name} doit être un nombre (reçu {raw!r}).")
            return value
        if self.type == "date":
            try:
                if len(text) != 10:
                    raise ValueError(text)
                return date.fromisoformat(text)
            except ValueError:
                raise ParameterError(
                    self.name, f"{self.name} doit être une date AAAA-MM-JJ (reçu {raw!r})."
                ) from None
        if not text or len(text) > 250:
            raise ParameterError(self.name, f"{self.name} : de 1 à 250 caractères attendus.")
        if self.choices and text not in self.choices:
            raise ParameterError(
                self.name, f"{self.name} doit valoir l'une de : {', '.join(self.choices)}."
            )
        return text


def field(name, description="", *, type="string", expression=None, **options) -> Field:
    """A field whose value is the model field (or path) of the same name by default."""
    return Field(
        name, expression if expression is not None else F(name), type, description, **options
    )


class Layer:
    """The definition every door reads. Subclasses fill in the rows and the fields."""

    id: str
    title: str
    description: str
    geometry_type: str  # point | multipolygon
    id_type: str = "integer"  # type of the Feature id: integer | string
    id_path: str = "pk"  # ORM path of the Feature id
    precision: int = 6  # decimals of the GeoJSON coordinates
    temporal_field: str | None = None
    fields: tuple[Field, ...] = ()
    serializer_class = None  # the drf-gis reference serializer

    def rows(self, **options):
        """The published rows, ordered by id (``options``: the layer's own parameters)."""
        raise NotImplementedError

    def geometry(self):
        """Expression of the GeoJSON geometry, EPSG:4326."""
        raise NotImplementedError

    def plain_geometry(self):
        """Expression of the geometry as a plain EPSG:4326 geometry (extents, CRS transforms)."""
        raise NotImplementedError

    def tile_id(self):
        """Expression of the vector-tile feature id (an unsigned integer)."""
        return F(self.id_path)

    def bbox_filter(self, queryset, bbox):
        raise NotImplementedError

    def prepare(self):
        """Bring derived data up to date before reading (nothing by default)."""

    def properties(self) -> dict:
        return {f.name: f.expression for f in self.fields}

    def tile_properties(self) -> dict:
        return {f.name: f.tile_expression() for f in self.fields if f.in_tiles}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def filterable(self) -> list[Field]:
        return [f for f in self.fields if f.queryable]

    def with_paths(self, queryset, names) -> tuple[object, dict[str, str]]:
        """``queryset`` able to filter or sort on the published values of ``names``, and the
        ORM path of each (its plain column, or an alias of its expression)."""
        paths = {}
        for name in names:
            item = self.field(name)
            if item.path:
                paths[name] = item.path
            else:
                paths[name] = f"_v_{name}"
                queryset = queryset.alias(**{paths[name]: item.expression})
        return queryset, paths

    def filter(self, queryset, params: dict):
        """Exact-equality filters on the published values (name -> raw value)."""
        names = [f.name for f in self.filterable() if f.name in params]
        queryset, paths = self.with_paths(queryset, names)
        for name in names:
            queryset = queryset.filter(**{paths[name]: self.field(name).parse(params[name])})
        return queryset

    def filter_dates(self, queryset, dates):
        """Rows whose temporal field lies in ``dates`` (start, end; None = open)."""
        if not self.temporal_field or not dates:
            return queryset
        start, end = dates
        if start:
            queryset = queryset.filter(**{f"{self.temporal_field}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{self.temporal_field}__lte": end})
        return queryset

    def extent(self, queryset=None) -> dict:
        """``{"bbox": [...] or None, "interval": [start, end] or None}`` over the rows."""
        rows = (self.rows() if queryset is None else queryset).order_by()
        box = rows.aggregate(
            box=models.Aggregate(
                self.plain_geometry(), function="ST_Extent", output_field=models.TextField()
            )
        )["box"]
        bbox = None
        if box:
            corners = box.removeprefix("BOX(").removesuffix(")").replace(",", " ").split()
            bbox = [round(float(v), 6) for v in corners]
        interval = None
        if self.temporal_field:
            bounds = rows.aggregate(
                start=models.Min(self.temporal_field), end=models.Max(self.temporal_field)
            )
            if bounds["start"]:
                interval = [bounds["start"].isoformat(), bounds["end"].isoformat()]
        return {"bbox": bbox, "interval": interval}

    def serialize(self, instances) -> list[dict]:
        """The reference Features of ``instances`` (rows of ``rows()``), by the serializer."""
        return list(self.serializer_class(instances, many=True).data["features"])
