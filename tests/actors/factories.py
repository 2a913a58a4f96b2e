"""Actors, accounts and places at real locations for the actors' tests."""

from __future__ import annotations

import itertools
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point

from actors.models import Activity, Actor, Employment, Role, TeamMembership
from places.models import Place
from tests.towns import TOWNS

_numbers = itertools.count(1)

SINCE = date(2024, 1, 1)


def make_place(town: str, nom: str | None = None, **fields) -> Place:
    lon, lat, commune, insee, postal, dep = TOWNS[town]
    number = next(_numbers)
    values = {
        "import_source": "tests-actors",
        "source_id": f"a{number}",
        "nom": nom or f"Espace numérique {number} ({commune})",
        "commune": commune,
        "code_insee": insee,
        "code_postal": postal,
        "location": Point(lon, lat, srid=4326),
        "commune_actuelle_id": insee,
        "departement_code": dep,
    }
    values.update(fields)
    return Place.objects.create(**values)


def make_actor(
    first_name="Camille",
    last_name=None,
    *,
    roles=(Role.MEDIATEUR,),
    places=(),
    employer=None,
    consent=True,
    validated=True,
    login=False,
    **fields,
) -> Actor:
    number = next(_numbers)
    last_name = last_name or f"Testeur{number}"
    actor = Actor.objects.create(
        first_name=first_name,
        last_name=last_name,
        email=fields.pop("email", f"{first_name}.{number}@example.org".lower()),
        phone=fields.pop("phone", f"+334657{50000 + number:05d}"),  # demo actors: 04 65 70 0…
        roles=list(roles),
        visibility_consent=consent,
        is_validated=validated,
        is_fictional=True,
        **fields,
    )
    for place in places:
        Activity.objects.create(actor=actor, place=place, start_date=SINCE)
    if employer is not None:
        Employment.objects.create(actor=actor, place=employer, start_date=SINCE)
    if login:
        user = get_user_model().objects.create_user(f"user{number}", password="x-test-pass")
        actor.user = user
        actor.save(update_fields=["user"])
    return actor


def make_coordinator(*, departements=(), communes=(), employer=None, **kwargs) -> Actor:
    coordinator = make_actor(
        "Dominique", roles=(Role.COORDINATEUR,), employer=employer, login=True, **kwargs
    )
    coordinator.territory_departements.set(departements)
    coordinator.territory_communes.set(communes)
    return coordinator


def add_to_team(coordinator: Actor, *members: Actor) -> None:
    for member in members:
        TeamMembership.objects.create(coordinator=coordinator, member=member, start_date=SINCE)
