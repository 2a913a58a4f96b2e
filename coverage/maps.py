"""The folium map of a département's coverage, built on the project's map helper (places.maps).

Communes are shaded by distance class (uncovered ones in a strong colour) or, in the "mon
équipe" view, by who covers them (my team, only others, nobody); mediation points are clustered
markers, the département outline frames the map; optional layers: circles of radius T around
the mediation points, the digital fragility index (IFN, 7 classes) and suggested sites (tap one
for its popup). Polygons are the stored simplified shapes, written by PostGIS with 4 decimals.

Nothing on the map has a colour of its own: every mark carries a CSS class of
``coverage/static/coverage/coverage.css``, whose colours come from the site palette
(``--map-*`` custom properties of ``maillage.css``), and the legend is built from the same lists
(``legend()``), so the map cannot show a mark the legend does not explain. The layer control
starts folded: open, it hid the popups of the north-east communes and half a phone's map.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, Q
from folium.map import Layer
from jinja2 import Template

from geo_directory.geojson import feature_collection
from places import maps as place_maps

from .models import CommuneShape
from .reports import DepartementCoverage

# Class breaks of the covered communes' distance, as a share of the threshold T.
COVERED_BREAKS = [1 / 3, 2 / 3, 1.0]
DISTANCE_CLASSES = ["cov-inside", "cov-near", "cov-mid", "cov-far"]
UNCOVERED = "cov-uncovered"
TEAM = "cov-team"
OTHERS = "cov-others"
IFN_CLASSES = [f"ifn-{n}" for n in range(1, 8)]
NO_IFN = "ifn-none"
# Class breaks: the national septiles of the IFN total (35,006 communes, rounded).
IFN_BREAKS = [4.4, 5.2, 5.8, 6.4, 7.0, 7.6]
POINT, CLUSTER = place_maps.POINT, place_maps.CLUSTER  # the site's marks of a place
OTHER_POINT, SITE, CIRCLE, OUTLINE = ("cov-point-other", "cov-site", "cov-circle", "cov-outline")
PRECISION = 4

# Clusters in the palette (three sizes), not Leaflet.markercluster's green/yellow/orange: the
# site's one definition (the search results use it too).
cluster_icon = place_maps.cluster_icon


class PointsLayer(MacroElement):
    """Mediation points as clustered markers in the palette (popup: a link to the place's
    sheet) and circles of radius T, from one compact JSON array rather than one folium object
    per point."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var points = {{ this.points|tojson }};
          var icon = L.divIcon({className: {{ this.icon_class|tojson }},
            iconSize: [{{ this.size }}, {{ this.size }}]});
          points.forEach(function (p) {
            var link = document.createElement("a");
            link.href = "/lieux/" + p[0] + "/";
            link.textContent = p[1];
            L.marker([p[3], p[2]], {icon: icon, title: p[1], alt: p[1]}).bindPopup(link)
              .addTo({{ this.cluster.get_name() }});
            {% if this.circles %}
            L.circle([p[3], p[2]], {radius: {{ this.radius }}, className: "cov-circle",
              weight: 1.5, fill: false, interactive: false})
              .addTo({{ this.circles.get_name() }});
            {% endif %}
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, points, cluster, circles, radius_m: float, icon_class: str = POINT):
        super().__init__()
        self._name = "PointsLayer"
        self.points = [(pk, nom, round(lon, 5), round(lat, 5)) for pk, nom, lon, lat in points]
        self.cluster = cluster
        self.circles = circles
        self.radius = float(radius_m)
        self.icon_class = icon_class
        self.size = place_maps.POINT_SIZE


class SitesLayer(Layer):
    """ "Où ouvrir ensuite": numbered markers in the palette; a tap (or Enter) opens the popup
    with the gain, not a hover tooltip a phone never shows."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function () {
          var sites = {{ this.sites|tojson }};
          sites.forEach(function (s) {
            var icon = L.divIcon({className: "cov-site", html: String(s.rank),
              iconSize: [30, 30]});
            var box = document.createElement("div"), title = document.createElement("strong");
            title.textContent = s.rank + ". " + s.nom + " (" + s.code + ")";
            box.appendChild(title);
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(s.gain));
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(s.communes));
            L.marker([s.lat, s.lon], {icon: icon, title: s.label, alt: s.label,
              zIndexOffset: 1000, riseOnHover: true}).bindPopup(box)
              .addTo({{ this.get_name() }});
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, plan, name: str = "Où ouvrir ensuite"):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "SitesLayer"
        self.sites = []
        for rank, site in enumerate(plan.sites, start=1):
            gain = f"+{_int(site.gain)} habitants couverts"
            count = len(site.communes)
            self.sites.append(
                {
                    "rank": rank,
                    "nom": site.nom,
                    "code": site.code,
                    "lat": round(site.lat, 5),
                    "lon": round(site.lon, 5),
                    "gain": gain,
                    "communes": f"{count} commune{'s' if count > 1 else ''} non couverte"
                    f"{'s' if count > 1 else ''} atteinte{'s' if count > 1 else ''}",
                    "label": f"Site suggéré {rank} : {site.nom}, {gain}",
                }
            )


class CommunesLayer(Layer):
    """The communes shaded by their class (``properties.c``), with their popup table.

    The polygons are not in the page: the browser fetches them from ``url`` (the shapes of the
    département's communes, one answer per data version for every threshold, basis and view,
    revalidated by its ETag) and joins each one, by its INSEE code, to its row of ``rows``
    (``columns`` in order), the figures of this threshold. Inlined, they were most of the
    page (760 KB for the Pas-de-Calais) and of its time, rebuilt for every threshold. Layers in
    ``companions`` (the IFN layer) get the same features. The map's element says
    ``data-communes="loaded"`` (or ``"failed"``, with a message under the map)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
          style: function (feature) {
            var c = feature.properties.c || "ifn-none";
            return {className: "cov-commune " + c, weight: 0.5,
                    fillOpacity: c === "cov-uncovered" ? 0.8 : 0.65};
          }
        });
        {% if this.fields %}
        {{ this.get_name() }}.bindPopup(function (layer) {
          var fields = {{ this.fields|tojson }}, aliases = {{ this.aliases|tojson }};
          var values = layer.feature.properties, table = document.createElement("table");
          fields.forEach(function (field, i) {
            var row = table.insertRow(), th = document.createElement("th");
            th.textContent = aliases[i];
            row.appendChild(th);
            row.insertCell().textContent = values[field] == null ? "" : values[field];
          });
          var box = L.DomUtil.create("div");
          box.appendChild(table);
          return box;
        }, {className: "foliumpopup"});
        {% endif %}
        (function () {
          var columns = {{ this.columns|tojson }}, rows = {{ this.rows|tojson }};
          var box = document.getElementById({{ this._parent.get_name()|tojson }});
          function draw(collection) {
            // the companions' variables are assigned after this script: read them now
            var layers = [{{ this.get_name() }}{% for layer in this.companions %},
              {{ layer.get_name() }}{% endfor %}];
            collection.features.forEach(function (feature) {
              var values = rows[feature.id] || [];
              feature.properties = {};
              columns.forEach(function (name, i) { feature.properties[name] = values[i]; });
            });
            layers.forEach(function (layer) {
              layer.addData(collection);
              if (layer._map) {  // under the outline and the circles, in the codes' order
                var shapes = layer.getLayers();
                for (var k = shapes.length - 1; k >= 0; k--) { shapes[k].bringToBack(); }
              }
            });
            box.dataset.communes = "loaded";
          }
          function load(attempt) {
            fetch({{ this.url|tojson }}, {credentials: "same-origin",
                                          headers: {Accept: "application/geo+json"}})
              .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
              .then(draw)
              .catch(function (error) {
                if (window.console) { console.error("contours des communes :", error); }
                if (attempt < 2) {
                  setTimeout(function () { load(attempt + 1); }, 1500 * (attempt + 1));
                  return;
                }
                box.dataset.communes = "failed";
                var note = document.createElement("p");
                note.className = "map-error";
                note.setAttribute("role", "status");
                note.textContent = "Les contours des communes n'ont pas pu être chargés : " +
                  "rechargez la page.";
                box.insertAdjacentElement("afterend", note);
              });
          }
          {% if this.rows %}load(0);{% else %}box.dataset.communes = "loaded";{% endif %}
        })();
        {% endmacro %}"""
    )

    def __init__(self, url: str, columns, rows, fields, aliases, name: str):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "CommunesLayer"
        self.url, self.columns, self.rows = url, list(columns), rows
        self.fields, self.aliases = list(fields), list(aliases)
        self.companions = []


class FragilityLayer(Layer):
    """The IFN layer: the communes restyled by their IFN class, filled with the features the
    communes layer fetched (``CommunesLayer.companions``: the polygons are sent once)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
          style: function (feature) {
            return {className: "cov-commune " + (feature.properties.i || "ifn-none"),
                    weight: 0.5, fillOpacity: 0.8};
          },
          onEachFeature: function (feature, layer) {
            var box = document.createElement("div"), name = document.createElement("strong");
            name.textContent = feature.properties.nom;
            box.appendChild(name);
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode("IFN : " + feature.properties.ifn));
            layer.bindPopup(box);
          }
        });
        {% endmacro %}"""
    )

    def __init__(self, source: CommunesLayer, name: str = "Indice de fragilité numérique (IFN)"):
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "FragilityLayer"
        source.companions.append(self)


def ifn_class(value) -> int | None:
    """1 (least fragile) to 7 (most fragile), or None when the index is unknown."""
    if value is None:
        return None
    return 1 + sum(value >= bound for bound in IFN_BREAKS)


def distance_class(row: dict, threshold_m: float) -> str:
    if not row["covered"]:
        return UNCOVERED
    if row["has_place_inside"]:
        return DISTANCE_CLASSES[0]
    share = (row["distance_m"] or 0) / threshold_m
    for bound, name in zip(COVERED_BREAKS, DISTANCE_CLASSES[1:], strict=True):
        if share <= bound:
            return name
    return DISTANCE_CLASSES[-1]


def team_class(row: dict, others: dict | None) -> str:
    """Who covers a commune in the "mon équipe" view: my team, only others, or nobody."""
    if row["covered"]:
        return TEAM
    if others is not None and others.get("covered"):
        return OTHERS
    return UNCOVERED


def legend(threshold_km: float, team: bool = False, circles: bool = True) -> list[dict]:
    """Every mark of the map, in the order the eye meets them: ``{"title", "items": [(kind,
    css_class, label)]}`` groups; ``kind`` tells the template how to draw the sample (``fill``,
    ``point``, ``cluster``, ``site``, ``ring``, ``line``)."""
    t = _km(threshold_km * 1000)
    third, two_thirds = _km(threshold_km * 1000 / 3), _km(threshold_km * 2000 / 3)
    if team:
        communes = [
            ("fill", TEAM, f"couverte par mon équipe (à {t} au plus)"),
            ("fill", OTHERS, "couverte seulement par d'autres médiateurs"),
            ("fill", UNCOVERED, f"non couverte (aucun point à moins de {t})"),
        ]
    else:
        communes = [
            ("fill", UNCOVERED, f"non couverte (au-delà de {t})"),
            ("fill", DISTANCE_CLASSES[0], "point de médiation dans la commune"),
            ("fill", DISTANCE_CLASSES[1], f"à moins de {third}"),
            ("fill", DISTANCE_CLASSES[2], f"de {third} à {two_thirds}"),
            ("fill", DISTANCE_CLASSES[3], f"de {two_thirds} à {t}"),
        ]
    marks = [
        ("point", POINT, "point de médiation de mon équipe" if team else "point de médiation"),
    ]
    if team:
        marks.append(("point", OTHER_POINT, "point de médiation d'autres médiateurs"))
    marks.append(("cluster", CLUSTER, "plusieurs points proches (leur nombre) : zoomez ou touchez"))
    if team:
        marks.append(
            ("cluster", f"{CLUSTER}-other", "plusieurs points proches d'autres médiateurs")
        )
    marks += [
        ("site", SITE, "où ouvrir ensuite : site suggéré, touchez-le pour son gain"),
    ]
    if circles:
        marks.append(("ring", CIRCLE, f"cercle de {t} autour d'un point (calque à cocher)"))
    marks.append(("line", OUTLINE, "contour du département"))
    ifn_labels = (
        ["moins de 4,4"]
        + [
            f"{a:.1f} à {b:.1f}".replace(".", ",")
            for a, b in zip(IFN_BREAKS, IFN_BREAKS[1:], strict=False)
        ]
        + ["7,6 et plus"]
    )
    ifn = [("fill", name, label) for name, label in zip(IFN_CLASSES, ifn_labels, strict=True)]
    ifn.append(("fill", NO_IFN, "indice inconnu"))
    return [
        {"title": "Communes", "items": communes},
        {"title": "Sur la carte", "items": marks},
        {
            "title": "Indice de fragilité numérique (calque à cocher, 7 classes)",
            "items": ifn,
            "folded": True,
        },
    ]


def _km(metres) -> str:
    """ "23,6 km" (one decimal, French comma), "10 km" for a whole number."""
    if metres is None:
        return "—"
    text = f"{metres / 1000:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} km"


def _int(value) -> str:
    return f"{value or 0:,}".replace(",", "\u202f")


COLUMNS = ["c", "i", "nom", "population", "distance", "plus_proche", "couverte", "ifn"]
TEAM_COLUMNS = ["distance_tous", "plus_proche_tous", "couverte_tous"]


def communes_shapes(code: str) -> str:
    """The shapes of a département's communes, FeatureCollection text (id: the INSEE code, no
    properties; the stored simplified shapes, written by PostGIS with ``PRECISION`` decimals)."""
    shapes = CommuneShape.objects.filter(commune__departement_id=code).order_by("commune_id")
    return feature_collection(
        shapes, geometry="geom", id_field="commune_id", precision=PRECISION, properties={}
    )


def _commune_rows(view: DepartementCoverage, everyone: DepartementCoverage | None):
    """(columns, {code INSEE: values}): what the map shows of each commune at this threshold
    (its class ``c``, IFN class ``i`` and the popup's fields), joined in the browser to its
    shape by the code."""
    columns = COLUMNS + (TEAM_COLUMNS if everyone is not None else [])
    others = {row["code_insee"]: row for row in everyone.rows} if everyone else None
    rows = {}
    for row in view.rows:
        ifn = ifn_class(row["ifn"])
        values = [
            None,
            IFN_CLASSES[ifn - 1] if ifn else NO_IFN,
            f"{row['nom']} ({row['code_insee']})",
            _int(row["population"]),
            _km(row["distance_m"]),
            row["nearest_name"] or "aucun",
            "oui" if row["covered"] else "non",
            "—" if ifn is None else f"{row['ifn']:.1f} (classe {ifn}/7)".replace(".", ","),
        ]
        if others is None:
            values[0] = distance_class(row, view.threshold_m)
        else:
            other = others.get(row["code_insee"], {})
            values[0] = team_class(row, other)
            values += [
                _km(other.get("distance_m")),
                other.get("nearest_name") or "aucun",
                "oui" if other.get("covered") else "non",
            ]
        rows[row["code_insee"]] = values
    return columns, rows


def _popup(view: DepartementCoverage, team: bool):
    t = f"{view.threshold_km:g}".replace(".", ",")
    fields = ["nom", "population", "distance", "plus_proche", "couverte"]
    aliases = [
        "Commune",
        "Population",
        "Distance au point de médiation le plus proche",
        "Point de médiation le plus proche",
        f"Couverte à {t} km",
    ]
    if team:
        aliases[2:5] = [
            "Distance au point de mon équipe le plus proche",
            "Point de mon équipe le plus proche",
            f"Couverte par mon équipe à {t} km",
        ]
        fields += ["couverte_tous", "distance_tous", "plus_proche_tous"]
        aliases += [
            f"Couverte par tout le monde à {t} km",
            "Distance au point le plus proche (tout le monde)",
            "Point le plus proche (tout le monde)",
        ]
    fields.append("ifn")
    aliases.append("IFN")
    return fields, aliases


def build(
    view: DepartementCoverage,
    points,
    plan=None,
    *,
    shapes_url: str,
    everyone: DepartementCoverage | None = None,
    other_points=(),
) -> folium.Map:
    """``points``: (id, nom, lon, lat) of the mediation points to show; ``shapes_url``: where
    the browser fetches the communes' shapes (``communes_shapes``). In the "mon équipe" view,
    ``everyone`` is the coverage by all mediators and ``other_points`` their points."""
    departement = (
        type(view.departement)
        .objects.filter(pk=view.departement.pk)
        .annotate(outline=AsGeoJSON(F("geom"), precision=3))
        .values_list("outline", "geom")[0]
    )
    fmap = place_maps.base_map()
    extent = departement[1].extent if departement[1] else None
    if extent:
        fmap.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    columns, rows = _commune_rows(view, everyone)
    fields, aliases = _popup(view, everyone is not None)
    distance_layer = CommunesLayer(
        shapes_url,
        columns,
        rows,
        fields,
        aliases,
        name=(
            "Communes selon qui les couvre"
            if everyone is not None
            else "Distance au point de médiation le plus proche"
        ),
    ).add_to(fmap)
    FragilityLayer(distance_layer).add_to(fmap)
    if departement[0]:
        folium.GeoJson(
            json.loads(departement[0]),
            name="Contour du département",
            style_function=lambda f: {"fill": False, "className": OUTLINE, "weight": 2.5},
            interactive=False,
        ).add_to(fmap)
    circles = folium.FeatureGroup(name=f"Cercles de {view.threshold_km:g} km", show=False)
    if other_points:
        others = place_maps.marker_cluster(
            name="Points de médiation des autres", icon_create_function=cluster_icon(other=True)
        ).add_to(fmap)
        PointsLayer(other_points, others, None, view.threshold_m, OTHER_POINT).add_to(fmap)
    cluster = place_maps.marker_cluster(
        name="Points de médiation de mon équipe" if everyone is not None else "Points de médiation",
        icon_create_function=cluster_icon(),
    ).add_to(fmap)
    circles.add_to(fmap)
    PointsLayer(points, cluster, circles, view.threshold_m).add_to(fmap)
    if plan and plan.sites:
        SitesLayer(plan).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def mediation_points_to_show(view: DepartementCoverage, queryset) -> list[tuple]:
    """The mediation points in the département and those nearest to one of its communes; a
    real place listed by several sources is one marker (``Place.objects.one_per_place``)."""
    nearest = {row["nearest_place_id"] for row in view.rows if row["nearest_place_id"]}
    shown = queryset.filter(Q(pk__in=nearest) | Q(departement_code=view.departement.code))
    shown = shown.one_per_place()
    return [(pk, nom, p.x, p.y) for pk, nom, p in shown.values_list("pk", "nom", "location")]
