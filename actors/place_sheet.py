"""The "mediators of this place" section of a place's sheet (``/lieux/<id>/``).

places never imports actors: ``ActorsConfig.ready()`` registers ``mediators_section`` with
``places.views.register_sheet_section``. Only the people the public may see are listed
(``Actor.objects.public()``: consenting, validated, not deleted), with their current activity
there; their professional contact comes with that consent (``permissions``: the public sees a
consenting actor's contact details). Nobody else leaves a trace, not even a count.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from .models import Activity, Actor


def public_mediators_at(place_ids) -> list[dict]:
    """The consenting mediators currently working at one of ``place_ids``, each once, with the
    day they started there (their earliest current activity), sorted by name."""
    activities = (
        Activity.objects.current()
        .filter(place_id__in=list(place_ids), actor__in=Actor.objects.public().mediators())
        .select_related("actor")
        .order_by("actor__last_name", "actor__first_name", "actor_id", "start_date")
    )
    people: dict[int, dict] = {}
    for activity in activities:
        people.setdefault(
            activity.actor_id, {"actor": activity.actor, "since": activity.start_date}
        )
    return list(people.values())


def mediators_section(request, place):
    """Safe HTML of the section, or None when nobody may be shown. A place shown as one with its
    likely duplicates from other sources lists the mediators of each (``same_place_ids``)."""
    place_ids = getattr(place, "same_place_ids", None) or [place.pk]
    people = public_mediators_at(place_ids)
    if not people:
        return None
    return render_to_string(
        "actors/_place_mediators.html", {"people": people, "place": place}, request=request
    )
