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
