// The national coverage map: communes shaded by coverage and places, from our vector tiles.
(function () {
  "use strict";
  var element = document.getElementById("coverage-map");
  if (!element || typeof maplibregl === "undefined") return;
  var config = JSON.parse(element.dataset.config);
  var info = document.getElementById("coverage-map-info");

  var map = new maplibregl.Map({
    container: element,
    center: [2.5, 46.6],
    zoom: 5,
    minZoom: 2,
    maxZoom: 18,
    attributionControl: { compact: true },
    style: {
      version: 8,
      sources: {
        communes: { type: "vector", url: new URL(config.communes, location.href).href },
        lieux: { type: "vector", url: new URL(config.lieux, location.href).href }
      },
      layers: [
        {
          id: "communes-fill", type: "fill", source: "communes", "source-layer": "communes",
          paint: {
            "fill-color": [
              "case",
              ["!", ["has", "distance_m"]], "#bbbbbb",
              ["==", ["get", "covered"], true], "#1f7a3a",
              "#d9534f"
            ],
            "fill-opacity": 0.55
          }
        },
        {
          id: "communes-line", type: "line", source: "communes", "source-layer": "communes",
          minzoom: 7, paint: { "line-color": "#ffffff", "line-width": 0.5 }
        },
        {
          id: "lieux", type: "circle", source: "lieux", "source-layer": "lieux", minzoom: 6,
          paint: {
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 6, 2, 12, 5],
            "circle-color": "#000091", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1
          }
        }
      ]
    }
  });
  // The base map is a setting (MAP_TILES_URL); without one, the communes alone make the map.
  if (config.baseTiles.length) {
    map.on("load", function () {
      map.addSource("base", {
        type: "raster", tiles: config.baseTiles, tileSize: 256,
        attribution: config.baseAttribution, maxzoom: 19
      });
      map.addLayer(
        { id: "base", type: "raster", source: "base", paint: { "raster-opacity": 0.6 } },
        "communes-fill"
      );
    });
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  element.maplibre = map;

  function describe(p) {
    var distance = p.distance_m === undefined ? "non calculée"
      : (p.distance_m / 1000).toFixed(1).replace(".", ",") + " km";
    return p.nom + " (" + p.code_insee + ") — " + (p.covered ? "couverte" : "non couverte") +
      ", point de médiation le plus proche : " + distance +
      ", " + Number(p.population).toLocaleString("fr-FR") + " habitants";
  }
  map.on("click", "communes-fill", function (event) {
    var feature = event.features && event.features[0];
    if (!feature) return;
    info.textContent = describe(feature.properties);
    new maplibregl.Popup().setLngLat(event.lngLat).setText(describe(feature.properties)).addTo(map);
  });
  map.on("mouseenter", "communes-fill", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "communes-fill", function () { map.getCanvas().style.cursor = ""; });
  map.on("load", function () { element.dataset.loaded = "true"; });
})();
