// Swagger UI (vendored by drf-spectacular-sidecar) on the OGC API's own OpenAPI document.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: element.dataset.url, dom_id: "#swagger-ui", deepLinking: true });
})();
