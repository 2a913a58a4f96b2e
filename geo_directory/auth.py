"""The client address that login throttling (django-axes) counts failures against."""

from django.conf import settings


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
