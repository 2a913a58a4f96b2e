"""The fragility index, départements and régions feed the coverage outputs too (popups, the
communes layer, the home page): their writes bump the directory version as well, so no cached
answer or ETag outlives them."""

from django.db import migrations

TABLES = ["coverage_fragilityindex", "territories_departement", "territories_region"]


def trigger(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE TRIGGER coverage_bump_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION coverage_bump_directory_version();",
        f"DROP TRIGGER IF EXISTS coverage_bump_{table} ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0006_commune_version_trigger"),
        ("territories", "0002_commune_name_key"),
    ]

    operations = [trigger(table) for table in TABLES]
