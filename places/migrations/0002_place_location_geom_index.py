"""An index on ``location::geometry`` for exact lon/lat bbox filters (ST_Intersects).

The geography index (``place_location_gist``) serves ``dwithin`` and KNN in metres; a bbox is a
lon/lat box, exact only on geometry, so the cast expression gets its own GiST index. Index only:
the model's state does not change.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS place_location_geom_gist "
                "ON places_place USING gist (((location)::geometry))"
            ),
            reverse_sql="DROP INDEX IF EXISTS place_location_geom_gist",
        ),
    ]
