"""``{% coverage_map %}``: the national coverage map, for any page (e.g. ``/couverture/``).

Usage: ``{% load tiles_maps %}`` then ``{% coverage_map %}`` where the map goes (it brings its
own vendored MapLibre CSS/JS, no CDN). Optional: ``{% coverage_map height="32rem" %}``.
"""

import json

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


def base_tiles() -> list[str]:
    url = settings.MAP_TILES_URL
    if not url:
        return []
    return [url.replace("{s}", sub) for sub in "abc"] if "{s}" in url else [url]


@register.inclusion_tag("tiles/_coverage_map.html")
def coverage_map(height="36rem"):
    config = {
        "communes": reverse("tiles:tilejson", args=["communes"]),
        "lieux": reverse("tiles:tilejson", args=["lieux"]),
        "baseTiles": base_tiles(),
        "baseAttribution": settings.MAP_TILES_ATTRIBUTION,
    }
    return {"config": json.dumps(config), "height": height}
