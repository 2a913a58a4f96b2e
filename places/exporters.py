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

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
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


def python_csv_chunks(queryset) -> Iterator[str]:
    """The standard CSV as Python's ``csv`` module writes it (minimal quoting, ``\\n`` lines):
    the reference that ``standard_csv_chunks`` is held equal to, byte for byte (tests)."""
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


def _cell_sql(name: str) -> str:
    """SQL of a column's cell text (``_text``): lists joined with ``|``, ISO dates, null -> ''."""
    column = connection.ops.quote_name(f"_v_{name}")
    kind = PLACES.field(name).type
    if name in LIST_COLUMNS:
        text = f"array_to_string(r.{column}, '|')"
    elif kind == "date":
        text = f"to_char(r.{column}, 'YYYY-MM-DD')"
    else:
        text = f"(r.{column})::text"
    return f"coalesce({text}, '') AS {column}"


def _quoted_sql(name: str) -> str:
    """SQL of a cell as ``csv.writer`` writes it (QUOTE_MINIMAL, ``\\n`` line terminator):
    quoted, with its quotes doubled, when it holds a comma, a quote or a line feed."""
    cell = f"c.{connection.ops.quote_name(f'_v_{name}')}"
    if PLACES.field(name).type in ("date", "number"):  # digits, '-' and '.' only
        return cell
    return (
        f"CASE WHEN strpos({cell}, ',') + strpos({cell}, '\"') + strpos({cell}, E'\\n') > 0"
        f" THEN '\"' || replace({cell}, '\"', '\"\"') || '\"' ELSE {cell} END"
    )


def csv_lines_sql(queryset) -> tuple[str, list]:
    """(SQL, params) of one statement giving the CSV line of each place of ``queryset``, in id
    order: PostgreSQL formats and quotes the cells (the national CSV in ~0.35 s, where reading
    the values into Python and writing them with ``csv`` took ~1.6 s). EmptyResultSet when
    nothing can match."""
    layer_fields = {f.name: f for f in PLACES.fields}
    annotations = {f"_v_{name}": layer_fields[name].expression for name in STANDARD_COLUMNS}
    rows = queryset.order_by().annotate(_order=F("pk"), **annotations)
    inner, params = rows.values("_order", *annotations).query.sql_with_params()
    cells = ", ".join(_cell_sql(name) for name in STANDARD_COLUMNS)
    line = ", ".join(_quoted_sql(name) for name in STANDARD_COLUMNS)
    # OFFSET 0: each cell's text is computed once, not once per use in its quoting.
    sql = (
        f"SELECT concat_ws(',', {line}) || E'\\n' FROM"
        f" (SELECT r._order, {cells} FROM ({inner}) AS r OFFSET 0) AS c ORDER BY c._order"
    )
    return sql, list(params)


def standard_csv_chunks(queryset) -> Iterator[str]:
    """The standard CSV of ``queryset``: the header, then its lines as PostgreSQL writes them
    (``csv_lines_sql``), ``CHUNK`` lines a piece; the same bytes as ``python_csv_chunks``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(STANDARD_COLUMNS)
    yield buffer.getvalue()
    try:
        sql, params = csv_lines_sql(queryset)
    except EmptyResultSet:
        return
    with connections[queryset.db].chunked_cursor() as cursor:  # server side, as ``iterator``
        cursor.execute(sql, params)
        while lines := cursor.fetchmany(CHUNK):
            yield "".join(line for (line,) in lines)


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
