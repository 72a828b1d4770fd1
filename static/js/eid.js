// Refreshes the e-ID QR code shortly before it expires. Served as a static file
// so the page keeps a strict Content-Security-Policy (script-src 'self').
(function () {
  "use strict";
  var card = document.querySelector(".eid-card");
  if (!card) { return; }
  var refreshUrl = card.getAttribute("data-refresh-url");
  var qr = document.getElementById("eid-qr");

  function schedule(expiresAt) {
    var delay = Math.max(new Date(expiresAt).getTime() - Date.now() - 5000, 5000);
    window.setTimeout(refresh, delay);
  }

  function refresh() {
    fetch(refreshUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        qr.innerHTML = data.svg;
        schedule(data.expires_at);
      })
      .catch(function () { window.setTimeout(refresh, 15000); });
  }

  schedule(card.getAttribute("data-expires-at"));
})();
