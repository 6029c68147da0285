/* The service worker: pages from the network when there is one, the saved copy when there is not.
   Courses are saved by offline.js into caches named "course-<slug>"; fingerprinted static files
   (/static/...?v=...) never change, so they are served from any cache first. */
"use strict";

var STATIC_CACHE = "static";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

/* A page fetched while online replaces its saved copy, so saved courses stay up to date. */
function refreshSavedCopies(request, response) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf("course-") === 0; })
      .map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.match(request).then(function (saved) {
            if (saved) { return cache.put(request, response.clone()); }
          });
        });
      }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 && url.search) {
    event.respondWith(caches.match(request).then(function (saved) {
      return saved || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(STATIC_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) { event.waitUntil(refreshSavedCopies(request, response.clone())); }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreSearch: true}).then(function (saved) {
      return saved || caches.match("/offline").then(function (page) {
        return page || new Response("Offline", {status: 503, headers: {"Content-Type": "text/plain"}});
      });
    });
  }));
});
