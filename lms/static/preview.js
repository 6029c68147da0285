// Progressive enhancement: refresh the lesson preview while the trainer types.
// Without JavaScript the "Preview" button does the same through the server.
(function () {
  "use strict";
  var textarea = document.querySelector("textarea[data-live-preview]");
  if (!textarea || !window.fetch) { return; }
  var section = document.getElementById(textarea.getAttribute("data-live-preview"));
  var target = section && section.querySelector(".prose");
  var token = textarea.form && textarea.form.querySelector("input[name=csrf_token]");
  if (!target || !token) { return; }
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("csrf_token", token.value);
    data.append("body", textarea.value);
    fetch(section.getAttribute("data-url"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        target.innerHTML = html;  // rendered and sanitised by the server (nh3)
        section.hidden = false;
      })
      .catch(function () { /* offline: the Preview button still works */ });
  }
  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
}());
