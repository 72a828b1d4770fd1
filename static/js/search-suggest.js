/* Suggestions as the resident types, from the portal's suggest endpoint.
 * The form works without this script; the list is plain links, so keyboard
 * users reach it with Tab. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-suggest-url]").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var timer = null;
    var latest = 0;
    if (!input || !list) { return; }

    function render(suggestions, guideBase) {
      list.textContent = "";
      suggestions.forEach(function (suggestion) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = guideBase + encodeURIComponent(suggestion.code) + "/";
        link.textContent = suggestion.name;
        var meta = document.createElement("span");
        meta.className = "suggestions__meta";
        meta.textContent = " " + suggestion.department;
        item.appendChild(link);
        item.appendChild(meta);
        list.appendChild(item);
      });
      list.hidden = suggestions.length === 0;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (!query) { render([], ""); return; }
      timer = setTimeout(function () {
        var ticket = ++latest;
        fetch(form.dataset.suggestUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) {
            if (ticket !== latest) { return; }
            render(data.suggestions, form.dataset.suggestUrl.replace(/search\/suggest\/$/, "services/"));
          })
          .catch(function () { render([], ""); });
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { list.hidden = true; }
    });
  });
})();
