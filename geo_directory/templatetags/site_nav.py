"""The site's navigation links: ``{% nav_link "/lieux/" "Trouver un lieu" %}`` marks the link of
the section the visitor is in with ``aria-current="page"`` (a screen reader says "page
actuelle"; the style underlines it). ``{% site_footer %}``: the footer of every page."""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import format_html

from geo_directory import cache

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
    signed_in = bool(user is not None and user.is_authenticated)
    return cache.memo(
        "site-footer",
        (signed_in, get_script_prefix()),
        lambda: render_to_string("_footer.html", {"signed_in": signed_in}),
    )
