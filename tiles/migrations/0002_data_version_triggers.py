"""Statement-level triggers that bump tiles_dataversion('published') on any write.

Reversible. The tables are the sources of the published layers (places, communes); the
coverage table is added by a later migration once it exists.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION tiles_bump_data_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO tiles_dataversion (name, version, changed_at)
    VALUES ('published', 1, clock_timestamp())
    ON CONFLICT (name) DO UPDATE
        SET version = tiles_dataversion.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

TABLES = ["places_place", "territories_commune"]


def trigger_sql(table):
    return (
        f"CREATE TRIGGER tiles_bump_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION tiles_bump_data_version();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0001_initial"),
        ("places", "0001_initial"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS tiles_bump_data_version();"),
        *[
            migrations.RunSQL(trigger_sql(t), f"DROP TRIGGER IF EXISTS tiles_bump_{t} ON {t};")
            for t in TABLES
        ],
    ]
