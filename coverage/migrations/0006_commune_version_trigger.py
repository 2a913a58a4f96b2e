"""Communes are a source of the coverage too (reference points, polygons): their writes bump the
directory version, so a territory import makes the stored coverage stale."""

from django.db import migrations

TABLE = "territories_commune"


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0005_directory_version"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER coverage_bump_{TABLE} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION coverage_bump_directory_version();",
            f"DROP TRIGGER IF EXISTS coverage_bump_{TABLE} ON {TABLE};",
        ),
    ]
