"""Stored positions snapped to 6 decimals (about 0.1 m), as imports now store them.

Every output (API, OGC, tiles, exports) then prints the same digits for a place. The rounding
is Python's ``round(x, 6)``, the importer's: PostgreSQL's ``round(x::numeric, 6)`` reads the
double with 15 significant digits first and rounds some ties the other way (44.270855499999996
gives 44.270856 there, 44.270855 in Python), which a re-import would then "update". Rows already
snapped are left alone (``updated_at`` does not move). Nothing to undo.
"""

from django.db import migrations

DECIMALS = 6


def snap_positions(connection) -> int:
    """Snap every stored position; the number of rows changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(location::geometry), ST_Y(location::geometry)"
            " FROM places_place WHERE location IS NOT NULL"
        )
        changed = []
        for pk, lon, lat in cursor.fetchall():
            snapped = (round(lon, DECIMALS), round(lat, DECIMALS))
            if snapped != (lon, lat):
                changed.append((pk, *snapped))
        if changed:
            ids, lons, lats = (list(column) for column in zip(*changed, strict=True))
            cursor.execute(
                "UPDATE places_place p"
                " SET location = ST_SetSRID(ST_MakePoint(v.lon, v.lat), 4326)::geography"
                " FROM unnest(%s::int[], %s::float8[], %s::float8[]) AS v(id, lon, lat)"
                " WHERE p.id = v.id",
                [ids, lons, lats],
            )
    return len(changed)


def forwards(apps, schema_editor):
    snap_positions(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0003_fill_missing_update_dates"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
