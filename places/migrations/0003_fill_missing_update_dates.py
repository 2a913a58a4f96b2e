"""Every place has a ``date_maj``: an empty one, or the epoch date 1970-01-01 (what a system
writes when it has no date), becomes the day the row was created, in the project's time zone.

Imports now store the import date in that case (and keep it on re-import); this brings rows
imported before that to the same rule, so that every output shows one stored date. Data only:
the model's state does not change, and there is nothing to undo.
"""

from django.conf import settings
from django.db import migrations

FILL_DATES = (
    "UPDATE places_place"
    f" SET date_maj = (created_at AT TIME ZONE '{settings.TIME_ZONE}')::date"
    " WHERE date_maj IS NULL OR date_maj = DATE '1970-01-01'"
)


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_place_location_geom_index"),
    ]

    operations = [
        migrations.RunSQL(sql=FILL_DATES, reverse_sql=migrations.RunSQL.noop),
    ]
