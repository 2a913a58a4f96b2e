"""How the team and profile pages move a person around after an action (issue 11 #5): a
destructive action asks first on a page of its own (``confirm``: works without JavaScript), and
every action returns to the row or section it was done on (``back``), whose message is shown
there (``feedback``) rather than at the top of a page opened lower down."""

import re

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

FEEDBACK_AT = "actors-feedback-at"  # session key: the section a redirect opens at
# A row's anchor (``membre-12``) -> the section that shows the message.
SECTIONS = {"membre": "membres", "invitation": "invitations", "mediateur": "hors-equipe"}
SECTIONS["activite"] = "lieux"

# French typography: a narrow no-break space (U+202F) before ? ! ; and inside « »; a no-break
# space (U+00A0) before ":"; the sign never wraps onto a line of its own.
NARROW_NBSP, NBSP = "\u202f", "\u00a0"
_BEFORE_SIGN = re.compile(r"[ \u00a0\u202f]+([?!;»])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0\u202f]*")
_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+:")


def french_spacing(text: str) -> str:
    """``text`` with the no-break spaces of French punctuation ("équipe ?" -> "équipe\u202f?",
    "« mon équipe »" with narrow no-break spaces inside)."""
    text = _BEFORE_SIGN.sub(NARROW_NBSP + r"\1", text)
    text = _AFTER_GUILLEMET.sub("«" + NARROW_NBSP, text)
    return _BEFORE_COLON.sub(NBSP + ":", text)


def safe_next(request, target: str) -> str:
    """``target`` when it is a path of this site, else "". Never reversed as a view name:
    "next=abc" was a NoReverseMatch (500)."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def back(request, default: str, anchor: str = ""):
    """Back to ``next`` when it is a path of this site, else to ``default`` (a URL name) at
    ``anchor``, the row or section the person acted on: the page opens where they were, and
    that section shows the message (``feedback``)."""
    target = safe_next(request, request.POST.get("next", ""))
    if target:
        return HttpResponseRedirect(target)
    if anchor:
        request.session[FEEDBACK_AT] = anchor
    return HttpResponseRedirect(reverse(default) + (f"#{anchor}" if anchor else ""))


def feedback(request) -> dict:
    """After an action, its messages are shown in the section the page opens at (``feedback``
    and ``feedback_at`` for the template); the copy at the top of the page, out of sight
    there, is then hidden by actors.css."""
    anchor = request.session.pop(FEEDBACK_AT, "")
    if not anchor:
        return {}
    section = SECTIONS.get(anchor.split("-")[0], anchor)
    return {"feedback": list(messages.get_messages(request)), "feedback_at": section}


def confirm(request, *, title, question, details, action, cancel, status=200):
    """A page that asks before a destructive action (no JavaScript needed): the button posts
    to the same address; "Annuler" goes back to the row. Its texts are spaced the French way
    (``french_spacing``): the "?" of the question never wraps alone."""
    back = safe_next(request, request.GET.get("next", "")) or cancel
    context = {
        "title": french_spacing(title),
        "question": french_spacing(question),
        "details": french_spacing(details),
        "action": action,
        "cancel": back,
        "next": safe_next(request, request.GET.get("next", "")),
    }
    return render(request, "actors/confirm.html", context, status=status)
