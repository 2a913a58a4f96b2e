"""Pages for logged-in people: a coordinator's team ("Mon équipe") and a mediator's profile.

Every change is a POST with CSRF that redirects with a message; who may do it is asked of
``permissions.py``, the change itself is done by ``services.py``.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from geo_directory.territories.models import Departement
from places.models import Place

from . import email_change, page_flow, permissions, services
from .forms import AddActivityForm, InviteForm, ProfileForm
from .models import Activity, Actor, Invitation
from .querysets import mediators_outside_team

OUTSIDE_LIMIT = 50


def friendly_403(view):
    """A refused action shows a French page saying why (status 403), not a bare error."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            message = str(error) or "Vous n'avez pas le droit de faire cette action."
            return render(request, "actors/forbidden.html", {"message": message}, status=403)

    return wrapper


def _coordinator(request) -> Actor:
    coordinator = permissions.coordinator_of(request.user)
    if coordinator is None:
        actor = permissions.actor_of(request.user)
        if actor is not None and actor.is_coordinator:
            raise PermissionDenied(
                "Votre fiche de coordinateur n'est pas encore validée : l'équipe Maillage "
                "la vérifie avant d'ouvrir la gestion d'équipe."
            )
        raise PermissionDenied("Cette page est réservée aux coordinateurs.")
    return coordinator


@login_required
@friendly_403
def team(request):
    coordinator = _coordinator(request)
    outside = list(mediators_outside_team(coordinator).with_place_count()[:OUTSIDE_LIMIT])
    invitations = list(coordinator.invitations.order_by("status", "-created_at"))
    pending_actors = {
        invitation.actor_id
        for invitation in invitations
        if invitation.status == Invitation.Status.SENT and invitation.actor_id
    }
    for mediator in outside:
        mediator.invitation_pending = mediator.pk in pending_actors
        if mediator.distance_m is not None:
            mediator.distance_km = mediator.distance_m / 1000
    # the person an address belongs to is named only if this coordinator may see them anyway
    shown = permissions.visible_actors(request.user).in_bulk(
        [invitation.actor_id for invitation in invitations if invitation.actor_id]
    )
    for invitation in invitations:
        invitation.shown_actor = shown.get(invitation.actor_id)
    context = {
        "coordinator": coordinator,
        "members": services.team_members(coordinator),
        "invitations": invitations,
        "outside": outside,
        "outside_limit": OUTSIDE_LIMIT,
        "invite_form": InviteForm(),
        "territory": ", ".join(
            [str(d) for d in coordinator.territory_departements.all()]
            + [str(c) for c in coordinator.territory_communes.all()]
        ),
        "coverage_departements": _territory_departements(coordinator),
        **page_flow.feedback(request),
    }
    return render(request, "actors/team.html", context)


def _territory_departements(coordinator: Actor):
    """The départements of the coordinator's territory (its communes' too), for the links to
    the team's coverage."""
    return (
        Departement.objects.filter(
            Q(pk__in=coordinator.territory_departements.values("pk"))
            | Q(communes__in=coordinator.territory_communes.all())
        )
        .distinct()
        .order_by("code")
    )


@login_required
@friendly_403
@require_POST
def invite(request):
    coordinator = _coordinator(request)
    actor = None
    actor_id = request.POST.get("actor", "")
    if actor_id:
        actor = (
            Actor.objects.alive().filter(pk=actor_id).first()
            if actor_id.isascii() and actor_id.isdigit()
            else None
        )
        if actor is None or not permissions.can_invite(request.user, actor):
            messages.error(request, "Ce médiateur ne peut pas être invité dans votre équipe.")
            return page_flow.back(request, "actors:team", "hors-equipe")
    else:
        form = InviteForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["email"][0])
            return page_flow.back(request, "actors:team", "invitations")
    try:
        invitation = services.invite(coordinator, email=request.POST.get("email", ""), actor=actor)
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        who = actor.full_name if actor else invitation.email
        profile_url = request.build_absolute_uri(reverse("actors:profile"))
        if services.send_invitation_email(invitation, profile_url):
            messages.success(request, f"Invitation envoyée à {who}.")
        else:
            messages.warning(
                request,
                f"Invitation enregistrée pour {who}, mais le courriel n'a pas pu partir : "
                "la personne la verra sur son profil.",
            )
    return page_flow.back(
        request, "actors:team", f"mediateur-{actor.pk}" if actor else "invitations"
    )


@login_required
@friendly_403
@require_http_methods(["GET", "POST"])
def remove(request, pk):
    """GET asks first; POST ends the membership (the history keeps it)."""
    coordinator = _coordinator(request)
    member = get_object_or_404(Actor, pk=pk)
    if not permissions.can_remove(request.user, member):
        raise PermissionDenied("Cette personne ne fait pas partie de votre équipe.")
    if request.method == "GET":
        return page_flow.confirm(
            request,
            title="Retirer de l'équipe",
            question=f"Retirer {member.full_name} de votre équipe ?",
            details=(
                "Ses lieux ne compteront plus dans la couverture de « mon équipe » et son "
                "adresse ne sera plus dans l'export de l'équipe. Son appartenance passée reste "
                "dans l'historique ; vous pourrez l'inviter de nouveau."
            ),
            action=("Retirer de l'équipe", request.path),
            cancel=reverse("actors:team") + f"#membre-{member.pk}",
        )
    services.remove(coordinator, member)
    messages.success(request, f"{member.full_name} ne fait plus partie de votre équipe.")
    return page_flow.back(request, "actors:team", "membres")


@login_required
@friendly_403
@require_http_methods(["GET", "POST"])
def cancel_invitation(request, pk):
    """GET asks first; POST withdraws an invitation still waiting for its answer (it leaves
    the list and the person's profile; the address may be invited again)."""
    coordinator = _coordinator(request)
    invitation = get_object_or_404(
        coordinator.invitations.filter(status=Invitation.Status.SENT), pk=pk
    )
    if request.method == "GET":
        return page_flow.confirm(
            request,
            title="Annuler l'invitation",
            question=f"Annuler l'invitation envoyée à {invitation.email} ?",
            details=(
                "Elle disparaît de votre liste et du profil de la personne, qui ne pourra plus "
                "l'accepter. Vous pourrez l'inviter de nouveau."
            ),
            action=("Annuler l'invitation", request.path),
            cancel=reverse("actors:team") + f"#invitation-{invitation.pk}",
        )
    services.cancel_invitation(invitation)
    messages.success(request, f"Invitation à {invitation.email} annulée.")
    return page_flow.back(request, "actors:team", "invitations")


@login_required
@friendly_403
def export_team(request):
    if not permissions.can_export_team(request.user):
        raise PermissionDenied("L'export est réservé aux coordinateurs.")
    coordinator = _coordinator(request)
    response = HttpResponse(
        services.export_team_csv(coordinator), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="mon-equipe-{stamp}.csv"'
    return response


def _my_actor(request) -> Actor:
    actor = permissions.actor_of(request.user)
    if actor is None:
        raise PermissionDenied("Aucune fiche d'acteur n'est liée à ce compte.")
    return actor


def _places_for(actor: Actor, code: str | None = None):
    """Places offered when adding a place of activity: the chosen département's, else those of
    the départements where the person already works or is employed (never all of France); a
    real place listed by several sources is offered once."""
    places = Place.objects.public()
    if code and Departement.objects.filter(code=code).exists():
        return places.in_departement(code).one_per_place()
    codes = set(
        Place.objects.filter(Q(activities__actor=actor) | Q(employments__actor=actor))
        .exclude(departement_code="")
        .values_list("departement_code", flat=True)
    )
    return places.filter(departement_code__in=codes).one_per_place() if codes else places.none()


@login_required
@friendly_403
def profile(request):
    actor = _my_actor(request)
    chosen = request.GET.get("departement")
    form = ProfileForm(request.POST or None, instance=actor)
    if request.method == "POST":
        if not permissions.can_edit_profile(request.user, actor):
            raise PermissionDenied("Seule la personne elle-même modifie son profil.")
        if form.is_valid():
            form.save()
            _ask_email_change(request, actor, form.cleaned_data["email"])
            return redirect("actors:profile")
        messages.error(request, "Le profil n'est pas enregistré : corrigez les champs signalés.")
    activities = actor.activities.select_related("place").order_by("end_date", "place__nom")
    context = {
        "actor": actor,
        "form": form,
        "activity_form": AddActivityForm(places=_places_for(actor, chosen)),
        "departements": Departement.objects.territory_summary(),
        "chosen_departement": chosen or "",
        "current_activities": activities.current(),
        "past_activities": activities.past(),
        "invitations": services.pending_invitations_for(actor),
        **page_flow.feedback(request),
    }
    return render(request, "actors/profile.html", context, status=400 if form.errors else 200)


def _ask_email_change(request, actor: Actor, new_email: str) -> None:
    """A new address waits for its link; the message says so (the form saved the rest)."""
    token = email_change.request_change(actor, new_email)
    if token is None:
        messages.success(request, "Votre profil est enregistré.")
        return
    url = request.build_absolute_uri(reverse("actors:confirm-email", args=[token]))
    if email_change.send_confirmation(actor, url):
        messages.success(
            request,
            f"Votre profil est enregistré. Un lien de confirmation est parti vers "
            f"{actor.pending_email} : votre courriel ne change qu'une fois ce lien ouvert.",
        )
    else:
        messages.warning(
            request,
            f"Votre profil est enregistré, mais le lien de confirmation n'a pas pu partir vers "
            f"{actor.pending_email} : votre courriel n'a pas changé, réessayez plus tard.",
        )


@login_required
@friendly_403
def confirm_email(request, token):
    """The link sent to a new address: GET shows what will change, POST changes it. Only the
    account that asked may use it (a link alone proves the mailbox, not the account)."""
    actor = _my_actor(request)
    try:
        if request.method == "POST":
            email = email_change.confirm(actor, token)
        else:
            email = email_change.check(actor, token)
    except email_change.EmailChangeError as error:
        context = {"message": str(error)}
        return render(request, "actors/confirm_email.html", context, status=error.status)
    if request.method == "POST":
        messages.success(request, f"Votre courriel est désormais {email}.")
        return redirect("actors:profile")
    return render(request, "actors/confirm_email.html", {"email": email, "actor": actor})


@login_required
@friendly_403
@require_POST
def add_activity(request):
    actor = _my_actor(request)
    form = AddActivityForm(request.POST, places=_places_for(actor, request.POST.get("departement")))
    if not form.is_valid():
        messages.error(request, "Choisissez un lieu de la liste et une date valide.")
        return page_flow.back(request, "actors:profile", "lieux")
    place = form.cleaned_data["place"]
    if actor.activities.current().filter(place=place).exists():
        messages.warning(request, f"Vous êtes déjà en activité à {place.nom}.")
        return page_flow.back(request, "actors:profile", "lieux")
    start = form.cleaned_data["start_date"] or timezone.localdate()
    if start > timezone.localdate():
        messages.error(request, "La date de début ne peut pas être dans le futur.")
        return page_flow.back(request, "actors:profile", "lieux")
    Activity.objects.create(actor=actor, place=place, start_date=start)
    messages.success(request, f"{place.nom} ajouté à vos lieux d'activité.")
    return page_flow.back(request, "actors:profile", "lieux")


@login_required
@friendly_403
@require_http_methods(["GET", "POST"])
def end_activity(request, pk):
    """GET asks first; POST ends the activity today (kept in the history)."""
    actor = _my_actor(request)
    activity = get_object_or_404(actor.activities.current().select_related("place"), pk=pk)
    if request.method == "GET":
        return page_flow.confirm(
            request,
            title="Terminer une activité",
            question=f"Terminer votre activité à {activity.place.nom} ?",
            details=(
                "Vous n'y serez plus présenté·e au public et ce lieu ne comptera plus parmi les "
                "points de médiation dès aujourd'hui (si personne d'autre n'y travaille). "
                "L'activité reste dans votre historique."
            ),
            action=("Terminer l'activité", request.path),
            cancel=reverse("actors:profile") + f"#activite-{activity.pk}",
        )
    Activity.objects.filter(pk=activity.pk).end()
    messages.success(
        request, f"Activité à {activity.place.nom} terminée (gardée dans l'historique)."
    )
    return page_flow.back(request, "actors:profile", "lieux")


@login_required
@friendly_403
@require_POST
def answer_invitation(request, pk):
    actor = _my_actor(request)
    invitation = get_object_or_404(services.pending_invitations_for(actor), pk=pk)
    accept = request.POST.get("answer") == "accept"
    try:
        services.answer(invitation, actor, accept=accept)
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        coordinator = invitation.coordinator.full_name
        messages.success(
            request,
            f"Vous avez rejoint l'équipe de {coordinator}."
            if accept
            else f"Invitation de {coordinator} refusée.",
        )
    return redirect("actors:profile")
