// The national coverage map: communes shaded by coverage and the mediation points of the same
// basis, from our vector tiles. Colours come from the site palette (maillage.css custom
// properties). On /tiles/ its controls change the threshold and the basis in place (the form
// reloads the page without JavaScript), and go to a département or an overseas territory.
(function () {
  "use strict";
  var element = document.getElementById("coverage-map");
  if (!element || typeof maplibregl === "undefined") return;
  var config = JSON.parse(element.dataset.config);
  var info = document.getElementById("coverage-map-info");
  var css = getComputedStyle(document.documentElement);
  function colour(name, fallback) { return css.getPropertyValue(name).trim() || fallback; }
  var palette = {
    covered: colour("--map-covered", "#3f9990"),
    uncovered: colour("--map-uncovered", "#d1495b"),
    unknown: colour("--color-line", "#d3dcdb"),
    point: colour("--map-place", "#0e5e5f"),
    line: colour("--color-surface", "#ffffff")
  };
  function absolute(url) { return new URL(url, location.href).href; }

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
        communes: { type: "vector", url: absolute(config.communes) },
        lieux: { type: "vector", url: absolute(config.lieux) }
      },
      layers: [
        {
          id: "communes-fill", type: "fill", source: "communes", "source-layer": "communes",
          paint: {
            "fill-color": [
              "case",
              ["!", ["has", "distance_m"]], palette.unknown,
              ["==", ["get", "covered"], true], palette.covered,
              palette.uncovered
            ],
            "fill-opacity": 0.6
          }
        },
        {
          id: "communes-line", type: "line", source: "communes", "source-layer": "communes",
          minzoom: 7, paint: { "line-color": palette.line, "line-width": 0.5 }
        },
        {
          id: "lieux", type: "circle", source: "lieux", "source-layer": "lieux", minzoom: 6,
          paint: {
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 6, 2.5, 12, 6],
            "circle-color": palette.point, "circle-stroke-color": palette.line,
            "circle-stroke-width": 1
          }
        }
      ]
    }
  });
  // A shared link may name a département (?departement=974); else all of the mainland.
  map.fitBounds(config.start || config.metropole, { padding: 20, animate: false });
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

  // ---- Going somewhere: a département (search) or an overseas territory (buttons) ----
  function goTo(code) {
    var target = config.departements[code];
    if (!target) return false;
    map.fitBounds(target.bounds, { padding: 20, maxZoom: 11, duration: 600 });
    info.textContent = "Carte centrée sur " + target.nom + " (" + code + ").";
    var url = new URL(location.href);
    url.searchParams.set("departement", code);
    history.replaceState(null, "", url);
    return true;
  }
  var search = document.getElementById("departement-search");
  if (search) {
    search.addEventListener("submit", function (event) {
      var field = search.querySelector("input[name=departement]");
      var code = (field.value.split(/[\s—-]/)[0] || "").trim().toUpperCase();
      if (goTo(code)) {
        event.preventDefault();
        field.setCustomValidity("");
      } else if (!config.departements[code]) {
        event.preventDefault();
        field.setCustomValidity("Département inconnu : choisissez-en un de la liste.");
        field.reportValidity();
      }
    });
    search.querySelector("input[name=departement]").addEventListener("input", function () {
      this.setCustomValidity("");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-go-to]");
    if (!button) return;
    var code = button.getAttribute("data-go-to");
    if (code === "metropole") {
      event.preventDefault();
      map.fitBounds(JSON.parse(button.getAttribute("data-bounds")), { padding: 20, duration: 600 });
      info.textContent = "Carte centrée sur la France métropolitaine.";
    } else if (goTo(code)) {
      event.preventDefault();
    }
  });

  // ---- Threshold and basis, changed in place ----
  var controls = document.getElementById("national-map-controls");
  if (!controls) return;
  var preset = controls.querySelector("[name=seuil]");
  var free = controls.querySelector("[name=seuil_libre]");
  var basis = controls.querySelector("[name=base]");
  function threshold() {
    var km = preset.value === "autre" ? parseFloat((free.value || "").replace(",", "."))
      : parseFloat(preset.value);
    if (!isFinite(km) || km < 1 || km > 100) return null;
    return Math.floor(km / 0.5 + 0.5) * 0.5; // as the server quantises it
  }
  function apply() {
    var km = threshold();
    if (km === null) return;
    var communes = config.tilejson.communes + "?threshold_km=" + km + "&basis=" + basis.value;
    map.getSource("communes").setUrl(absolute(communes));
    map.getSource("lieux").setUrl(absolute(config.tilejson.lieux + "?basis=" + basis.value));
    var text = String(km).replace(".", ",") + " km";
    document.getElementById("legend-threshold").textContent = text;
    document.getElementById("legend-basis").textContent = config.bases[basis.value].toLowerCase();
    info.textContent = "Couverture à " + text + ", base : " + config.bases[basis.value] + ".";
    var url = new URL(location.href);
    url.searchParams.set("seuil", preset.value);
    if (preset.value === "autre") url.searchParams.set("seuil_libre", free.value);
    else url.searchParams.delete("seuil_libre");
    url.searchParams.set("base", basis.value);
    history.replaceState(null, "", url);
    document.querySelectorAll("[data-keeps-settings]").forEach(function (form) {
      form.querySelector("[name=seuil]").value = preset.value;
      form.querySelector("[name=seuil_libre]").value = preset.value === "autre" ? free.value : "";
      form.querySelector("[name=base]").value = basis.value;
    });
  }
  preset.addEventListener("change", function () {
    if (preset.value !== "autre") free.value = "";
    apply();
  });
  free.addEventListener("change", function () {
    if (free.value) preset.value = "autre";
    apply();
  });
  basis.addEventListener("change", apply);
  controls.addEventListener("submit", function (event) {
    if (threshold() === null) return; // the server says what is wrong
    event.preventDefault();
    apply();
  });
})();
