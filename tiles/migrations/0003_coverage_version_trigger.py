"""The coverage table is a source of the communes layer: its writes bump the version too."""

from django.db import migrations

TABLE = "coverage_communecoverage"


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0002_data_version_triggers"),
        ("coverage", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER tiles_bump_{TABLE} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION tiles_bump_data_version();",
            f"DROP TRIGGER IF EXISTS tiles_bump_{TABLE} ON {TABLE};",
        ),
    ]
