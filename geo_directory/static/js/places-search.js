/* /lieux/: commune suggestions as you type, and "Autour de moi" (browser geolocation).
   Without JavaScript the form still works: the server resolves the typed commune. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = form.querySelector("input[name=commune]");
  var list = document.getElementById("commune-suggestions");
  var lon = form.querySelector("input[name=lon]");
  var lat = form.querySelector("input[name=lat]");
  var aroundMe = document.getElementById("around-me");
  var status = document.getElementById("geo-status");
  var timer = null;
  var lastQuery = "";

  function clearPosition() { lon.value = ""; lat.value = ""; }

  function suggest() {
    var q = input.value.trim();
    if (q.length < 2 || q === lastQuery) return;
    lastQuery = q;
    fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) {
        list.replaceChildren();
        data.results.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.label;
          option.textContent = c.codes_postaux.join(", ");
          list.appendChild(option);
        });
      })
      .catch(function () { /* suggestions are a convenience: typing still works */ });
  }

  input.addEventListener("input", function () {
    clearPosition();
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 200);
  });

  if ("geolocation" in navigator) {
    aroundMe.hidden = false;
    aroundMe.addEventListener("click", function () {
      status.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lon.value = position.coords.longitude.toFixed(5);
          lat.value = position.coords.latitude.toFixed(5);
          input.value = "";
          status.textContent = "Position trouvée.";
          form.submit();
        },
        function () {
          status.textContent = "Votre position n'est pas disponible : saisissez une commune.";
        },
        {enableHighAccuracy: false, timeout: 10000, maximumAge: 300000}
      );
    });
  }
})();

/* After a search the results come first: focus their heading (a screen reader reads the count,
   "12 lieux à moins de 20 km de Barcelonnette (04)") and bring it to the top of a small screen. */
(function () {
  "use strict";
  var heading = document.getElementById("resultats");
  if (!heading) return;
  heading.focus({preventScroll: true});
  if (heading.getBoundingClientRect().top > window.innerHeight * 0.4) {
    heading.scrollIntoView({block: "start"});
  }
})();
