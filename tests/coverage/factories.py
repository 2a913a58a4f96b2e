"""Small factories at real French locations (town halls), for the coverage tests."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.gis.geos import Point
from django.utils import timezone

from actors.models import Activity, Actor
from geo_directory.territories.models import Commune
from places import standard
from places.models import Place

# (name, latitude, longitude)
TOWNS = {
    "digne": ("Digne-les-Bains", 44.0925, 6.2356),
    "barcelonnette": ("Barcelonnette", 44.3868, 6.6522),
    "manosque": ("Manosque", 43.8347, 5.7867),
    "forcalquier": ("Forcalquier", 43.9597, 5.7806),
    "sisteron": ("Sisteron", 44.1954, 5.9437),
    "castellane": ("Castellane", 43.8470, 6.5131),
    "gap": ("Gap", 44.5594, 6.0786),
    "tallard": ("Tallard", 44.4622, 6.0559),
    "briancon": ("Briançon", 44.8986, 6.6433),
    "embrun": ("Embrun", 44.5640, 6.4950),
    "saint-denis": ("Saint-Denis", -20.8823, 55.4504),
    "saint-pierre": ("Saint-Pierre", -21.3393, 55.4781),
    "saint-paul": ("Saint-Paul", -21.0096, 55.2707),
    "pertuis": ("Pertuis", 43.6946, 5.5019),  # Vaucluse: outside the demo territory
}

_ids = itertools.count(1)


def make_place(town: str, *, suffix: str = "", **fields) -> Place:
    name, lat, lon = TOWNS[town]
    point = Point(lon, lat, srid=4326)
    commune = Commune.objects.filter(geom__intersects=point).first()
    return Place.objects.create(
        import_source="tests-coverage",
        source_id=f"cov-{next(_ids)}",
        nom=f"Espace numérique de {name}{suffix}",
        commune=name,
        location=point,
        commune_actuelle=commune,
        departement_code=commune.departement_id if commune else "",
        **fields,
    )


def make_mediator(place: Place, *, days_ago: int = 30, **fields) -> Activity:
    n = next(_ids)
    actor = Actor.objects.create(
        first_name=fields.pop("first_name", "Camille"),
        last_name=fields.pop("last_name", f"Testeur{n}"),
        roles=fields.pop("roles", ["mediateur"]),
        is_validated=fields.pop("is_validated", True),
        is_fictional=True,
        **fields,
    )
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    return Activity.objects.create(actor=actor, place=place, start_date=start)


def no_public() -> dict:
    return {"modalites_acces": [standard.NO_PUBLIC]}
