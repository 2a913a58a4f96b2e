"""Form fields and django-filter filters of the places API's query parameters.

Each field parses one query-string value strictly (no NaN, no infinity, no coordinate out of
range, no value outside a list) and says its own OpenAPI schema (``openapi_schema``); each
filter hands that schema to drf-spectacular (``extend_schema_field``), so the constraint that
validates is the one documented. A field's ``ValidationError`` names no parameter: the form
files it under the parameter's name. User text reaches a message only through ``params`` (a
``%`` in a value must not break the message's formatting).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field

NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
# Plain decimal degrees within range, for the documented patterns (the fields check again).
LON = r"-?(180(\.0+)?|(1[0-7]\d|\d{1,2})(\.\d+)?)"
LAT = r"-?(90(\.0+)?|[0-8]?\d(\.\d+)?)"
TRUE = {"1", "true", "oui", "on", "yes"}
FALSE = {"0", "false", "non", "off", "no"}


def invalid(message: str, **params) -> ValidationError:
    return ValidationError(message, code="invalid", params=params or None)


def parse_number(text: str) -> float:
    text = text.strip()
    if len(text) > 30:
        raise invalid("nombre trop long")
    if not NUMBER_RE.match(text):  # float() would also take "١", "1_0", "nan"
        raise invalid("« %(text)s » n'est pas un nombre décimal", text=text[:30])
    value = float(text)
    if not math.isfinite(value):
        raise invalid("nombre fini attendu (ni NaN ni infini)")
    return value


def check_lon_lat(lon: float, lat: float):
    if not -180 <= lon <= 180:
        raise invalid("longitude %(lon)s hors de [-180, 180] (ordre : lon,lat)", lon=lon)
    if not -90 <= lat <= 90:
        raise invalid("latitude %(lat)s hors de [-90, 90] (ordre : lon,lat)", lat=lat)


# --- form fields: one value each, with its schema -------------------------------------------


class NumbersField(forms.Field):
    """``count`` decimal numbers separated by commas."""

    count = 1
    shape = ""
    pattern = ""

    def to_python(self, value):
        if value in (None, ""):
            return None
        parts = value.split(",")
        if len(parts) != self.count:
            raise invalid(
                "%(count)s nombres séparés par des virgules attendus : %(shape)s",
                count=self.count,
                shape=self.shape,
            )
        return [parse_number(part) for part in parts]

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": self.pattern}


class LonLatField(NumbersField):
    """``lon,lat`` in WGS84 degrees, as a (lon, lat) tuple (``Near`` makes the Point when a
    query is compiled: a search of a shape compiled once needs its numbers only)."""

    count = 2
    shape = "lon,lat"
    pattern = rf"^{LON},{LAT}$"

    def to_python(self, value):
        numbers = super().to_python(value)
        if numbers is None:
            return None
        check_lon_lat(*numbers)
        return tuple(numbers)


class BBoxField(NumbersField):
    """``minLon,minLat,maxLon,maxLat`` in WGS84 degrees, as a tuple."""

    count = 4
    shape = "minLon,minLat,maxLon,maxLat"
    pattern = rf"^{LON},{LAT},{LON},{LAT}$"

    def to_python(self, value):
        numbers = super().to_python(value)
        if numbers is None:
            return None
        check_lon_lat(*numbers[:2])
        check_lon_lat(*numbers[2:])
        if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
            raise invalid(
                "minLon ≤ maxLon et minLat ≤ maxLat attendus (minLon,minLat,maxLon,maxLat)"
            )
        return tuple(numbers)


class BoundedNumberField(forms.Field):
    """One decimal number in ``]minimum, maximum]`` (``[minimum, maximum]`` unless
    ``exclusive_minimum``); ``message`` says the range in words."""

    def __init__(self, *, minimum, maximum, message, exclusive_minimum=False, default=None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum, self.message = minimum, maximum, message
        self.exclusive_minimum, self.default = exclusive_minimum, default

    def to_python(self, value):
        if value in (None, ""):
            return None
        number = parse_number(value)
        low_ok = number > self.minimum if self.exclusive_minimum else number >= self.minimum
        if not (low_ok and number <= self.maximum):
            raise invalid(self.message)
        return number

    def openapi_schema(self) -> dict:
        schema = {"type": "number", "minimum": self.minimum, "maximum": self.maximum}
        if self.exclusive_minimum:
            schema["exclusiveMinimum"] = True
        if self.default is not None:
            schema["default"] = self.default
        return schema


class CodeField(forms.Field):
    """A code (upper-cased) matching ``pattern`` that ``resolve`` knows: ``resolve(code)``
    returns the value to filter on, or None (``unknown``, a message with ``%(code)s``)."""

    def __init__(self, *, pattern: re.Pattern, message: str, unknown: str, resolve, **kw):
        super().__init__(**kw)
        self.pattern, self.message, self.unknown = pattern, message, unknown
        self.resolve: Callable[[str], str | None] = resolve

    def to_python(self, value):
        if value in (None, ""):
            return None
        code = value.strip().upper()
        if not self.pattern.match(code):
            raise invalid(self.message)
        resolved = self.resolve(code)
        if resolved is None:
            raise invalid(self.unknown, code=code)
        return resolved

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": self.pattern.pattern}


class AnyOfField(forms.MultipleChoiceField):
    """Values of a list, repeated (``a=x&a=y``) or ``|``-separated (``a=x|y``)."""

    def to_python(self, value):
        raws = [value] if isinstance(value, str) else list(value or ())
        return [part.strip() for raw in raws for part in raw.split("|") if part.strip()]

    def validate(self, value):
        allowed = [str(choice) for choice, _label in self.choices]
        for item in value:
            if item not in allowed:
                raise invalid(
                    "valeur inconnue « %(value)s » ; acceptées : %(accepted)s",
                    value=item[:60],
                    accepted=" | ".join(allowed),
                )

    def openapi_schema(self) -> dict:
        # drf-spectacular makes it an array (a MultipleChoiceFilter), each item in the enum.
        return {"type": "string", "enum": [str(choice) for choice, _label in self.choices]}


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, oui/non, on/off, yes/no); anything else is refused."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise invalid("valeur attendue : true ou false")

    def openapi_schema(self) -> dict:
        return {"type": "boolean"}


class TextField(forms.CharField):
    def __init__(self, *, max_length: int, **kw):
        super().__init__(
            max_length=max_length,
            error_messages={"max_length": f"au plus {max_length} caractères"},
            **kw,
        )

    def openapi_schema(self) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length}


# --- filters: what each parameter does to the queryset ----------------------------------------


@dataclass(frozen=True)
class Near:
    """``near`` (WGS84 degrees) with its radius (``radius_km``, or the default), joined by the
    form; its GEOS Point made once, when asked."""

    lon: float
    lat: float
    radius_km: float

    @classmethod
    def around(cls, point: Point, radius_km: float) -> Near:
        return cls(point.x, point.y, radius_km)

    @cached_property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4326)

    @property
    def radius_m(self) -> float:
        return self.radius_km * 1000


class DocumentedFilter(django_filters.Filter):
    """A filter whose OpenAPI schema is its field's (with the help text as description)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.field_class(**self.extra)
        schema = field.openapi_schema()
        if field.help_text:
            schema["description"] = str(field.help_text)
        extend_schema_field(schema)(self)


class BBoxFilter(DocumentedFilter):
    """Exact lon/lat box (``ST_Intersects``, the geometry index)."""

    field_class = BBoxField

    def filter(self, qs, value):
        return qs if value is None else qs.in_bbox(*value)


class NearFilter(DocumentedFilter):
    """Within the radius, nearest first, each with its ``distance``."""

    field_class = LonLatField

    def filter(self, qs, value: Near | None):
        return qs if value is None else qs.near(value.point, value.radius_m)


class RadiusFilter(DocumentedFilter):
    """Validated and documented here; ``NearFilter`` applies it."""

    field_class = BoundedNumberField

    def filter(self, qs, value):
        return qs


class DepartementFilter(DocumentedFilter):
    field_class = CodeField

    def filter(self, qs, value):
        return qs if value is None else qs.in_departement(value)


class CommuneFilter(DocumentedFilter):
    """Places of the current commune (an old code is read as the commune it became)."""

    field_class = CodeField

    def filter(self, qs, value):
        return qs if value is None else qs.in_commune(value)


class AnyOfFilter(DocumentedFilter, django_filters.MultipleChoiceFilter):
    """Places whose list field holds at least one of the values."""

    field_class = AnyOfField

    def filter(self, qs, value):
        return qs.with_any(self.field_name, value) if value else qs


class TextSearchFilter(DocumentedFilter):
    field_class = TextField

    def filter(self, qs, value):
        return qs.search(value) if value else qs


class OpenNowFilter(DocumentedFilter):
    """Declared last: hours are read only for the places the other filters kept."""

    field_class = StrictBooleanField

    def filter(self, qs, value):
        return qs.open_now() if value else qs
