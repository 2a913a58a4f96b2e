"""The site's navigation links: ``{% nav_link "/lieux/" "Trouver un lieu" %}`` marks the link of
the section the visitor is in with ``aria-current="page"`` (a screen reader says "page
actuelle"; the style underlines it). ``{% site_footer %}``: the footer of every page."""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, href: str, label: str, section: str = ""):
    """A ``<a>`` to ``href``; current when the request's path starts with ``section`` (by
    default ``href`` itself; the home page only on ``/``)."""
    request = context.get("request")
    path = request.path if request is not None else ""
    section = section or href
    current = path == section if section == "/" else path.startswith(section)
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', href, label)
    return format_html('<a href="{}">{}</a>', href, label)


@register.simple_tag(takes_context=True)
def site_footer(context):
    """The footer (``_footer.html``): the same on every page but for the signed-in visitor's
    missing "Se connecter", so rendered once per worker, signed-in state and URL prefix (its
    dozen links were half of the base template's rendering)."""
    user = context.get("user")
    return _footer(bool(user is not None and user.is_authenticated), get_script_prefix())


@lru_cache(maxsize=8)
def _footer(signed_in: bool, _prefix: str) -> str:
    return render_to_string("_footer.html", {"signed_in": signed_in})
