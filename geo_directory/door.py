"""The public door: the hottest anonymous reads answered without Django's middleware stack.

A moving map's bbox and a "near me" point on ``/api/v1/lieux/`` are new requests every time:
no cache answers them, and their SQL costs less than the 17 middleware and the handler around
the view (0.7 of ~2.2 ms of a worker's CPU). The door, in front of Django's WSGI application,
answers a plain one itself:

- **which requests**: a GET of a path in ``ROUTES``, with no cookie, credentials, range or
  validators (``If-None-Match``...), only the parameters of a map's page (``PARAMETERS``), each
  value accepted by the input check (``middleware.check_value``), of a kind admission lets
  through unguarded (``admission.quick_kind``; the door teaches it the answer's time); without
  read replicas (their routing is a middleware's). Anything else, and any answer the view does
  not give itself (an invalid parameter, a search of another shape), goes to Django.
- **what it answers**: the view's own answer (``PlaceListView.plain``: body, ETag,
  Last-Modified, DRF's headers), compressed by the stack's own compression middleware, with the
  headers the rest of the stack gave the same variant of the same path (``Variant``: media type,
  gzip, Origin, scheme): the first request of a variant goes through Django and its 200's headers
  are kept (``MAX_VARIANTS`` per worker), so that the security headers, CSP, CORS and language
  stay those of the middleware that write them, one definition.
- **what stays Django's**: any error, database outage included (the request is then served
  again by Django, which answers its 503; another exception is logged, then Django serves it).

tests/serving/test_door.py compares the door's answers with Django's for every variant.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from threading import Lock

from django.conf import settings
from django.core import signals
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.regex_helper import _lazy_re_compile

from . import admission
from . import cache as response_cache
from .middleware import DATABASE_ERRORS, check_value

logger = logging.getLogger(__name__)

# Requests the door leaves to Django: they need a session, a user, a partial or conditional
# answer, or a middleware's decision.
DJANGO_ONLY = (
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
    "HTTP_RANGE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
)
PARAMETERS = frozenset({"bbox", "near", "radius_km", "page", "page_size"})
# Headers of one answer (the view's or the compression's), never taken from the kept variant.
OWN_HEADERS = frozenset({"etag", "last-modified", "content-length", "content-encoding"})
MAX_VARIANTS = 256
ACCEPTS_GZIP = _lazy_re_compile(r"\bgzip\b")  # as django.middleware.gzip decides


def routes() -> dict:
    """Path -> the view class answering it at the door (its ``door_answer``)."""
    from places.api.views import PlaceListView

    return {reverse("places:api-list"): PlaceListView}


class Door:
    """WSGI application: the public door in front of Django's (``app``)."""

    def __init__(self, app):
        self.app = app
        self.routes = routes()
        self.variants: OrderedDict[tuple, list[tuple[str, str]]] = OrderedDict()
        self.lock = Lock()
        self.compression = compression_middleware()

    def __call__(self, environ, start_response):
        view = self.routes.get(environ.get("PATH_INFO"))
        if view is None or not eligible(environ):
            return self.app(environ, start_response)
        request = WSGIRequest(environ)
        try:
            variant = variant_of(request, view)
        except SuspiciousOperation:  # a disallowed host, too many parameters: Django's 400
            return self.app(environ, start_response)
        if variant is None:
            return self.app(environ, start_response)
        with self.lock:
            headers = self.variants.get(variant)
        if headers is None:
            return self.app(environ, self._keeping(variant, start_response))
        answer = self._answer(request, view, variant, headers)
        if answer is None:
            return self.app(environ, start_response)
        status, response_headers, body = answer
        start_response(status, response_headers)
        return [body]

    def _keeping(self, variant, start_response):
        """``start_response`` keeping the headers of a 200 of ``variant``."""

        def keep(status, headers, exc_info=None):
            if status.startswith("200 "):
                kept = [(n, v) for n, v in headers if n.lower() not in OWN_HEADERS]
                with self.lock:
                    self.variants[variant] = kept
                    while len(self.variants) > MAX_VARIANTS:
                        self.variants.popitem(last=False)
            return start_response(status, headers, exc_info)

        return keep

    def _answer(self, request, view, variant, headers):
        """(status, headers, body) of the view's own answer, or None: Django answers."""
        signals.request_started.send(sender=self.__class__, environ=request.environ)
        try:
            kind = admission.quick_kind(request)
            if kind is None:
                return None
            started = admission.work_clock()
            with response_cache.usage() as counted:
                response = view.door_answer(request, variant[1])
            if response is None or response.status_code != 200:
                return None  # the kept headers are a 200's
            admission.learn(kind, response, counted, admission.work_clock() - started)
            if self.compression is not None:
                response = self.compression.process_response(request, response)
            own = [(n, v) for n, v in response.items() if n.lower() in OWN_HEADERS]
            if not response.has_header("Content-Length"):
                own.append(("Content-Length", str(len(response.content))))
            status = f"{response.status_code} {response.reason_phrase}"
            return status, headers + own, response.content
        except DATABASE_ERRORS:
            return None  # Django serves it again: its 503 and its log
        except Exception:
            logger.exception("public door: %s failed, left to Django", request.path)
            return None
        finally:
            signals.request_finished.send(sender=self.__class__)


def eligible(environ) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and not any(environ.get(name) for name in DJANGO_ONLY)
        and not settings.REPLICA_ALIASES
    )


def variant_of(request, view) -> tuple | None:
    """What the rest of the stack's headers depend on for ``request``, or None when the door
    does not answer it: its media type (``view.plain_media_type``), gzip, Origin, scheme."""
    query = request.GET
    if not query.keys() <= PARAMETERS:
        return None
    for values in query.lists():
        if any(check_value(value) for value in values[1]):
            return None  # the input check's 400
    media_type = view.plain_media_type(request)
    if media_type is None:
        return None
    meta = request.META
    return (
        request.path,
        media_type,
        bool(ACCEPTS_GZIP.search(meta.get("HTTP_ACCEPT_ENCODING", ""))),
        meta.get("HTTP_ORIGIN"),
        request.is_secure(),
        request.get_host(),
    )


def compression_middleware() -> GZipMiddleware | None:
    """The stack's compression middleware (``settings.MIDDLEWARE``), to compress the door's
    answers as it does its own."""
    for path in settings.MIDDLEWARE:
        middleware = import_string(path)
        if isinstance(middleware, type) and issubclass(middleware, GZipMiddleware):
            return middleware(lambda request: None)
    return None
