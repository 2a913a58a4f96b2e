"""Places out, in the national standard v1.0.2 (CSV and JSON) and as GeoJSON, streamed.

``standard_csv_chunks(queryset)`` and ``standard_json_chunks(queryset)`` yield text pieces that a
``StreamingHttpResponse`` or a file can take; rows are read from the database in chunks, so a full
national export never sits in memory. The CSV passes the standard's own Table Schema
(``fixtures/standard/schema.json``): multi-values joined with ``|``, required fields filled
(``pivot`` "00000000000000" when unknown, ``date_maj`` the record's last update when the source
gave none). ``id`` is ``<import source>:<source id>``, unique across sources.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from geo_directory.geojson import feature_collection

from . import standard
from .cleaning import NO_PIVOT

STANDARD_COLUMNS = standard.FIELDS
LIST_COLUMNS = set(standard.LIST_FIELDS)
MODEL_COLUMNS = standard.MODEL_FIELDS
CHUNK = 2000


def _rows(queryset) -> Iterator[dict]:
    fields = [
        *MODEL_COLUMNS,
        "import_source",
        "source_id",
        "location",
        "location_precision",
        "updated_at",
        "commune_actuelle__nom",
    ]
    yield from queryset.order_by("id").values(*fields).iterator(chunk_size=CHUNK)


def standard_record(row: dict, *, lists_as_text: bool) -> dict:
    """One place as the standard's record (CSV strings, or JSON values with lists)."""
    out = {"id": f"{row['import_source']}:{row['source_id']}"}
    for name in MODEL_COLUMNS:
        value = row[name]
        if name in LIST_COLUMNS:
            value = "|".join(value) if lists_as_text else list(value)
        out[name] = value if value is not None else ""
    out["pivot"] = out["pivot"] or NO_PIVOT
    out["commune"] = out["commune"] or row["commune_actuelle__nom"] or ""
    date_maj = row["date_maj"] or row["updated_at"].date()
    out["date_maj"] = date_maj.isoformat()
    location = row["location"]
    # Only the source's own coordinates are exported: a commune reference point is not a position.
    if location is not None and row["location_precision"] == "source":
        out["latitude"], out["longitude"] = round(location.y, 7), round(location.x, 7)
    else:
        out["latitude"] = out["longitude"] = "" if lists_as_text else None
    return {name: out[name] for name in STANDARD_COLUMNS}


def standard_csv_chunks(queryset) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=STANDARD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for count, row in enumerate(_rows(queryset), start=1):
        writer.writerow(standard_record(row, lists_as_text=True))
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def standard_json_chunks(queryset) -> Iterator[str]:
    yield "["
    for count, row in enumerate(_rows(queryset)):
        record = standard_record(row, lists_as_text=False)
        record = {k: v for k, v in record.items() if v not in ("", None, [])}
        yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def geojson_text(queryset) -> str:
    """An RFC 7946 FeatureCollection built by PostGIS; properties named as in the standard."""
    properties = {name: name for name in MODEL_COLUMNS}
    properties["id"] = "source_id"
    properties["import_source"] = "import_source"
    properties["location_precision"] = "location_precision"
    return feature_collection(
        queryset.filter(location__isnull=False).order_by("id"),
        geometry="location",
        properties=properties,
    )


FORMATS = {
    "standard-csv": standard_csv_chunks,
    "standard-json": standard_json_chunks,
    "geojson": lambda queryset: iter([geojson_text(queryset)]),
}
