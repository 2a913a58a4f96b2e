"""``{% coverage_map %}``: the national coverage map, for any page (e.g. ``/couverture/``).

Usage: ``{% load tiles_maps %}`` then ``{% coverage_map %}`` where the map goes (it brings its
own vendored MapLibre CSS/JS, no CDN). Optional: ``{% coverage_map height="32rem"
threshold_km=threshold_km basis=basis %}`` to shade communes at the page's threshold and basis;
the dots are then the mediation points of that same basis (the legend says which), and
``departements`` / ``start`` (``tiles.national.Territory``) let the page's controls go to a
département or an overseas territory.
"""

import json

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from coverage.forms import BASIS_LABELS
from coverage.layer import DEFAULT_BASIS
from coverage.models import DEFAULT_THRESHOLD_KM
from tiles.national import METROPOLE

register = template.Library()


def base_tiles() -> list[str]:
    url = settings.MAP_TILES_URL
    if not url:
        return []
    return [url.replace("{s}", sub) for sub in "abc"] if "{s}" in url else [url]


@register.inclusion_tag("tiles/_coverage_map.html")
def coverage_map(height="36rem", threshold_km=None, basis=None, departements=(), start=None):
    """The map; ``threshold_km`` / ``basis`` shade the communes as the page's table counts them
    and choose the dots (the mediation points of that basis)."""
    threshold = float(threshold_km or DEFAULT_THRESHOLD_KM)
    basis = basis or DEFAULT_BASIS
    variant = {"threshold_km": f"{threshold:g}", "basis": basis}
    config = {
        "communes": reverse("tiles:tilejson", args=["communes"]) + "?" + urlencode(variant),
        "lieux": reverse("tiles:tilejson", args=["lieux"]) + "?" + urlencode({"basis": basis}),
        "tilejson": {
            "communes": reverse("tiles:tilejson", args=["communes"]),
            "lieux": reverse("tiles:tilejson", args=["lieux"]),
        },
        "baseTiles": base_tiles(),
        "baseAttribution": settings.MAP_TILES_ATTRIBUTION,
        "departements": {d.code: {"nom": d.nom, "bounds": d.bounds} for d in departements},
        "start": list(start.bounds) if start else None,
        "metropole": list(METROPOLE[1]),
        "bases": dict(BASIS_LABELS),
    }
    return {
        "config": json.dumps(config),
        "height": height,
        "threshold_km": threshold,
        "basis_label": dict(BASIS_LABELS)[basis],
    }
