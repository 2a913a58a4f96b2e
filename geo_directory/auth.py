"""Login throttling (django-axes): the client address failures are counted against, the
username, the two failure limits and the handler that resets a success's own failures only."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or behind ``MAILLAGE_TRUSTED_PROXIES`` proxies the address the first of
    them saw (the last ones of ``X-Forwarded-For`` are written by the trusted proxies; anything
    before them is the client's word and never trusted)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-count] if len(forwarded) >= count else remote


def login_username(request, credentials=None) -> str | None:
    """The username that failures are counted for, cut to the 255 characters django-axes can
    store (no account has a longer one: without the cut, such a login attempt was a 500)."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(settings.AXES_USERNAME_FORM_FIELD) if source else None
    return username[:255] if isinstance(username, str) else username


def _failures(request, **lookup) -> int:
    """Failures within the cool-off time matching ``lookup`` (all user agents together)."""
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=get_cool_off_threshold(request), **lookup
    )
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def failure_limit(request, credentials=None) -> int:
    """``AXES_FAILURE_LIMIT``: two limits with django-axes' one.

    django-axes counts the failures of each ``AXES_LOCKOUT_PARAMETERS`` group (the username at
    this address, the address alone), takes the largest and locks at one limit. Answering
    ``LOGIN_FAILURE_LIMIT`` once the username at this address has reached it, and
    ``LOGIN_ADDRESS_FAILURE_LIMIT`` otherwise, locks exactly when the pair reached the first or
    the address the second (the pair never counts more than its address).
    """
    per_user = settings.LOGIN_FAILURE_LIMIT
    username = get_client_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None) or client_ip(request)
    if _failures(request, username=username, ip_address=ip_address) >= per_user:
        request.login_locked_for_address = False
        return per_user
    request.login_locked_for_address = True  # what the lockout page says, if it is shown
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT


class LoginFailuresHandler(AxesDatabaseHandler):
    """django-axes' database handler, but a successful login clears only that username's
    failures at that address: the stock handler deletes every group of
    ``AXES_LOCKOUT_PARAMETERS``, so logging into one's own account between guesses would wipe
    the address's count of sprayed passwords."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return deleted
