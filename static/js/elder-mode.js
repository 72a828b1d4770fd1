/* Elder mode (长辈模式): larger type, higher contrast, one column.
 * Remembered in a cookie that only this script reads, so the server sends the
 * same cached bytes to everyone. Loaded in <head> so the class is set before
 * the first paint. */
(function () {
  "use strict";
  var COOKIE = "tb_elder";
  var root = document.documentElement;
  var on = document.cookie.split("; ").indexOf(COOKIE + "=1") !== -1;
  root.classList.toggle("elder", on);

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".elder-switch");
    if (!button) { return; }
    button.hidden = false;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.addEventListener("click", function () {
      on = !on;
      root.classList.toggle("elder", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      document.cookie = COOKIE + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
    });
  });
})();
