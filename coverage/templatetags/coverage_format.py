"""Figures as a French reader writes them: ``{{ metres|km }}`` -> "23,6 km" (one decimal,
decimal comma; "—" when unknown), never "23 636 m"."""

from django import template

register = template.Library()


@register.filter
def km(metres) -> str:
    if metres is None or metres == "":
        return "—"
    return f"{float(metres) / 1000:.1f}".replace(".", ",") + "\u00a0km"
