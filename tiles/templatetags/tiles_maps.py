"""``{% coverage_map %}``: the national coverage map, for any page (e.g. ``/couverture/``).

Usage: ``{% load tiles_maps %}`` then ``{% coverage_map %}`` where the map goes (it brings its
own vendored MapLibre CSS/JS, no CDN). Optional: ``{% coverage_map height="32rem"
threshold_km=threshold_km basis=basis %}`` to shade communes at the page's threshold and basis.
"""

import json

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


def base_tiles() -> list[str]:
    url = settings.MAP_TILES_URL
    if not url:
        return []
    return [url.replace("{s}", sub) for sub in "abc"] if "{s}" in url else [url]


@register.inclusion_tag("tiles/_coverage_map.html")
def coverage_map(height="36rem", threshold_km=None, basis=None):
    """The map; ``threshold_km`` / ``basis`` shade the communes as the page's table counts them."""
    variant = {k: v for k, v in {"threshold_km": threshold_km, "basis": basis}.items() if v}
    communes = reverse("tiles:tilejson", args=["communes"])
    config = {
        "communes": communes + ("?" + urlencode(variant) if variant else ""),
        "lieux": reverse("tiles:tilejson", args=["lieux"]),
        "baseTiles": base_tiles(),
        "baseAttribution": settings.MAP_TILES_ATTRIBUTION,
    }
    return {"config": json.dumps(config), "height": height}
