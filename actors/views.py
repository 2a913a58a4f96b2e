"""Public pages: "Mon réseau", the annuaire des acteurs of a département, an actor's page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode

from geo_directory.territories.models import Commune, Departement
from places.models import Place

from . import permissions
from .forms import DirectoryFilterForm
from .models import Activity, Actor, Invitation, TeamMembership
from .querysets import current_q, network_counts, network_counts_by_departement

PAGE_SIZE = 20


def _departement(code: str) -> Departement:
    departement = Departement.objects.with_communes().filter(code=code).distinct().first()
    if departement is None:
        raise Http404("Département inconnu ou non chargé.")
    return departement


def network_picker(request):
    departements = Departement.objects.territory_summary()
    chosen = request.GET.get("departement")
    if chosen is not None:
        if departements.filter(code=chosen).exists():
            return redirect("actors:network", chosen)
        messages.error(request, "Choisissez un département de la liste.")
    counts = network_counts_by_departement([departement.code for departement in departements])
    nobody = {"actors": 0, "places": 0}
    rows = [(departement, counts.get(departement.code, nobody)) for departement in departements]
    coordinator = permissions.coordinator_of(request.user)
    mine = coordinator.territory_departements.first() if coordinator else None
    return render(
        request, "actors/network_picker.html", {"rows": rows, "selected": mine.code if mine else ""}
    )


def network(request, code):
    departement = _departement(code)
    return render(
        request,
        "actors/network.html",
        {
            "departement": departement,
            "counts": network_counts(code),
            "is_coordinator": permissions.can_manage_team(request.user),
        },
    )


def directory(request, code):
    departement = _departement(code)
    in_departement = permissions.visible_actors(request.user).validated().in_departement(code)
    place_ids = Activity.objects.current().filter(actor__in=in_departement).values("place")
    places = Place.objects.alive().in_departement(code).filter(pk__in=place_ids)
    communes = Commune.objects.filter(places__in=places).distinct().order_by("nom")
    form = DirectoryFilterForm(request.GET or None, communes=communes, places=places)
    status = 200
    actors = in_departement
    if form.is_bound and not form.is_valid():
        status = 400
        actors = actors.sorted()
    elif form.is_bound:
        actors = form.filter(actors)
    else:
        actors = actors.sorted()
    page = Paginator(actors.with_place_count(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "departement": departement,
        "form": form,
        "chosen_filters": form.chosen(),
        "page": page,
        "query": urlencode(query, doseq=True),
        "total_public": Actor.objects.public().in_departement(code).count(),
    }
    return render(request, "actors/directory.html", context, status=status)


def actor_detail(request, pk):
    actor = get_object_or_404(Actor.objects.alive(), pk=pk)
    if not permissions.can_view_actor(request.user, actor):
        raise Http404("Acteur introuvable.")
    visible = permissions.visible_actors(request.user)
    coordinators = visible.filter(
        pk__in=TeamMembership.objects.current().filter(member=actor).values("coordinator")
    )
    activities = actor.activities.filter(place__deleted_at__isnull=True).select_related("place")
    coordinator = permissions.coordinator_of(request.user)
    pending = None
    if coordinator is not None:
        pending = Invitation.objects.filter(
            coordinator=coordinator, actor=actor, status=Invitation.Status.SENT
        ).first()
    entitled = permissions.can_view_history(request.user, actor)
    context = {
        "actor": actor,
        "current_activities": activities.filter(current_q()).order_by("place__nom"),
        "past_activities": activities.exclude(current_q()) if entitled else [],
        "employments": actor.employments.filter(current_q()).select_related("place"),
        "coordinators": coordinators,
        "show_contact": permissions.can_view_contact(request.user, actor),
        "can_remove": permissions.can_remove(request.user, actor),
        "can_invite": permissions.can_invite(request.user, actor) and pending is None,
        "pending_invitation": pending,
        "can_edit": permissions.can_edit_profile(request.user, actor),
    }
    return render(request, "actors/actor_detail.html", context)
