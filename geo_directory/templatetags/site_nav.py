"""The site's navigation links: ``{% nav_link "/lieux/" "Trouver un lieu" %}`` marks the link of
the section the visitor is in with ``aria-current="page"`` (a screen reader says "page
actuelle"; the style underlines it)."""

from django import template
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
