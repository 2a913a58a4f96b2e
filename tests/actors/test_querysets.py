"""The actors' querysets: search, counting rules, history, mediators outside a team."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pyproj import Geod

from actors.models import Activity, Actor, Invitation, Role
from actors.querysets import (
    coordinator_origin,
    mediators_outside_team,
    network_counts,
    places_in_network,
)

from .factories import TOWNS, add_to_team, make_actor, make_coordinator, make_place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text", ["jean-pierre", "JEAN PIERRE", "Jéan Piérre", "jeanpierre", "Exemplaire Jean-Pierre"]
)
def test_search_ignores_case_accents_spaces_hyphens_and_name_order(text):
    found = list(Actor.objects.search(text))
    assert [(a.first_name, a.last_name) for a in found] == [("Jean-Pierre", "Exemplaire")]


def test_search_finds_a_new_actor_whatever_the_spelling_and_nothing_else():
    anne = make_actor("Anne-Sophie", "Lefèvre-Dupré")
    for text in ["anne sophie", "LEFEVRE DUPRE anne", "Anne-Sophie Lefèvre", "lefevredupre"]:
        assert list(Actor.objects.search(text)) == [anne], text
    assert not Actor.objects.search("sophie martin").exists()


def test_consent_is_off_by_default_and_an_actor_needs_a_role():
    actor = Actor.objects.create(first_name="Léa", last_name="Défaut", roles=[Role.MEDIATEUR])
    assert actor.visibility_consent is False and actor.is_validated is False
    assert not Actor.objects.public().filter(pk=actor.pk).exists()
    with pytest.raises(ValidationError):
        Actor(first_name="Sans", last_name="Rôle", roles=["chef"]).full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Actor.objects.create(first_name="Sans", last_name="Rôle", roles=[])


def test_invitations_are_unique_per_coordinator_and_email():
    coordinator = make_coordinator(departements=["04"])
    Invitation.objects.create(coordinator=coordinator, email="Lea@Example.org")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Invitation.objects.create(coordinator=coordinator, email="lea@example.org")
    other = make_coordinator(departements=["04"])
    Invitation.objects.create(coordinator=other, email="lea@example.org")


def test_network_counts_follow_the_rules_for_actors_and_places():
    before = network_counts("05")
    gap = make_place("gap")
    hidden_with_mediator = make_place("briancon", is_visible=False)
    hidden_alone = make_place("briancon", is_visible=False)
    make_place("gap", deleted_at="2025-01-01T00:00:00Z")
    make_actor("Compte", places=[gap])  # counts
    make_actor("Sur", places=[hidden_with_mediator])  # counts, and makes the hidden place count
    make_actor("Pas", validated=False, places=[gap])  # not validated
    make_actor("Employe", employer=gap)  # counts by their job alone
    ended = make_actor("Fini", places=[hidden_alone])
    ended.activities.end()  # history only: neither the actor nor the hidden place count
    gone = make_actor("Parti", places=[gap])
    gone.soft_delete()
    after = network_counts("05")
    assert after["actors"] - before["actors"] == 3
    assert after["places"] - before["places"] == 2  # gap + hidden_with_mediator
    assert hidden_with_mediator in places_in_network("05")
    assert hidden_alone not in places_in_network("05")


def test_links_keep_their_history_and_soft_delete_hides_the_person():
    digne, sisteron = make_place("digne"), make_place("sisteron")
    actor = make_actor("Histoire", places=[digne])
    Activity.objects.filter(actor=actor).end()
    Activity.objects.create(actor=actor, place=sisteron, start_date=date(2025, 3, 1))
    assert list(actor.activities.current().values_list("place", flat=True)) == [sisteron.pk]
    assert list(actor.activities.past().values_list("place", flat=True)) == [digne.pk]
    actor.soft_delete()
    assert actor.activities.count() == 2 and not actor.activities.current().exists()
    assert not Actor.objects.alive().filter(pk=actor.pk).exists()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Activity.objects.create(
            actor=actor, place=digne, start_date=date(2025, 1, 2), end_date=date(2025, 1, 1)
        )


def test_mediators_outside_team_are_in_the_territory_not_in_the_team_nearest_first():
    digne = make_place("digne", "Médiathèque de Digne")
    coordinator = make_coordinator(departements=["04"], employer=digne)
    at_sisteron = make_actor("Sisteron", places=[make_place("sisteron")])
    at_barcelonnette = make_actor("Ubaye", places=[make_place("barcelonnette")])
    at_digne = make_actor("Digne", places=[digne])
    in_team = make_actor("Equipe", places=[make_place("manosque")])
    add_to_team(coordinator, in_team)
    at_gap = make_actor("Gap", places=[make_place("gap")])
    unvalidated = make_actor("Attente", validated=False, places=[digne])
    coordinator_elsewhere = make_actor("Coord", roles=(Role.COORDINATEUR,), places=[digne])

    outside = list(mediators_outside_team(coordinator))
    mine = [a for a in outside if a in {at_sisteron, at_barcelonnette, at_digne}]
    assert mine == [at_digne, at_sisteron, at_barcelonnette]
    assert not {in_team, at_gap, unvalidated, coordinator_elsewhere} & set(outside)
    distances = [a.distance_m for a in outside]
    assert distances == sorted(distances)
    (dlon, dlat), (slon, slat) = TOWNS["digne"][:2], TOWNS["sisteron"][:2]
    geodesic = Geod(ellps="WGS84").inv(dlon, dlat, slon, slat)[2]
    sisteron_m = next(a.distance_m for a in outside if a == at_sisteron)
    assert abs(sisteron_m - geodesic) < 1  # metres on the ellipsoid, about 26 km


def test_demo_coordinator_sees_demo_mediators_of_04_outside_the_team(demo_coordinator):
    outside = list(mediators_outside_team(demo_coordinator))
    team = set(Actor.objects.team_of(demo_coordinator))
    assert outside and team and not team & set(outside)
    assert all(a.is_validated and a.is_fictional for a in outside)
    assert all(
        a.activities.current().filter(place__departement_code="04").exists() for a in outside
    )


def test_a_territory_of_communes_without_employer_measures_from_the_commune():
    coordinator = make_coordinator(communes=["05061"])  # Gap only, no employer, no place
    at_gap = make_actor("Gapençais", places=[make_place("gap")])
    at_briancon = make_actor("Briançonnais", places=[make_place("briancon")])
    outside = list(mediators_outside_team(coordinator))
    assert at_gap in outside and at_briancon not in outside
    reference = coordinator_origin(coordinator)
    gap = next(a for a in outside if a == at_gap)
    lon, lat = TOWNS["gap"][:2]
    expected = Geod(ellps="WGS84").inv(reference.x, reference.y, lon, lat)[2]
    assert abs(gap.distance_m - expected) < 1


def test_a_coordinator_without_territory_has_nobody_outside_the_team():
    coordinator = make_coordinator()
    make_actor("Seul", places=[make_place("digne")])
    assert not mediators_outside_team(coordinator).exists()
