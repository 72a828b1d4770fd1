// Marks the open message read. The page's GET changes nothing (prefetching and
// crawlers must not mark messages read): this script posts the page's
// "标为已读" form as soon as the page is shown. Without JavaScript, the button does.
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("form[data-mark-read]");
    if (!form || !window.fetch || !window.FormData) { return; }
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.ok) { form.hidden = true; }
    });
  }
  function whenShown() {
    // A prerendered page is not yet seen: wait until it is shown.
    if (document.prerendering) {
      document.addEventListener("prerenderingchange", init, { once: true });
    } else {
      init();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", whenShown);
  } else {
    whenShown();
  }
})();
