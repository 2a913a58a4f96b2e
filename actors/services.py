"""Team operations (invite, answer, remove) and the team export, kept out of the views.

Each operation checks its own business rules and raises ``TeamError`` with a French message the
page shows as is; who may call it is decided in ``permissions.py``.
"""

from __future__ import annotations

import io
import logging
import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from geo_directory import phones
from geo_directory.spreadsheet import SpreadsheetWriter

from .models import Activity, Actor, Invitation, TeamMembership
from .querysets import current_q

logger = logging.getLogger(__name__)


class TeamError(Exception):
    pass


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise TeamError(
            f"« {email or '(vide)'} » n'est pas une adresse électronique valide."
        ) from None
    return email


@transaction.atomic
def invite(coordinator: Actor, *, email: str = "", actor: Actor | None = None) -> Invitation:
    """Invite a known mediator (``actor``) or anyone by e-mail; one invitation per e-mail and
    coordinator: inviting again after a refusal sends it again."""
    if actor is not None:
        if not actor.email:
            raise TeamError(
                f"{actor.full_name} n'a pas d'adresse électronique : invitation impossible."
            )
        email = actor.email
    email = _clean_email(email)
    if actor is None:
        actor = Actor.objects.alive().filter(email__iexact=email).first()
    if actor is not None and actor.pk == coordinator.pk:
        raise TeamError("Vous ne pouvez pas vous inviter vous-même.")
    if actor is not None and Actor.objects.team_of(coordinator).filter(pk=actor.pk).exists():
        raise TeamError(f"{actor.full_name} fait déjà partie de votre équipe.")
    invitation, created = Invitation.objects.select_for_update().get_or_create(
        coordinator=coordinator, email=email, defaults={"actor": actor}
    )
    if not created:
        if invitation.status == Invitation.Status.SENT:
            raise TeamError(f"Une invitation est déjà en attente pour {email}.")
        invitation.status = Invitation.Status.SENT
        invitation.responded_at = None
        invitation.actor = actor
        invitation.save()
    return invitation


@transaction.atomic
def answer(invitation: Invitation, actor: Actor, *, accept: bool) -> Invitation:
    """The invited person accepts (joins the team from today) or refuses."""
    if invitation.status != Invitation.Status.SENT:
        raise TeamError("Cette invitation a déjà reçu une réponse.")
    # bound to the person invited: an e-mail address alone (even one's own) proves nothing
    if invitation.actor_id != actor.pk or invitation.coordinator_id == actor.pk:
        raise TeamError("Cette invitation ne vous est pas adressée.")
    invitation.actor = actor
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.REFUSED
    invitation.responded_at = timezone.now()
    invitation.save()
    if accept and not Actor.objects.team_of(invitation.coordinator).filter(pk=actor.pk).exists():
        TeamMembership.objects.create(
            coordinator=invitation.coordinator, member=actor, start_date=timezone.localdate()
        )
    return invitation


def cancel_invitation(invitation: Invitation) -> None:
    """Withdraw an invitation still waiting for its answer: it leaves the coordinator's list
    and the person's profile; the same address may be invited again."""
    if invitation.status != Invitation.Status.SENT:
        raise TeamError(
            "Cette invitation a déjà reçu une réponse : elle ne peut plus être annulée."
        )
    invitation.delete()


def send_invitation_email(invitation: Invitation, profile_url: str) -> bool:
    """Tell the invited person by e-mail; False (and a log line) when the mail server refuses:
    the invitation stays recorded and is shown on their profile page anyway."""
    coordinator = invitation.coordinator
    body = (
        f"Bonjour,\n\n{coordinator.full_name} vous invite à rejoindre son équipe de "
        f"coordination sur Maillage.\n\nConnectez-vous puis acceptez ou refusez l'invitation "
        f"sur votre profil : {profile_url}\n"
    )
    try:
        send_mail(
            "Invitation à rejoindre une équipe de coordination",
            body,
            None,
            [invitation.email],
        )
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("invitation %s: e-mail not sent (%s)", invitation.pk, error)
        return False
    return True


def pending_invitations_for(actor: Actor):
    """Invitations waiting for this person's answer: those bound to them (when they were
    invited, or when they confirmed the address an invitation was sent to), never an e-mail
    match."""
    return Invitation.objects.filter(status=Invitation.Status.SENT, actor=actor).select_related(
        "coordinator"
    )


@transaction.atomic
def remove(coordinator: Actor, member: Actor) -> None:
    """End the membership today; it stays in the history."""
    ended = TeamMembership.objects.filter(coordinator=coordinator, member=member).end()
    if not ended:
        raise TeamError(f"{member.full_name} ne fait pas partie de votre équipe.")


def team_members(coordinator: Actor):
    """Current members with their current places of activity (prefetched)."""
    current_places = Prefetch(
        "activities",
        queryset=Activity.objects.filter(current_q(), place__deleted_at__isnull=True)
        .select_related("place")
        .order_by("place__nom"),
        to_attr="current_activities",
    )
    since = TeamMembership.objects.current().filter(coordinator=coordinator, member=OuterRef("pk"))
    return (
        Actor.objects.team_of(coordinator)
        .annotate(member_since=Subquery(since.values("start_date")[:1]))
        .with_place_count()
        .prefetch_related(current_places)
        .sorted()
    )


EXPORT_COLUMNS = ["prenom", "nom", "courriel", "telephone", "roles", "lieux_activite"]


def export_team_csv(coordinator: Actor) -> str:
    """The team for a mailing list (the coordinator is entitled to these details), in the
    French spreadsheet convention (``geo_directory.spreadsheet``); phones as written in France
    ("04 65 70 00 03": Excel would make a number of "+33465700003")."""
    buffer = io.StringIO()
    writer = SpreadsheetWriter(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for member in team_members(coordinator):
        writer.writerow(
            [
                member.first_name,
                member.last_name,
                member.email,
                phones.display(member.phone),
                "|".join(member.role_labels()),
                "|".join(a.place.nom for a in member.current_activities),
            ]
        )
    return buffer.getvalue()
