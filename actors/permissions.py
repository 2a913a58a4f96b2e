"""Who may do what with actors: every rule in one place, used by pages, API and tests.

- The public sees an actor only with their consent (``Actor.objects.public()``), and then their
  professional contact details too.
- A person logged in is linked to their actor (``user.actor``). A mediator edits their own
  profile, consent and places of activity.
- A validated coordinator manages their team: invites, removes, exports it, sees its "mon
  équipe" coverage (map and exports), and sees the contact details of their own team only; they
  see the names of the mediators of their territory to invite them. Inviting an e-mail address
  names its owner only if the coordinator may see them anyway (``visible_actors``).
- Past places of activity: the person, staff and their own coordinator.
- Staff manage everything in the admin and see everything.
"""

from __future__ import annotations

from django.db.models import Q

from .models import Activity, Actor, TeamMembership
from .querysets import territory_places


def actor_of(user) -> Actor | None:
    """The living actor linked to a logged-in user, or None."""
    if user is None or not user.is_authenticated:
        return None
    actor = getattr(user, "actor", None)
    if actor is None or actor.deleted_at is not None:
        return None
    return actor


def is_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def coordinator_of(user) -> Actor | None:
    """The user's actor when it is a validated coordinator, else None."""
    actor = actor_of(user)
    if actor is not None and actor.is_coordinator and actor.is_validated:
        return actor
    return None


def in_team(coordinator: Actor | None, actor: Actor) -> bool:
    if coordinator is None:
        return False
    return TeamMembership.objects.current().filter(coordinator=coordinator, member=actor).exists()


def works_in_territory(coordinator: Actor | None, actor: Actor) -> bool:
    if coordinator is None:
        return False
    return actor.activities.current().filter(place__in=territory_places(coordinator)).exists()


def is_public(actor: Actor) -> bool:
    return Actor.objects.public().filter(pk=actor.pk).exists()


def can_view_actor(user, actor: Actor) -> bool:
    """The actor's page: public with consent; otherwise only for staff, the person, their
    coordinator, or a coordinator of the territory where they work (to invite them)."""
    if is_staff(user):
        return True
    if actor.deleted_at is not None:
        return False
    if is_public(actor) or actor_of(user) == actor:
        return True
    coordinator = coordinator_of(user)
    return in_team(coordinator, actor) or (
        actor.is_validated and works_in_territory(coordinator, actor)
    )


def visible_actors(user):
    """The actors a user may see listed: the public ones, plus for a coordinator their team and
    the validated actors working in their territory, plus oneself; staff see all living ones."""
    if is_staff(user):
        return Actor.objects.alive()
    visible = Q(pk__in=Actor.objects.public().values("pk"))
    me = actor_of(user)
    if me is not None:
        visible |= Q(pk=me.pk)
    coordinator = coordinator_of(user)
    if coordinator is not None:
        places = territory_places(coordinator)
        working_here = Activity.objects.current().filter(place__in=places).values("actor")
        visible |= Q(pk__in=Actor.objects.team_of(coordinator).values("pk"))
        visible |= Q(pk__in=working_here, is_validated=True)
    return Actor.objects.alive().filter(visible)


def can_view_contact(user, actor: Actor) -> bool:
    """E-mail and phone: with consent, or for staff, the person and their own coordinator."""
    if is_staff(user) or actor_of(user) == actor:
        return True
    if actor.deleted_at is not None:
        return False
    return is_public(actor) or in_team(coordinator_of(user), actor)


def can_view_history(user, actor: Actor) -> bool:
    """Past places of activity: the person, staff, and their own coordinator."""
    return can_edit_profile(user, actor) or in_team(coordinator_of(user), actor)


def can_manage_team(user) -> bool:
    return coordinator_of(user) is not None


def can_invite(user, actor: Actor | None = None) -> bool:
    """A coordinator invites a mediator who is not yet in the team (or any e-mail)."""
    coordinator = coordinator_of(user)
    if coordinator is None:
        return False
    if actor is None:
        return True
    return (
        actor.deleted_at is None
        and actor.pk != coordinator.pk
        and actor.is_mediator
        and not in_team(coordinator, actor)
        and can_view_actor(user, actor)
    )


def can_remove(user, actor: Actor) -> bool:
    """Only the actor's own coordinator removes them from the team."""
    return in_team(coordinator_of(user), actor)


def can_edit_profile(user, actor: Actor) -> bool:
    """Profile, consent and places of activity: the person themself (staff use the admin)."""
    return actor_of(user) == actor or is_staff(user)


can_edit_consent = can_edit_profile


def can_export_team(user) -> bool:
    return can_manage_team(user)


def team_coverage_coordinator(user) -> Actor | None:
    """The coordinator whose team the "mon équipe" coverage (map and exports) may show: the
    same rule as managing the team (a validated, living coordinator), else None."""
    return coordinator_of(user) if can_manage_team(user) else None
