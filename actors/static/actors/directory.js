/* Annuaire des acteurs: the filters are folded on a phone (the actors come first) and open beside
   the results on a wide screen; after a filter or a page, the heading that gives the count has the
   focus (a screen reader reads "3 acteurs — Médiateur numérique") and is brought into view. */
(function () {
  "use strict";
  var filters = document.querySelector("details.filters[data-open-wide]");
  var wide = window.matchMedia("(min-width: 801px)");
  function follow() { if (filters) filters.open = wide.matches || filters.hasAttribute("data-errors"); }
  follow();
  wide.addEventListener("change", follow);

  var heading = document.getElementById("result-count");
  if (!heading || !heading.hasAttribute("data-focus")) return;
  heading.focus({preventScroll: true});
  var box = heading.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight * 0.6) heading.scrollIntoView({block: "start"});
})();
