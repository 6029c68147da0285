/* Reading without a connection, as progressive enhancement (every page works without this file).
   - Registers the service worker (sw.js), which serves saved pages when there is no connection.
   - On a course page: a button saves the course's pages on the phone (Cache Storage).
   - Offline, "Mark as done" and quiz answers are kept in a queue on the phone (localStorage), each
     with its own id; when the connection returns the queue is sent to /sync, which applies each id
     once, and what the server acknowledged leaves the queue.
   All text comes translated from data attributes of #offline-status and of the forms. */
(function () {
  "use strict";

  var QUEUE = "lms-offline-queue";
  var SAVED = "lms-saved-courses";
  var status = document.getElementById("offline-status");
  if (!status || !window.localStorage) { return; }
  var text = status.dataset;
  var syncing = false;

  function load(key, empty) {
    try { return JSON.parse(localStorage.getItem(key)) || empty; } catch (error) { return empty; }
  }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }
  function say(message) { status.textContent = message || ""; status.hidden = !message; }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64; bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }
  function showWaiting() {
    var waiting = load(QUEUE, []).length;
    say(waiting ? fill(text.waiting, {n: waiting}) : "");
  }

  if ("serviceWorker" in navigator && text.worker) {
    navigator.serviceWorker.register(text.worker).catch(function () { /* pages still work online */ });
  }

  /* Saving a course on the phone. */
  var saver = document.querySelector("[data-offline-manifest]");
  if (saver && "caches" in window && "serviceWorker" in navigator) {
    var course = saver.dataset.course;
    var state = saver.querySelector(".offline-state");
    var save = saver.querySelector("[data-offline-save]");
    var remove = saver.querySelector("[data-offline-remove]");
    var render = function () {
      var saved = load(SAVED, {})[course];
      state.textContent = saved ? fill(saver.dataset.savedText, {lessons: saved.lessons,
        date: new Date(saved.at).toLocaleDateString(document.documentElement.lang)}) : saver.dataset.notSavedText;
      remove.hidden = !saved;
    };
    save.addEventListener("click", function () {
      state.textContent = saver.dataset.savingText;
      fetch(saver.dataset.offlineManifest, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (manifest) {
          return caches.open("course-" + manifest.course).then(function (cache) {
            return cache.addAll(manifest.urls);
          }).then(function () {
            var saved = load(SAVED, {});
            saved[course] = {at: new Date().toISOString(), lessons: manifest.lessons, title: saver.dataset.title,
                             url: location.pathname};
            store(SAVED, saved);
            render();
          });
        })
        .catch(function () { state.textContent = saver.dataset.failedText; });
    });
    remove.addEventListener("click", function () {
      caches.delete("course-" + course).then(function () {
        var saved = load(SAVED, {});
        delete saved[course];
        store(SAVED, saved);
        render();
      });
    });
    saver.hidden = false;
    render();
  }

  /* The offline page lists the courses saved on this phone. */
  var list = document.getElementById("saved-courses");
  if (list) {
    var saved = load(SAVED, {});
    Object.keys(saved).forEach(function (slug) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = saved[slug].url;
      link.textContent = saved[slug].title || slug;
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = !list.children.length;
  }

  /* A form done offline: its operation joins the queue and the form says so. */
  function queued(form) {
    var note = document.createElement("p");
    note.className = "note";
    note.textContent = form.dataset.queuedText;
    form.replaceWith(note);
  }
  function operationOf(form) {
    var operation = {id: newId(), kind: form.dataset.offlineKind, course: form.dataset.course,
                     at: new Date().toISOString()};
    if (operation.kind === "lesson-done") { operation.lesson = form.dataset.lesson; return operation; }
    operation.module = form.dataset.module;
    operation.answers = {};
    var questions = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.name.indexOf("q_") === 0) { questions[field.name.slice(2)] = true; }
    });
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf("q_") !== 0) { return; }
      (operation.answers[name.slice(2)] = operation.answers[name.slice(2)] || []).push(value);
    });
    return Object.keys(questions).every(function (q) { return operation.answers[q]; }) ? operation : null;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-offline-kind]");
    if (!form || navigator.onLine) { return; }
    event.preventDefault();
    var operation = operationOf(form);
    if (!operation) { say(text.unanswered); return; }
    var queue = load(QUEUE, []);
    queue.push(operation);
    store(QUEUE, queue);
    queued(form);
    showWaiting();
  });
  /* A lesson already marked done on this phone shows it, even from a saved page. */
  load(QUEUE, []).forEach(function (operation) {
    if (operation.kind !== "lesson-done") { return; }
    var form = document.querySelector('form[data-offline-kind="lesson-done"][data-course="' + operation.course +
                                      '"][data-lesson="' + operation.lesson + '"]');
    if (form) { queued(form); }
  });

  /* Sending the queue: a fresh CSRF token first (a saved page's may have expired), then every operation. */
  function sync() {
    var queue = load(QUEUE, []);
    if (!queue.length || !navigator.onLine || syncing) { showWaiting(); return; }
    syncing = true;
    fetch(text.tokenUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("sign-in"); }
        return response.json();
      })
      .then(function (token) {
        return fetch(text.syncUrl, {method: "POST", credentials: "same-origin", body: JSON.stringify({operations: queue}),
          headers: {"Content-Type": "application/json", "X-CSRFToken": token.token, Accept: "application/json"}});
      })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (body) {
        var answered = {};
        body.results.forEach(function (result) { answered[result.id] = result; });
        store(QUEUE, load(QUEUE, []).filter(function (operation) { return !answered[operation.id]; }));
        var refused = body.results.filter(function (result) { return result.status === "refused"; });
        say(refused.length ? fill(text.refused, {n: refused.length, reason: refused[0].reason}) : text.sent);
      })
      .catch(function (error) { say(error.message === "sign-in" ? text.signIn : fill(text.waiting, {n: queue.length})); })
      .then(function () { syncing = false; });
  }
  window.addEventListener("online", sync);
  sync();
}());
