"""Same-place groups updated at a write for the written places only (issue 13): random changes
to the demo's places and the keeper's decisions, each committed, give stored groups equal to a
full build, and no write runs the national detection."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from places import same_place
from places.models import DuplicateDecision, Place

from .factories import make_place

pytestmark = pytest.mark.django_db

DETECTION_SQL = "JOIN places_place b"
CHANGES = 14


def stored_members() -> list[tuple[int, ...]]:
    return sorted(same_place.read_stored().members.values())


def change(rng: random.Random, grouped: list[int], public: list[int]) -> None:
    place = Place.objects.get(pk=rng.choice(grouped if rng.random() < 0.7 else public))
    other = Place.objects.get(pk=rng.choice([pk for pk in public if pk != place.pk]))
    kind = rng.choice(["move", "rename", "hide", "delete", "twin", "fill", "decide"])
    if kind == "move":  # onto another place (joins it), or away from its group (leaves it)
        if rng.random() < 0.5:
            place.location, place.code_postal = other.location, other.code_postal
            place.nom, place.adresse = other.nom, other.adresse
        else:
            place.location = other.location
        place.save()
    elif kind == "rename":
        place.nom = rng.choice(["Médiathèque", other.nom, place.nom[::-1]])
        place.save()
    elif kind == "hide":
        place.is_visible = not place.is_visible
        place.save()
    elif kind == "delete":
        place.delete()
    elif kind == "twin":  # another source's record of the same place
        make_place(
            "digne",
            place.nom,
            location=place.location,
            adresse=place.adresse,
            code_postal=place.code_postal,
        )
    elif kind == "fill":  # its rank in its group
        place.telephone = "" if place.telephone else "04 92 00 00 00"
        place.save()
    else:
        first, second = sorted(
            [(place.import_source, place.source_id), (other.import_source, other.source_id)]
        )
        DuplicateDecision.objects.update_or_create(
            first_source=first[0],
            first_source_id=first[1],
            second_source=second[0],
            second_source_id=second[1],
            defaults={"verdict": rng.choice(["same", "different"])},
        )


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_update_the_groups_as_a_full_build_would(
    seed, django_capture_on_commit_callbacks
):
    same_place.update()  # the groups of the data as loaded, the base of the next write
    rng = random.Random(seed)
    for _ in range(CHANGES):
        public = list(Place.objects.public().values_list("pk", flat=True))
        grouped = list(same_place.current().representative)
        with CaptureQueriesContext(connection) as queries:
            with django_capture_on_commit_callbacks(execute=True):
                change(rng, grouped, public)
        connection.run_on_commit.clear()  # as a real commit does (the capture keeps them)
        detection = [q["sql"] for q in queries.captured_queries if DETECTION_SQL in q["sql"]]
        # the pairs of the written places and of their neighbours only, never all of France's
        assert detection and all("= ANY(" in sql for sql in detection), [
            q["sql"][:120] for q in queries.captured_queries
        ]
        assert stored_members() == sorted(same_place.build().members.values())


def test_a_write_outside_the_signals_is_taken_in_by_the_next_update(
    django_capture_on_commit_callbacks,
):
    same_place.update()
    # no signal, but the trigger keeps the place it wrote for the next update
    Place.objects.filter(pk=21).update(nom="Mairie")
    connection.run_on_commit.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_place("digne", "Lieu sans double")
    assert stored_members() == sorted(same_place.build().members.values())
