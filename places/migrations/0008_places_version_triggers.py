"""The triggers that bump the places' version (``PlacesVersion``), apart from the table's
creation (0007): a database migrated while 0007 only created the table gets them here, one
migrated with them already gets them again (idempotent)."""

from django.db import migrations

# Any write to these tables bumps the places' version, in the writer's own transaction.
TABLES = ["places_place", "places_duplicatedecision"]
FUNCTION = """
CREATE OR REPLACE FUNCTION places_bump_places_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO places_placesversion (id, version, changed_at)
    VALUES (1, 1, clock_timestamp())
    ON CONFLICT (id) DO UPDATE
        SET version = places_placesversion.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
FIRST_ROW = (
    "INSERT INTO places_placesversion (id, version, changed_at) VALUES (1, 1, clock_timestamp())"
    " ON CONFLICT (id) DO NOTHING;"
)


def trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"DROP TRIGGER IF EXISTS places_version_{table} ON {table};"
        f" CREATE TRIGGER places_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION places_bump_places_version();",
        f"DROP TRIGGER IF EXISTS places_version_{table} ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0007_places_version"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS places_bump_places_version();"),
        migrations.RunSQL(FIRST_ROW, migrations.RunSQL.noop),
        *[trigger(table) for table in TABLES],
    ]
