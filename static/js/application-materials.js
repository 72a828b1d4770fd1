// Materials on the application form (applications/draft.html) without leaving the page:
// several files at once, a progress bar per file, each file checked by the server as it
// arrives; using an e-certificate and deleting a file work in place too.
// Without this script every form still posts and the page reloads (the server answers
// HTML unless asked for JSON). Loaded as a static file: the CSP allows no inline script.
(function () {
  "use strict";

  var JSON_HEADERS = { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };

  function announce(text) {
    var status = document.querySelector("[data-material-status]");
    if (status && text) status.textContent = text;
  }

  function replaceRow(row, html) {
    if (!html) return row;
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (!fresh) return row;
    row.parentNode.replaceChild(fresh, row);
    return fresh;
  }

  function text(element, value) {
    element.textContent = value;
    return element;
  }

  // One file, one request: the server checks it completely before the next one goes.
  function sendFile(form, file, item) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("requirement", form.querySelector("[name=requirement]").value);
      data.append("file", file, file.name);
      var bar = item.querySelector("progress");
      var state = item.querySelector("[data-state]");
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      Object.keys(JSON_HEADERS).forEach(function (name) {
        request.setRequestHeader(name, JSON_HEADERS[name]);
      });
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      request.addEventListener("load", function () {
        var body = {};
        try {
          body = JSON.parse(request.responseText);
        } catch (error) {
          body = { ok: false, message: form.getAttribute("data-failed") };
        }
        bar.value = 100;
        text(state, body.message || "");
        if (!body.ok) state.className = "upload-progress__state--error";
        resolve(body);
      });
      request.addEventListener("error", function () {
        text(state, form.getAttribute("data-failed"));
        state.className = "upload-progress__state--error";
        resolve({ ok: false, message: state.textContent });
      });
      request.send(data);
    });
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) {
      input.focus();
      return;
    }
    var list = form.querySelector("[data-upload-progress]");
    var button = form.querySelector("[data-upload-button]");
    list.innerHTML = "";
    list.hidden = false;
    button.disabled = true;
    var items = files.map(function (file) {
      var item = document.createElement("li");
      var name = text(document.createElement("span"), file.name);
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var state = document.createElement("span");
      state.setAttribute("data-state", "");
      item.appendChild(name);
      item.appendChild(bar);
      item.appendChild(state);
      list.appendChild(item);
      return item;
    });
    var messages = [];
    var last = null;
    var chain = Promise.resolve();
    files.forEach(function (file, index) {
      chain = chain.then(function () {
        return sendFile(form, file, items[index]).then(function (body) {
          if (body.message) messages.push(body.message);
          if (body.row_html) last = body;
        });
      });
    });
    chain.then(function () {
      var row = form.closest("[data-material-row]");
      if (last && row) {
        // The row comes back as the server sees it now: the files, the state, any error.
        var fresh = replaceRow(row, last.row_html);
        var progress = fresh.querySelector("[data-upload-progress]");
        if (progress) {
          progress.hidden = false;
          items.forEach(function (item) {
            progress.appendChild(item);
          });
        }
      } else {
        button.disabled = false;
      }
      announce(messages.join(" "));
    });
  }

  function submitInPlace(form) {
    var row = form.closest("[data-material-row]");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: JSON_HEADERS,
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        if (row && body.row_html) {
          var fresh = replaceRow(row, body.row_html);
          var heading = fresh.querySelector("h3");
          if (heading) heading.focus();
        }
        announce(body.message);
      })
      .catch(function () {
        form.submit(); // fall back to the page round trip
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.FormData || !window.fetch || !window.Promise) return;
    if (form.hasAttribute("data-upload-form")) {
      event.preventDefault();
      upload(form);
    } else if (form.hasAttribute("data-material-form")) {
      event.preventDefault();
      submitInPlace(form);
    }
  });

  // Choosing files is enough: they go up at once, each checked as it arrives.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !window.FormData || !window.Promise) return;
    var form = input.closest("[data-upload-form]");
    if (form && input.files && input.files.length) upload(form);
  });
})();
