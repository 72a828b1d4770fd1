// Autosave for the application form (applications/draft.html).
// The "保存草稿" button works without this script; with it, the draft is also
// saved on change and every 20 seconds while there are unsaved edits.
// Loaded as a static file: the CSP allows no inline script.
(function () {
  "use strict";
  var INTERVAL_MS = 20000;

  function init() {
    var form = document.querySelector("form[data-autosave-url]");
    if (!form || !window.fetch || !window.FormData) return;
    var url = form.getAttribute("data-autosave-url");
    var status = form.querySelector("[data-autosave-status]");
    var dirty = false;
    var saving = false;

    function show(text) {
      if (status && text) status.textContent = text;
    }

    function save() {
      if (!dirty || saving) return;
      saving = true;
      dirty = false;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (response.ok && body.saved) {
              show(body.message);
            } else {
              dirty = true;
              show(body.error);
            }
          });
        })
        .catch(function () {
          dirty = true; // offline or server error: try again at the next tick
        })
        .then(function () {
          saving = false;
        });
    }

    form.addEventListener("input", function () {
      dirty = true;
    });
    form.addEventListener("change", function () {
      dirty = true;
      save();
    });
    window.setInterval(save, INTERVAL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
