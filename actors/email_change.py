"""A person's change of e-mail counts only once confirmed by a link sent to the new address.

Invitations are bound to the actor invited (``Invitation.actor``), and an invitation sent to an
address nobody had is bound to whoever later proves that address is theirs. An unconfirmed
address therefore gives nothing: not someone else's invitations, nor the right to answer them.

The link carries a signed token (``django.core.signing``, salted, valid
``CONFIRMATION_MAX_AGE``) naming the actor, the new address and the address it replaces: it
works once (after the change the address it replaces is no longer the current one), only for
the account that asked, and a newer request voids the older links.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from .models import Actor, Invitation

logger = logging.getLogger(__name__)

SALT = "actors.email-change"
CONFIRMATION_MAX_AGE = timedelta(days=3)


class EmailChangeError(Exception):
    """A French message the page shows as is, with the HTTP status that fits."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def request_change(actor: Actor, new_email: str) -> str | None:
    """Record ``new_email`` as waiting for confirmation and return the token of its link; None
    when nothing is to confirm (the same address, or none: removing one's address counts now)."""
    new_email = normalise(new_email)
    if new_email == normalise(actor.email):
        if actor.pending_email:
            actor.pending_email = ""
            actor.save(update_fields=["pending_email", "updated_at"])
        return None
    if not new_email:
        actor.email = ""
        actor.pending_email = ""
        actor.save(update_fields=["email", "pending_email", "updated_at"])
        return None
    try:
        validate_email(new_email)
    except ValidationError:
        raise EmailChangeError(
            f"« {new_email} » n'est pas une adresse électronique valide."
        ) from None
    actor.pending_email = new_email
    actor.save(update_fields=["pending_email", "updated_at"])
    payload = {"actor": actor.pk, "email": new_email, "replaces": normalise(actor.email)}
    return signing.dumps(payload, salt=SALT)


def send_confirmation(actor: Actor, confirm_url: str) -> bool:
    """The link goes to the new address only; False (and a log line) when the mail server
    refuses: the address stays waiting and the person can ask again."""
    days = CONFIRMATION_MAX_AGE.days
    body = (
        f"Bonjour {actor.first_name},\n\nVous avez demandé que {actor.pending_email} devienne "
        f"votre courriel professionnel sur Maillage.\n\nPour le confirmer, connectez-vous puis "
        f"ouvrez ce lien (valable {days} jours) : {confirm_url}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : rien ne change.\n"
    )
    try:
        send_mail("Confirmez votre adresse électronique", body, None, [actor.pending_email])
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("actor %s: e-mail confirmation not sent (%s)", actor.pk, error)
        return False
    return True


def check(actor: Actor, token: str) -> str:
    """The new address the token confirms for ``actor``, or ``EmailChangeError`` saying why not."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise EmailChangeError(
            f"Ce lien de confirmation a expiré (il vaut {CONFIRMATION_MAX_AGE.days} jours) : "
            "saisissez à nouveau votre nouveau courriel sur votre profil."
        ) from None
    except signing.BadSignature:
        raise EmailChangeError(
            "Ce lien de confirmation n'est pas valide : copiez-le en entier depuis le courriel "
            "reçu."
        ) from None
    if not isinstance(payload, dict) or payload.get("actor") != actor.pk:
        raise EmailChangeError(
            "Ce lien de confirmation concerne un autre compte : connectez-vous avec le compte "
            "qui a demandé le changement.",
            status=403,
        )
    email = payload.get("email") or ""
    if email != actor.pending_email or payload.get("replaces") != normalise(actor.email):
        raise EmailChangeError(
            "Ce lien de confirmation a déjà servi ou a été remplacé par une demande plus "
            "récente : votre courriel n'a pas changé."
        )
    return email


@transaction.atomic
def confirm(actor: Actor, token: str) -> str:
    """Make the confirmed address the actor's and give them the invitations sent to it."""
    actor = Actor.objects.select_for_update().get(pk=actor.pk)
    email = check(actor, token)
    actor.email = email
    actor.pending_email = ""
    actor.save(update_fields=["email", "pending_email", "updated_at"])
    claim_invitations(actor)
    return email


def claim_invitations(actor: Actor) -> int:
    """Bind to ``actor`` the waiting invitations sent to their address that nobody holds yet
    (sent before anyone had it). Call it only when that address is known to be theirs:
    confirmed by link, or set by staff."""
    if not actor.email:
        return 0
    return (
        Invitation.objects.filter(
            status=Invitation.Status.SENT, actor__isnull=True, email=normalise(actor.email)
        )
        .exclude(coordinator=actor)
        .update(actor=actor)
    )
