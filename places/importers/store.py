"""Writing places: the fields an import owns, the comparison that decides "unchanged", and a
COPY-based insert for thousands of new rows."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from .. import standard
from ..models import Place

# Fields the importer owns: compared to decide created / updated / unchanged.
DATA_FIELDS = (
    *standard.MODEL_FIELDS,
    "location_precision",
    "commune_actuelle_id",
    "departement_code",
)


def copy_insert(places: list[Place]):
    """Insert new places with COPY (about ten times faster than INSERT for thousands of rows)."""
    if not places:
        return
    fields = [f for f in Place._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        sql = f"COPY {Place._meta.db_table} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for place in places:
                row = []
                for f in fields:
                    if f.name == "location":
                        point = place.location
                        value = f"SRID=4326;POINT({point.x!r} {point.y!r})" if point else None
                    elif f.name in {"created_at", "updated_at"}:
                        value = now
                    else:
                        value = getattr(place, f.attname)
                    row.append(value)
                copy.write_row(row)


def comparable(values: dict) -> tuple:
    """What decides "unchanged": the data fields and the point (from the database row's lon/lat
    or the candidate's ``location`` tuple). Both are snapped to 6 decimals, so they are compared
    exactly: a row stored before snapping differs, and is snapped by the next import."""
    location = values["location"] if "location" in values else None
    if "lon" in values and values["lon"] is not None:
        location = (values["lon"], values["lat"])
    if location is not None:
        location = tuple(location)
    return (location, *(values[name] for name in DATA_FIELDS))
