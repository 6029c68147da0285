// Progressive enhancement: the survey page follows the form's logic while the member answers. On each change
// (debounced), the form is sent to the page's check URL (data-check), which evaluates it on the server as "Next"
// does and stores nothing; the answer says which questions and choices of this page are asked, the messages of the
// questions changed, labels that quote answers, and the markup of questions the page lacks. Without JavaScript,
// or when the check fails, "Next" does the same through the server (lms/surveys/paging.py).
(function () {
  "use strict";
  var form = document.querySelector("form[data-check]");
  if (!form || !window.fetch || !window.FormData || !FormData.prototype.delete || !Element.prototype.closest ||
      !window.NodeList || !NodeList.prototype.forEach) { return; }
  var shownField = form.querySelector("input[name=shown]");
  var offeredField = form.querySelector("input[name=offered]");
  var buttons = form.querySelector(".page-buttons");
  var announcer = form.querySelector("[data-announce]");
  var touched = {};
  var timer = null;
  var sent = 0;

  function codeOf(element) {
    var block = element.closest("[data-question]");
    return block ? block.getAttribute("data-question") : null;
  }

  function block(code) {
    return form.querySelector("[data-question=\"" + code + "\"]");
  }

  function setDisabled(element, disabled) {
    element.querySelectorAll("input, textarea, select").forEach(function (input) { input.disabled = disabled; });
  }

  function showError(element, code, message) {
    var holder = element.querySelector(".field");
    if (!holder) { return; }
    var id = "q_" + code + "-error";
    var error = document.getElementById(id);
    var inputs = holder.querySelectorAll("input, textarea");
    if (message) {
      if (!error) {
        error = document.createElement("p");
        error.className = "error";
        error.id = id;
        holder.appendChild(error);
      }
      error.textContent = message;
      holder.classList.add("has-error");
    } else if (error) {
      error.parentNode.removeChild(error);
      holder.classList.remove("has-error");
    }
    inputs.forEach(function (input) {
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (each) {
        return each && each !== id;
      });
      if (message) { ids.push(id); }
      if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
      if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  }

  function fragment(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;  // rendered and escaped by the server's template, as the page itself
    return holder.firstElementChild;
  }

  function offeredDiffers(element, offered) {
    var present = [];
    element.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      present.push(input.value);
    });
    return present.join(" ") !== offered.join(" ");
  }

  function apply(state) {
    var previous = null;
    var added = false;
    var asked = {};
    state.relevant.forEach(function (code) { asked[code] = true; });
    state.page.forEach(function (code) {
      var element = block(code);
      if (!asked[code]) {
        if (element) { element.hidden = true; setDisabled(element, true); }
        return;
      }
      var choices = state.choices[code];
      if (state.html[code] && (!element || (choices && offeredDiffers(element, choices)))) {
        var fresh = fragment(state.html[code]);
        if (!element) { added = true; }
        if (element) { element.parentNode.replaceChild(fresh, element); } else if (previous) {
          previous.parentNode.insertBefore(fresh, previous.nextSibling);
        } else {
          var first = form.querySelector("[data-question]");
          form.insertBefore(fresh, first || announcer || buttons);
        }
        element = fresh;
      }
      if (!element) { return; }
      if (element.hidden) { added = true; }
      element.hidden = false;
      setDisabled(element, false);
      if (state.labels[code] !== undefined) {
        var label = element.querySelector("[data-label], legend, label[for=q_" + code + "]");
        if (label) { label.textContent = state.labels[code]; }
      }
      if (touched[code]) { showError(element, code, state.errors[code] || ""); }
      previous = element;
    });
    if (shownField) { shownField.value = state.relevant.join(" "); }
    if (offeredField) {  // the choices the page now offers: "Next" then has nothing new to show
      offeredField.value = offeredField.value.split(" ").filter(Boolean).map(function (item) {
        var code = item.split(":")[0];
        var list = state.choices[decodeURIComponent(code)];
        return list ? code + ":" + list.map(encodeURIComponent).join(",") : item;
      }).join(" ");
    }
    if (added && announcer) {  // read out by screen readers: a question was added below the answer
      announcer.textContent = "";
      announcer.textContent = announcer.getAttribute("data-text");
    }
    var next = buttons && buttons.querySelector("button[value=next]");
    if (next) { next.textContent = next.getAttribute(state.last ? "data-send" : "data-next"); }
    var indicator = form.querySelector("[data-indicator]");
    if (indicator && state.indicator) { indicator.textContent = state.indicator; }
  }

  function check() {
    var data = new FormData(form);
    data.delete("move");
    data.append("touched", Object.keys(touched).join(" "));
    var mine = ++sent;
    fetch(form.getAttribute("data-check"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && state.page && mine === sent) { apply(state); }
      })
      .catch(function () { /* offline or limited: "Next" still checks the page on the server */ });
  }

  function changed(event) {
    var code = codeOf(event.target);
    if (!code) { return; }
    touched[code] = true;
    clearTimeout(timer);
    timer = setTimeout(check, event.type === "input" ? 600 : 250);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
}());
