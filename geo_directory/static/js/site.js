// Behaviour shared by every page, kept out of the HTML (the Content-Security-Policy allows no
// inline event handler): a button with data-print prints the page.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) window.print();
});

// The phone menu (site shell): the "Menu" button folds and unfolds the main navigation below
// 48rem; base.html marks <html class="js"> before the first paint so that the menu starts
// folded. Without JavaScript the button stays hidden and every link is shown.
(function () {
  var button = document.getElementById("nav-toggle");
  var nav = document.getElementById("site-nav");
  if (!button || !nav) return;
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();
