"""The map of a search's results (/lieux/), drawn by the browser from a small list of points.

folium built this map per request (an element tree of ~60 objects, each rendered by its own Jinja
template: ~50 ms of the page's server time for 20 markers). The Leaflet calls are the same as
folium's, in one short script: the map centred on the search's origin, the project's tile layer,
the radius circle, the clustered markers with their popup and tooltip, the view fitted to the
circle and the markers together (``fit_view``).
Only the places' JSON changes from one search to another. The places and their clusters are
the palette's marks (``maps.POINT_ICON``, ``maps.cluster_icon``), which the legend under the map
explains (``LEGEND``).

The same parts as ``maps.embed``: ``header`` (vendored script and style links), ``html`` (the
map's element), ``script`` (a ``<script>`` carrying the Content-Security-Policy nonce), ``name``
and ``cluster`` (the global names of the Leaflet map and of its marker cluster group).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import escape

from geo_directory import cache, csp

from . import maps

NAME, CLUSTER = "results_map", "results_cluster"
ZOOM_FOR_RADIUS_KM = {5: 12, 10: 11, 20: 10, 30: 9, 50: 9, 100: 8}
# The view never zooms closer than this: a street's scale, enough to tell two places apart.
MAX_FIT_ZOOM = 15
RADIUS = "results_radius"
CIRCLE = {
    "bubblingMouseEvents": True,
    "className": "map-radius",  # in the palette (maillage.css), as the legend shows it
    "color": "#0e5e5f",
    "dashArray": None,
    "dashOffset": None,
    "fill": False,
    "fillColor": "#0e5e5f",
    "fillOpacity": 0.2,
    "fillRule": "evenodd",
    "lineCap": "round",
    "lineJoin": "round",
    "opacity": 1.0,
    "stroke": True,
    "weight": 1,
}


# What the results map draws, for the legend under it (samples with the map's own classes).
LEGEND = (
    ("point", maps.POINT, "un lieu (touchez-le pour son adresse)"),
    ("cluster", maps.CLUSTER, "plusieurs lieux proches (leur nombre) : zoomez ou touchez"),
    ("ring", "map-radius", "le rayon de la recherche autour de la commune"),
)


def script_json(value) -> str:
    """JSON that may stand inside a ``<script>`` element: no ``<``/``>`` (so no ``</script>``
    nor ``<!--``), no line separators, no ``$``/backtick (a name is never near a template
    literal). Names stay ``maps.text``-escaped (HTML entities)."""
    text = json.dumps(value, ensure_ascii=False)
    escapes = (("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("$", "\\u0024"))
    for char, escaped in escapes + (("`", "\\u0060"),):
        text = text.replace(char, escaped)
    return text.replace("\u2029", "\\u2029")


def header() -> str:
    """The scripts and styles of the map (the same for every search: written once per worker,
    ``cache.memo``)."""
    return cache.memo("search-map-header", (), _header)


def legend() -> str:
    """The legend under the map (``_results_legend.html``): the same for every search, written
    once per worker (``cache.memo``)."""
    return cache.memo(
        "search-map-legend",
        (),
        lambda: render_to_string("places/_results_legend.html", {"legend": LEGEND}),
    )


def _header() -> str:
    links = [
        f'<script src="{static(maps.LEAFLET + "leaflet.js")}"></script>',
        f'<link rel="stylesheet" href="{static(maps.LEAFLET + "leaflet.css")}"/>',
        f'<script src="{static(maps.MARKERCLUSTER + "leaflet.markercluster.js")}"></script>',
        f'<link rel="stylesheet" href="{static(maps.MARKERCLUSTER + "MarkerCluster.css")}"/>',
    ]
    return "\n".join(links)


def marker(result) -> dict:
    """The marker of a search ``Result`` (``places.search_results``): its card's popup, at its
    distance."""
    card = result.card
    return {
        "placeId": card.pk,
        "lat": card.lat,
        "lon": card.lon,
        "popup": card.popup + "<br>à " + escape(result.distance_text),
        "tooltip": card.tooltip,
        "name": card.nom,
    }


def fit_view() -> str:
    """The map framed on the search: the radius circle and every result, whichever reaches
    further (a single result next to the origin used to zoom to ~300 m, the circle off-screen),
    never closer than ``MAX_FIT_ZOOM``; the page opens on that view (no zoom animation)."""
    return (
        f"var results_view = {RADIUS}.getBounds();\n"
        f"if ({CLUSTER}.getLayers().length) results_view.extend({CLUSTER}.getBounds());\n"
        f"{NAME}.fitBounds(results_view, "
        f"{{padding: [16, 16], maxZoom: {MAX_FIT_ZOOM}, animate: false}});"
    )


def results_map(results, origin, radius_km: int) -> dict:
    """The parts of the results map of a search's ``results`` (``places.search_results``)
    around ``origin`` within ``radius_km``."""
    centre = [round(origin.y, 6), round(origin.x, 6)]
    tiles = {
        "minZoom": 0,
        "maxZoom": 19,
        "maxNativeZoom": 19,
        "noWrap": False,
        "attribution": settings.MAP_TILES_ATTRIBUTION,
        "subdomains": "abc",
        "detectRetina": False,
        "tms": False,
        "opacity": 1,
    }
    options = {
        "center": centre,
        "zoom": ZOOM_FOR_RADIUS_KM.get(radius_km, 10),
        "zoomControl": True,
        "zoomSnap": 0.5,  # half steps: the fitted circle fills the map, not half of it
        "preferCanvas": False,
    }
    radius_tooltip = f"<div>Rayon de {radius_km} km</div>"
    lines = [
        maps.POPUPS_CLEAR_OF_CONTROLS,
        f"var {NAME} = L.map({script_json(NAME)}, "
        f"Object.assign({{crs: L.CRS.EPSG3857}}, {script_json(options)}));",
        f"L.control.scale().addTo({NAME});",
        f"L.tileLayer({script_json(settings.MAP_TILES_URL)}, {script_json(tiles)}).addTo({NAME});",
        f"var {RADIUS} = L.circle({script_json(centre)}, "
        f"{script_json({**CIRCLE, 'radius': radius_km * 1000})})"
        f".addTo({NAME}).bindTooltip({script_json(radius_tooltip)}, {{sticky: true}});",
        f"var {CLUSTER} = L.markerClusterGroup({{iconCreateFunction: {maps.cluster_icon()}}});",
        f"var results_icon = {maps.POINT_ICON};",
        f"var results_places = {script_json([marker(r) for r in results])};",
        "results_places.forEach(function (p) {",
        "  L.marker([p.lat, p.lon], {placeId: p.placeId, icon: results_icon, title: p.name})",
        "    .bindPopup(L.popup({maxWidth: 280}).setContent('<div>' + p.popup + '</div>'))",
        "    .bindTooltip('<div>' + p.tooltip + '</div>', {sticky: true})",
        f"    .addTo({CLUSTER});",
        "});",
        f"{CLUSTER}.addTo({NAME});",
        fit_view(),
    ]
    return {
        "name": NAME,
        "cluster": CLUSTER,
        "header": header(),
        "html": f'<div class="folium-map" id="{NAME}"></div>',
        "script": f'<script nonce="{csp.nonce_marker()}">\n' + "\n".join(lines) + "\n</script>",
        "legend": legend(),
    }
