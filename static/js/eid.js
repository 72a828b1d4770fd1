// The e-ID QR code. The page's GET mints no token: this script asks for one by
// POST as soon as the page loads, and again shortly before it expires. Without
// JavaScript, the "显示二维码" button POSTs the page's form instead.
// Served as a static file so the page keeps a strict Content-Security-Policy
// (script-src 'self').
(function () {
  "use strict";
  var card = document.querySelector(".eid-card");
  if (!card || !window.fetch) { return; }
  var refreshUrl = card.getAttribute("data-refresh-url");
  var qr = document.getElementById("eid-qr");
  var form = document.getElementById("eid-form");
  var csrf = form ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;
  var timer = null;

  function schedule(expiresAt) {
    var delay = Math.max(new Date(expiresAt).getTime() - Date.now() - 5000, 5000);
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  function refresh() {
    fetch(refreshUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
    })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        qr.innerHTML = data.svg;
        schedule(data.expires_at);
      })
      .catch(function () { window.clearTimeout(timer); timer = window.setTimeout(refresh, 15000); });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      refresh();
    });
  }
  var expiresAt = card.getAttribute("data-expires-at");
  if (expiresAt) { schedule(expiresAt); } else { refresh(); }
})();
