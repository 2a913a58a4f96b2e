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
from tests.towns import TOWNS

_ids = itertools.count(1)


def make_place(town: str, *, suffix: str = "", **fields) -> Place:
    lon, lat, name = TOWNS[town][:3]
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
