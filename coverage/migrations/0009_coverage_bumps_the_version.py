"""The stored coverage is a source of the published answers too (the communes layer, tiles, maps,
figures): its writes bump the directory version, the one version every cache key and validator
carries (``geo_directory.cache``), so that no "coverage stamp" is needed beside it. It replaces
the tiles' own counter (``tiles_dataversion``, dropped by tiles 0004)."""

from django.db import migrations

TABLES = ["coverage_communecoverage", "coverage_communeshape"]


def trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE TRIGGER coverage_bump_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION coverage_bump_directory_version();",
        f"DROP TRIGGER IF EXISTS coverage_bump_{table} ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [("coverage", "0008_incremental_coverage")]

    operations = [trigger(table) for table in TABLES]
