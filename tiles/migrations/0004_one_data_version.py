"""One version says "the data changed": the directory version of ``coverage`` (its triggers cover
every table the published answers are built from, the stored coverage included since coverage
0009, ``geo_directory.cache.version``). The tiles' own counter, its triggers and its function
go. Reversible."""

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

TABLES = ["places_place", "territories_commune", "coverage_communecoverage"]


def drop_trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"DROP TRIGGER IF EXISTS tiles_bump_{table} ON {table};",
        f"CREATE TRIGGER tiles_bump_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION tiles_bump_data_version();",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0003_coverage_version_trigger"),
        ("coverage", "0009_coverage_bumps_the_version"),
    ]

    operations = [
        *[drop_trigger(table) for table in TABLES],
        migrations.RunSQL("DROP FUNCTION IF EXISTS tiles_bump_data_version();", FUNCTION),
        migrations.DeleteModel(name="DataVersion"),
    ]
