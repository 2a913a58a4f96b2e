"""The folium map of a département's coverage, built on the project's map helper (places.maps).

Communes are shaded by distance class (uncovered ones in a strong colour), mediation points are
clustered markers, the département outline frames the map; optional layers: circles of radius T
around the mediation points, the digital fragility index (IFN, 7 classes) and suggested sites.
Polygons are the stored simplified shapes, written by PostGIS with 4 decimals (~10 m).
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

UNCOVERED = "#c0007a"  # strong magenta: stands out from the blue-to-red IFN palette
COVERED_CLASSES = [  # (upper bound as a share of T, colour)
    (0.0, "#1a6b3c"),
    (1 / 3, "#3f9b5f"),
    (2 / 3, "#7fc28f"),
    (1.0, "#c7e7c9"),
]
IFN_COLOURS = ["#4A6BAE", "#5F8EC7", "#AAC4E6", "#E6DEEE", "#EBB5BD", "#DD7480", "#D95C5E"]
# Class breaks: the national septiles of the IFN total (35,006 communes, rounded).
IFN_BREAKS = [4.4, 5.2, 5.8, 6.4, 7.0, 7.6]
PRECISION = 4


class PointsLayer(MacroElement):
    """Mediation points as clustered markers (popup: a link to the place's sheet) and circles
    of radius T, from one compact JSON array rather than one folium object per point."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var points = {{ this.points|tojson }};
          points.forEach(function (p) {
            var link = document.createElement("a");
            link.href = "/lieux/" + p[0] + "/";
            link.textContent = p[1];
            L.marker([p[3], p[2]], {title: p[1]}).bindPopup(link)
              .addTo({{ this.cluster.get_name() }});
            L.circle([p[3], p[2]], {radius: {{ this.radius }}, color: "#2b59c3", weight: 1,
              fill: false, interactive: false}).addTo({{ this.circles.get_name() }});
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, points, cluster, circles, radius_m: float):
        super().__init__()
        self._name = "PointsLayer"
        self.points = [(pk, nom, round(lon, 5), round(lat, 5)) for pk, nom, lon, lat in points]
        self.cluster = cluster
        self.circles = circles
        self.radius = float(radius_m)


class FragilityLayer(Layer):
    """The IFN layer: the communes of ``source`` (a GeoJson layer) restyled by their IFN class,
    built in the browser from the features already loaded (the polygons are sent once)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.source.get_name() }}.toGeoJSON(), {
          style: function (feature) {
            return {fillColor: feature.properties.i || "#cccccc", color: "#555555",
                    weight: 0.4, fillOpacity: 0.75};
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

    def __init__(self, source, name: str = "Indice de fragilité numérique (IFN)"):
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "FragilityLayer"
        self.source = source


def ifn_class(value) -> int | None:
    """1 (least fragile) to 7 (most fragile), or None when the index is unknown."""
    if value is None:
        return None
    return 1 + sum(value >= bound for bound in IFN_BREAKS)


def distance_colour(row: dict, threshold_m: float) -> str:
    if not row["covered"]:
        return UNCOVERED
    if row["has_place_inside"]:
        return COVERED_CLASSES[0][1]
    share = (row["distance_m"] or 0) / threshold_m
    for bound, colour in COVERED_CLASSES[1:]:
        if share <= bound:
            return colour
    return COVERED_CLASSES[-1][1]


def legend(threshold_km: float) -> dict:
    third, two_thirds = _km(threshold_km * 1000 / 3), _km(threshold_km * 2000 / 3)
    colours = [colour for _, colour in COVERED_CLASSES]
    labels = [
        "point de médiation dans la commune",
        f"à moins de {third}",
        f"de {third} à {two_thirds}",
        f"de {two_thirds} à {_km(threshold_km * 1000)}",
    ]
    return {
        "distance": [(UNCOVERED, f"non couverte (au-delà de {_km(threshold_km * 1000)})")]
        + list(zip(colours, labels, strict=True)),
        "ifn": [
            (colour, label)
            for colour, label in zip(
                IFN_COLOURS,
                ["< 4,4"]
                + [
                    f"{a:.1f} – {b:.1f}".replace(".", ",")
                    for a, b in zip(IFN_BREAKS, IFN_BREAKS[1:], strict=False)
                ]
                + ["≥ 7,6"],
                strict=True,
            )
        ],
    }


def _km(metres) -> str:
    return "—" if metres is None else f"{metres / 1000:.1f} km".replace(".", ",")


def _communes_layer(view: DepartementCoverage) -> dict:
    shapes = CommuneShape.objects.filter(commune__departement_id=view.departement.code)
    collection = json.loads(
        feature_collection(
            shapes.order_by("commune_id"),
            geometry="geom",
            id_field="commune_id",
            precision=PRECISION,
            properties={},
        )
    )
    rows = {row["code_insee"]: row for row in view.rows}
    for feature in collection["features"]:
        row = rows.get(feature["id"])
        if row is None:
            continue
        ifn = ifn_class(row["ifn"])
        feature["properties"] = {
            "nom": f"{row['nom']} ({row['code_insee']})",
            "population": f"{row['population'] or 0:,}".replace(",", " "),
            "distance": _km(row["distance_m"]),
            "plus_proche": row["nearest_name"] or "aucun",
            "couverte": "oui" if row["covered"] else "non",
            "ifn": "—" if ifn is None else f"{row['ifn']:.1f} (classe {ifn}/7)".replace(".", ","),
            "c": distance_colour(row, view.threshold_m),
            "i": IFN_COLOURS[ifn - 1] if ifn else "#cccccc",
        }
    return collection


def build(view: DepartementCoverage, points, plan=None) -> folium.Map:
    """``points``: (id, nom, lon, lat) of the mediation points to show."""
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
    communes = _communes_layer(view)
    # folium checks a popup's fields against the features: none when no commune is loaded.
    popup = None
    if communes["features"]:
        popup = folium.GeoJsonPopup(
            fields=["nom", "population", "distance", "plus_proche", "couverte", "ifn"],
            aliases=[
                "Commune",
                "Population",
                "Distance au point de médiation le plus proche",
                "Point de médiation le plus proche",
                f"Couverte à {view.threshold_km:g} km",
                "IFN",
            ],
        )
    distance_layer = folium.GeoJson(
        communes,
        name="Distance au point de médiation le plus proche",
        style_function=lambda f: {
            "fillColor": f["properties"].get("c", "#cccccc"),
            "color": "#555555",
            "weight": 0.5,
            "fillOpacity": 0.75 if f["properties"].get("c") == UNCOVERED else 0.55,
        },
        popup=popup,
        zoom_on_click=False,
    ).add_to(fmap)
    FragilityLayer(distance_layer).add_to(fmap)
    if departement[0]:
        folium.GeoJson(
            json.loads(departement[0]),
            name="Contour du département",
            style_function=lambda f: {"fill": False, "color": "#1f2d3d", "weight": 2.5},
            interactive=False,
        ).add_to(fmap)
    cluster = place_maps.marker_cluster(name="Points de médiation").add_to(fmap)
    circles = folium.FeatureGroup(name=f"Cercles de {view.threshold_km:g} km", show=False)
    circles.add_to(fmap)
    PointsLayer(points, cluster, circles, view.threshold_m).add_to(fmap)
    if plan and plan.sites:
        sites = folium.FeatureGroup(name="Où ouvrir ensuite").add_to(fmap)
        for rank, site in enumerate(plan.sites, start=1):
            folium.CircleMarker(
                (round(site.lat, 5), round(site.lon, 5)),
                radius=9,
                color="#5b2a86",
                fill=True,
                fill_color="#f5d400",
                fill_opacity=1,
                tooltip=f"{rank}. {site.nom} : +{site.gain} habitants couverts",
            ).add_to(sites)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def mediation_points_to_show(view: DepartementCoverage, queryset) -> list[tuple]:
    """The mediation points in the département and those nearest to one of its communes; a
    real place listed by several sources is one marker (``Place.objects.one_per_place``)."""
    nearest = {row["nearest_place_id"] for row in view.rows if row["nearest_place_id"]}
    shown = queryset.filter(Q(pk__in=nearest) | Q(departement_code=view.departement.code))
    shown = shown.one_per_place()
    return [(pk, nom, p.x, p.y) for pk, nom, p in shown.values_list("pk", "nom", "location")]
