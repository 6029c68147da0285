/* Reading without a connection, as progressive enhancement (every page works without this file).
   - Registers the service worker (sw.js), which serves saved pages when there is no connection.
   - On a course page: a button saves the course's pages on the phone (Cache Storage).
   - Offline, "Mark as done" and quiz answers are kept in a queue on the phone (localStorage), each
     with its own id; when the connection returns the queue is sent to /sync, which applies each id
     once, and what the server acknowledged leaves the queue.
   Members share phones: everything kept here belongs to the member whose page this is (the owner
   token in <meta name="offline-owner">, none when signed out). Each member has their own queue, list
   of saved courses and caches; only the queue of the member signed in is sent; signing out tells the
   service worker, before the form is sent, that nobody is signed in any more (the service worker keeps
   the sign-out until it reaches the server: see sw.js).
   All text comes translated from data attributes of #offline-status and of the forms. */
(function () {
  "use strict";

  var status = document.getElementById("offline-status");
  if (!status || !window.localStorage) { return; }
  var meta = document.querySelector('meta[name="offline-owner"]');
  var owner = meta && /^[0-9a-f]{32}$/.test(meta.content) ? meta.content : "";
  var QUEUE = "lms-offline-queue:" + owner;
  var SAVED = "lms-saved-courses:" + owner;
  var STATE_CACHE = "lms-state";   /* shared with sw.js: who is signed in on this phone */
  var OWNER_KEY = "/sw-state/owner";
  var text = status.dataset;
  var syncing = false;

  /* Kept before saved data had owners: whose it is cannot be known, so it is neither shown nor sent. */
  localStorage.removeItem("lms-offline-queue");
  localStorage.removeItem("lms-saved-courses");

  function load(key, empty) {
    if (!owner) { return empty; }
    try { return JSON.parse(localStorage.getItem(key)) || empty; } catch (error) { return empty; }
  }
  function store(key, value) { if (owner) { localStorage.setItem(key, JSON.stringify(value)); } }
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
  function rememberOwner(value) {
    return caches.open(STATE_CACHE).then(function (cache) {
      return value ? cache.put(OWNER_KEY, new Response(value)) : cache.delete(OWNER_KEY);
    });
  }

  if ("serviceWorker" in navigator && text.worker) {
    navigator.serviceWorker.register(text.worker).catch(function () { /* pages still work online */ });
  }

  /* Signing out: the service worker forgets who is signed in before the form goes, so that the next
     person holding the phone finds none of this member's saved pages, even without a connection. */
  var signOut = document.querySelector("form[data-sign-out]");
  if (signOut && "caches" in window) {
    signOut.addEventListener("submit", function (event) {
      event.preventDefault();
      var send = function () { signOut.submit(); };
      rememberOwner("").then(send, send);
    });
  }
  /* A sign-out tapped without a connection waits in the service worker: sent as soon as the connection
     returns (or by the next request that reaches the network, whichever comes first). */
  if ("serviceWorker" in navigator) {
    window.addEventListener("online", function () {
      if (navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage("send-sign-out"); }
    });
  }

  /* Saving a course on the phone, in a cache of this member's own. Each page is checked to be drawn
     for this member (another tab may have changed who is signed in). */
  var saver = document.querySelector("[data-offline-manifest]");
  if (saver && owner && "caches" in window && "serviceWorker" in navigator) {
    var course = saver.dataset.course;
    var cacheName = "saved:" + owner + ":" + course;
    var state = saver.querySelector(".offline-state");
    var save = saver.querySelector("[data-offline-save]");
    var remove = saver.querySelector("[data-offline-remove]");
    var render = function () {
      var saved = load(SAVED, {})[course];
      state.textContent = saved ? fill(saver.dataset.savedText, {lessons: saved.lessons,
        date: new Date(saved.at).toLocaleDateString(document.documentElement.lang)}) : saver.dataset.notSavedText;
      remove.hidden = !saved;
    };
    var fetchOwn = function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok || response.headers.get("Offline-Owner") !== owner) { throw new Error(url); }
        return response;
      });
    };
    save.addEventListener("click", function () {
      state.textContent = saver.dataset.savingText;
      fetch(saver.dataset.offlineManifest, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (manifest) {
          return Promise.all(manifest.pages.map(fetchOwn)).then(function (responses) {
            return caches.open(cacheName).then(function (cache) {
              return Promise.all(responses.map(function (response, i) { return cache.put(manifest.pages[i], response); }));
            });
          }).then(function () {
            return caches.open("static").then(function (cache) { return cache.addAll(manifest.files); });
          }).then(function () {
            // These pages came from the network drawn for this member: they are the one signed in.
            return rememberOwner(owner);
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
      caches.delete(cacheName).then(function () {
        var saved = load(SAVED, {});
        delete saved[course];
        store(SAVED, saved);
        render();
      });
    });
    saver.hidden = false;
    render();
  }

  /* The offline page lists the courses this member saved on this phone. */
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

  /* A form done offline: its operation joins this member's queue and the form says so. */
  function queued(form) {
    var note = document.createElement("p");
    note.className = "note";
    note.textContent = form.dataset.queuedText;
    form.replaceWith(note);
  }
  function operationOf(form) {
    var operation = {id: newId(), kind: form.dataset.offlineKind, course: form.dataset.course,
                     at: new Date().toISOString(), owner: owner};
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
    if (!form || !owner || navigator.onLine) { return; }
    event.preventDefault();
    var operation = operationOf(form);
    if (!operation) { say(text.unanswered); return; }
    var queue = load(QUEUE, []);
    queue.push(operation);
    store(QUEUE, queue);
    queued(form);
    showWaiting();
  });
  /* A lesson already marked done on this phone by this member shows it, even from a saved page. */
  load(QUEUE, []).forEach(function (operation) {
    if (operation.kind !== "lesson-done") { return; }
    var form = document.querySelector('form[data-offline-kind="lesson-done"][data-course="' + operation.course +
                                      '"][data-lesson="' + operation.lesson + '"]');
    if (form) { queued(form); }
  });

  /* Sending this member's queue: a fresh CSRF token first (a saved page's may have expired), which also
     says who is signed in now; the queue goes only if that is still this page's member, in parts of at most
     data-sync-batch operations (the server refuses more at once), one after the other. What the server
     acknowledged leaves the queue part by part; a part refused as a whole (a 429 past the limit on syncs, a
     dropped connection) stops the sync and leaves the rest queued for the next one. What the server refuses
     as another member's stays on the phone for its owner. */
  var batch = Math.max(1, parseInt(text.syncBatch, 10) || 1);
  function sendPart(operations, csrf) {
    return fetch(text.syncUrl, {method: "POST", credentials: "same-origin", body: JSON.stringify({operations: operations}),
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (body) {
        var answered = {};
        body.results.forEach(function (result) { if (!result.other_member) { answered[result.id] = result; } });
        store(QUEUE, load(QUEUE, []).filter(function (operation) { return !answered[operation.id]; }));
        return body.results.filter(function (result) { return result.status === "refused"; });
      });
  }
  function sync() {
    var queue = load(QUEUE, []);
    if (!queue.length || !navigator.onLine || syncing || !text.tokenUrl) { showWaiting(); return; }
    syncing = true;
    fetch(text.tokenUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("sign-in"); }
        return response.json();
      })
      .then(function (token) {
        if (token.owner !== owner) { throw new Error("sign-in"); }
        var refused = [], sent = Promise.resolve();
        for (var start = 0; start < queue.length; start += batch) {
          sent = sent.then(sendPart.bind(null, queue.slice(start, start + batch), token.token))
            .then(function (more) { refused = refused.concat(more); });
        }
        return sent.then(function () { return refused; });
      })
      .then(function (refused) {
        say(refused.length ? fill(text.refused, {n: refused.length, reason: refused[0].reason}) : text.sent);
      })
      .catch(function (error) {
        say(error.message === "sign-in" ? text.signIn : fill(text.waiting, {n: load(QUEUE, []).length}));
      })
      .then(function () { syncing = false; });
  }
  window.addEventListener("online", sync);
  sync();
}());
