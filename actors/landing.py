"""Where a person lands after logging in (without a ``next``): where their role works."""

from django.urls import reverse

from .permissions import actor_of, coordinator_of, is_staff


def landing_url(user) -> str | None:
    """A coordinator: "Mon réseau" of their département (of their communes' one when they have
    no département; "Mon équipe" when several or none); staff: the administration; a mediator:
    their profile; anyone else: None (the home page)."""
    coordinator = coordinator_of(user)
    if coordinator is not None:
        codes = set(coordinator.territory_departements.values_list("code", flat=True))
        if not codes:
            codes = set(coordinator.territory_communes.values_list("departement_id", flat=True))
        if len(codes) == 1:
            return reverse("actors:network", args=[codes.pop()])
        return reverse("actors:team")
    if is_staff(user):
        return reverse("admin:index")
    if actor_of(user) is not None:
        return reverse("actors:profile")
    return None
