/* The header's main menu on a narrow screen: folded behind the "菜单" button.
 * A static file (the CSP allows no inline script). Without it the menu stays
 * open and wraps, so nothing becomes unreachable. The button is a real
 * <button>: Enter and Space toggle it; Escape closes the menu and returns
 * focus to the button. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-toggle");
    var list = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!list) { return; }
    var nav = list.closest(".main-nav");
    nav.classList.add("main-nav--collapsible");
    button.hidden = false;

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("main-nav--open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
})();
