"""Places out, in the national standard v1.0.2 (CSV and JSON) and as GeoJSON, streamed.

Every value comes from the places layer (``places.layer``): the same id, code_insee, pivot,
coordinates (6 decimals) and dates as the API, OGC and the tiles. Only the format differs where it
must: the standard's CSV joins lists with ``|`` and writes an empty cell for a null, its JSON
leaves empty values out. ``standard_csv_chunks(queryset)`` and ``standard_json_chunks(queryset)``
yield text pieces that a ``StreamingHttpResponse`` or a file can take; rows are read from the
database in chunks, so a full national export never sits in memory. The CSV passes the standard's
own Table Schema (``fixtures/standard/schema.json``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.db.models import F

from geo_directory.geojson import collection_text

from . import standard
from .layer import PLACES, PLACES_WRITER

STANDARD_COLUMNS = standard.FIELDS
LIST_COLUMNS = set(standard.LIST_FIELDS)
CHUNK = 2000


def _rows(queryset) -> Iterator[dict]:
    """The standard's fields of each place, as the layer publishes them."""
    layer_fields = {f.name: f for f in PLACES.fields}
    annotations = {f"_v_{name}": layer_fields[name].expression for name in STANDARD_COLUMNS}
    rows = queryset.order_by("id").annotate(**annotations).values(*annotations)
    for row in rows.iterator(chunk_size=CHUNK):
        yield {name: row[f"_v_{name}"] for name in STANDARD_COLUMNS}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _json(value):
    if value is None or value == "" or value == []:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal coordinates
        return float(value)
    return value


def standard_csv_chunks(queryset) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STANDARD_COLUMNS)
    for count, row in enumerate(_rows(queryset), start=1):
        writer.writerow([_text(row[name]) for name in STANDARD_COLUMNS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def standard_json_chunks(queryset) -> Iterator[str]:
    yield "["
    for count, row in enumerate(_rows(queryset)):
        record = {name: _json(value) for name, value in row.items()}
        record = {name: value for name, value in record.items() if value is not None}
        yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def geojson_chunks(queryset) -> Iterator[str]:
    """The places of ``queryset`` that have a position, as one FeatureCollection: the layer's
    Features (those of ``/api/v1/lieux/``), written by PostGIS ``CHUNK`` at a time."""
    ids = list(queryset.located().order_by("id").values_list("id", flat=True))
    head = collection_text("", {})
    yield head[: -len("]}")]
    for start in range(0, len(ids), CHUNK):
        page = queryset.filter(id__in=ids[start : start + CHUNK]).order_by("id")
        _matched, features = PLACES_WRITER.page(page.values(page_id=F("pk")))
        if features:
            yield ("," if start else "") + features
    yield "]}\n"


FORMATS = {
    "standard-csv": standard_csv_chunks,
    "standard-json": standard_json_chunks,
    "geojson": geojson_chunks,
}
