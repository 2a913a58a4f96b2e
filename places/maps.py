"""folium maps served entirely by the project: vendored Leaflet assets, tile URL from settings.

Reusable by any app::

    from places import maps
    fmap = maps.base_map(center=(44.09, 6.24), zoom=10)
    cluster = maps.marker_cluster().add_to(fmap)
    folium.Marker((44.09, 6.24), tooltip="Digne-les-Bains", icon=maps.point_icon()).add_to(cluster)
    context["map"] = maps.embed(fmap)   # {"header", "html", "script", "name"}

In the template: ``{{ map.header|safe }}`` in ``<head>``, ``{{ map.html|safe }}`` where the map
goes and ``{{ map.script|safe }}`` (a ``<script>`` element carrying the Content-Security-Policy
nonce) at the end of ``<body>``.
"""

from __future__ import annotations

import json

import folium
from branca.element import CssLink, Element, JavascriptLink
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import escape
from folium.plugins import MarkerCluster

from geo_directory import csp

LEAFLET = "vendor/leaflet-1.9.4/"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3/"
JQUERY = "vendor/jquery-3.7.1/"
FRANCE = (46.6, 2.4)

# The marks of every map of the site, in the palette (maillage.css: ``.cov-point``,
# ``.cov-cluster-*``, colours from the ``--map-*`` custom properties), never Leaflet's blue pin
# nor Leaflet.markercluster's green/yellow/orange bubbles. The coverage map, the search results
# and a place's sheet draw their places with these; the legends show the same classes.
POINT, CLUSTER = "cov-point", "cov-cluster"
POINT_SIZE = 16
POINT_ICON = f'L.divIcon({{className: "{POINT}", iconSize: [{POINT_SIZE}, {POINT_SIZE}]}})'
CLUSTER_ICON = """function (cluster) {
  var count = cluster.getChildCount();
  var size = count < 10 ? "small" : count < 50 ? "medium" : "large";
  return L.divIcon({
    html: "<span>" + count + "</span>", iconSize: L.point(36, 36),
    className: "%s %s-" + size + "%s"
  });
}"""


# Every popup of every map opens clear of the zoom buttons (top left) and the layer control (top
# right): the map pans so that the popup starts below them; and it is never wider than a phone's
# map (280 px of content: 326 px with its frame, in a 354 px map). On a phone the tapped
# commune's popup sat under the controls, its first line and close button hidden.
POPUPS_CLEAR_OF_CONTROLS = (
    "L.Popup.mergeOptions({maxWidth: 280, autoPanPaddingTopLeft: L.point(10, 90), "
    "autoPanPaddingBottomRight: L.point(10, 20)});"
)


def cluster_icon(other: bool = False) -> str:
    """The ``iconCreateFunction`` of a marker cluster group in the palette (``other``: the
    points of other mediators, in the coverage map's "mon équipe" view)."""
    return CLUSTER_ICON % (CLUSTER, CLUSTER, f" {CLUSTER}-other" if other else "")


def point_icon() -> folium.DivIcon:
    """The palette's place mark for a folium marker."""
    return folium.DivIcon(class_name=POINT, icon_size=(POINT_SIZE, POINT_SIZE))


def leaflet_js() -> list[tuple[str, str]]:
    # folium's Popup builds its content with jQuery's ``$(...)``: without it, the first popup
    # stops the map script and only one marker is drawn.
    return [
        ("leaflet", static(LEAFLET + "leaflet.js")),
        ("jquery", static(JQUERY + "jquery.min.js")),
    ]


def leaflet_css() -> list[tuple[str, str]]:
    return [("leaflet_css", static(LEAFLET + "leaflet.css"))]


def js_safe(html_text: str) -> str:
    """HTML that folium may put inside a JavaScript template literal: folium inserts tooltip
    text raw between backticks, and popups with only the backticks escaped, so a place named
    "${…}" would run as code. The characters that matter there become HTML entities."""
    return str(html_text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def text(value) -> str:
    """Plain text (a place's name) ready for a folium tooltip or popup."""
    return js_safe(escape(str(value)))


def base_map(center=FRANCE, zoom: int = 6, **options) -> folium.Map:
    """A folium map with local Leaflet and the project's tile layer (``MAP_TILES_URL``)."""
    fmap = folium.Map(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        **options,
    )
    fmap.default_js = leaflet_js()
    fmap.default_css = leaflet_css()
    # Leaflet finds its marker images from its CSS, which the hashed static names defeat:
    # tell it where they are (first in the map's script, before any marker is drawn), for a
    # map that would draw a default marker rather than ``point_icon()``.
    icons = static(LEAFLET + "images/marker-icon.png").rsplit("/", 1)[0] + "/"
    fmap.get_root().script.add_child(
        Element(f"L.Icon.Default.imagePath = {json.dumps(icons)};"), name="leaflet_icon_path"
    )
    fmap.get_root().script.add_child(Element(POPUPS_CLEAR_OF_CONTROLS), name="popups_clear")
    folium.TileLayer(
        tiles=settings.MAP_TILES_URL,
        attr=settings.MAP_TILES_ATTRIBUTION,
        name="Fond de carte",
        max_zoom=19,
    ).add_to(fmap)
    return fmap


def marker_cluster(**options) -> MarkerCluster:
    """A MarkerCluster whose JS/CSS are the vendored Leaflet.markercluster files, its bubbles
    in the palette (``cluster_icon``) unless told otherwise."""
    options.setdefault("icon_create_function", cluster_icon())
    cluster = MarkerCluster(**options)
    cluster.default_js = [("markerclusterjs", static(MARKERCLUSTER + "leaflet.markercluster.js"))]
    cluster.default_css = [("markerclustercss", static(MARKERCLUSTER + "MarkerCluster.css"))]
    return cluster


def fit(fmap: folium.Map, points: list[tuple[float, float]], padding: int = 30):
    """Frame ``points`` ((lat, lon) pairs); a single point keeps the map's zoom."""
    if len(points) > 1:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        fmap.fit_bounds(
            [[min(lats), min(lons)], [max(lats), max(lons)]], padding=(padding, padding)
        )
    return fmap


def embed(fmap: folium.Map) -> dict[str, str]:
    """The parts of a rendered folium map, to place in a Django template.

    folium's own page header (a viewport that blocks zooming, ``html, body`` at 100 % height) is
    meant for a standalone page; only the vendored script and style links are kept, the page's
    CSS sizes the map (``.map-frame``).
    """
    root = fmap.get_root()
    root.render()
    links = [
        child.render()
        for child in root.header._children.values()
        if isinstance(child, JavascriptLink | CssLink)
    ]
    return {
        "name": fmap.get_name(),
        "header": "\n".join(links),
        "html": root.html.render(),
        # The response's CSP nonce takes the marker's place (geo_directory/csp.py).
        "script": f'<script nonce="{csp.nonce_marker()}">\n' + root.script.render() + "\n</script>",
    }
