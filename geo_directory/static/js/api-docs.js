// /api/redoc/ (Redoc): its parameter headings (h5) sit under each operation's h2: level 3.
"use strict";
(function () {
  var root = document.getElementById("redoc-container");
  if (!root) return;
  function fix() {
    root.querySelectorAll("h5:not([aria-level])").forEach(function (heading) {
      heading.setAttribute("role", "heading");
      heading.setAttribute("aria-level", "3");
    });
  }
  new MutationObserver(fix).observe(root, {childList: true, subtree: true});
  fix();
})();

// /api/docs/ (Swagger UI): the introduction (title, version, description) in a named region, as
// the operations are in Swagger UI's <main>; and heading levels that follow one another. Swagger UI draws the title as
// <h1>, then each group of operations as <h3> and the schemas as <h4>; screen readers and axe-core
// expect level 2 under the title. Set as Swagger UI renders (it redraws when a group opens).
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root) return;
  var LEVELS = [
    ["h3.opblock-tag", "2"],
    [".models > h4, section.models h4", "2"],
    [".opblock-section-header h4", "3"],
    [".opblock-body h4, .responses-wrapper h4", "3"],
    [".opblock-body h5, .responses-wrapper h5", "4"],
  ];
  function fix() {
    var intro = root.querySelector(".information-container");
    if (intro && !intro.hasAttribute("role")) {
      intro.setAttribute("role", "region");
      intro.setAttribute("aria-label", "Présentation de l'API");
    }
    // selects Swagger UI draws without a label: a parameter's values, a response's examples
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
    });
    root.querySelectorAll("select.examples-select-element:not([aria-label])").forEach(function (s) {
      s.setAttribute("aria-label", "Exemple");
    });
    // code examples scroll sideways: reachable by keyboard
    root.querySelectorAll(".highlight-code > .microlight:not([tabindex])").forEach(function (c) {
      c.setAttribute("tabindex", "0");
    });
    // each operation's responses region named after its operation (they all said "Responses")
    root.querySelectorAll("[role=region][id$='_responses']:not([aria-label])").forEach(function (r) {
      var path = r.closest(".opblock") && r.closest(".opblock").querySelector("[data-path]");
      r.setAttribute("aria-label", "Réponses de " + (path ? path.dataset.path : r.id));
    });
    LEVELS.forEach(function (rule) {
      root.querySelectorAll(rule[0]).forEach(function (heading) {
        if (heading.getAttribute("aria-level") !== rule[1]) {
          heading.setAttribute("role", "heading");
          heading.setAttribute("aria-level", rule[1]);
        }
      });
    });
  }
  new MutationObserver(fix).observe(root, {childList: true, subtree: true});
  fix();
})();
