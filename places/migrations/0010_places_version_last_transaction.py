"""The places' version also keeps its last writing transaction, the version before that
transaction's first write and the places it wrote, so that the same-place groups of the new
version are the stored ones with only those places' groups recomputed (``same_place.update``).

Statement-level triggers with transition tables, one per event (a TRUNCATE has none: the
places written are then unknown); the function of 0008 is replaced, its version bump unchanged."""

import importlib

import django.contrib.postgres.fields
from django.db import migrations, models

BEFORE = importlib.import_module("places.migrations.0008_places_version_triggers")

TABLES = ["places_place", "places_duplicatedecision"]
# Above this many places written by one transaction (an import), the groups are built in full.
MAX_PLACES = 5000
DECISION_PLACES = """
        SELECT array_agg(DISTINCT p.id) INTO written FROM places_place p
        JOIN (
            SELECT first_source AS s, first_source_id AS i FROM {rows}
            UNION SELECT second_source, second_source_id FROM {rows}
        ) k ON p.import_source = k.s AND p.source_id = k.i;"""
FUNCTION = f"""
CREATE OR REPLACE FUNCTION places_bump_places_version() RETURNS trigger AS $$
DECLARE
    written bigint[];
    known boolean := TG_OP <> 'TRUNCATE';
BEGIN
    IF NOT known THEN
        written := NULL;
    ELSIF TG_TABLE_NAME = 'places_place' THEN
        IF TG_OP = 'DELETE' THEN
            SELECT array_agg(id) INTO written FROM old_rows;
        ELSE
            SELECT array_agg(id) INTO written FROM new_rows;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN{DECISION_PLACES.format(rows="new_rows")}
    ELSIF TG_OP = 'DELETE' THEN{DECISION_PLACES.format(rows="old_rows")}
    ELSE{DECISION_PLACES.format(rows="(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows) r")}
    END IF;
    written := coalesce(written, '{{}}');
    INSERT INTO places_placesversion (id, version, changed_at, xact_id, xact_base, xact_places)
    VALUES (1, 1, clock_timestamp(), txid_current(), 0, NULL)
    ON CONFLICT (id) DO UPDATE SET
        version = places_placesversion.version + 1,
        changed_at = clock_timestamp(),
        xact_base = CASE WHEN places_placesversion.xact_id = txid_current()
            THEN places_placesversion.xact_base ELSE places_placesversion.version END,
        xact_places = CASE
            WHEN NOT known THEN NULL
            WHEN places_placesversion.xact_id IS DISTINCT FROM txid_current() THEN written
            WHEN places_placesversion.xact_places IS NULL THEN NULL
            ELSE places_placesversion.xact_places || written END,
        xact_id = txid_current();
    UPDATE places_placesversion SET xact_places = NULL
    WHERE id = 1 AND cardinality(xact_places) > {MAX_PLACES};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
EVENTS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
    "truncate": ("TRUNCATE", ""),
}


def triggers(table: str) -> migrations.RunSQL:
    drop = "".join(
        f" DROP TRIGGER IF EXISTS places_version_{table}_{e} ON {table};" for e in EVENTS
    )
    create = "".join(
        f" CREATE TRIGGER places_version_{table}_{event} AFTER {when} ON {table} {rows}"
        " FOR EACH STATEMENT EXECUTE FUNCTION places_bump_places_version();"
        for event, (when, rows) in EVENTS.items()
    )
    return migrations.RunSQL(
        f"DROP TRIGGER IF EXISTS places_version_{table} ON {table};{drop}{create}",
        f"{drop} DROP TRIGGER IF EXISTS places_version_{table} ON {table};"
        f" CREATE TRIGGER places_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION places_bump_places_version();",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0009_stored_same_place_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="placesversion",
            name="xact_base",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="placesversion",
            name="xact_id",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="placesversion",
            name="xact_places",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), editable=False, null=True, size=None
            ),
        ),
        migrations.RunSQL(FUNCTION, BEFORE.FUNCTION),
        *[triggers(table) for table in TABLES],
    ]
