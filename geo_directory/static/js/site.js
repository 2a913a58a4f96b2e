// Behaviour shared by every page, kept out of the HTML (the Content-Security-Policy allows no
// inline event handler): a button with data-print prints the page.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) window.print();
});
