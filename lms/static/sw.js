/* The service worker: pages from the network when there is one, the saved copy when there is not.

   Members share phones, so saved pages belong to the member who saved them. A page drawn for a
   signed-in member carries their owner token (an opaque keyed hash of the account) in the
   "Offline-Owner" header and in <meta name="offline-owner">; a page drawn for nobody carries none.
   - offline.js saves a member's course in the cache "saved:<owner>:<course>"; this worker keeps each
     member's "No connection" page in "saved:<owner>:", and a copy drawn for nobody in "saved::".
   - The worker learns who is signed in on the phone from every page it fetches from the network, and
     remembers it in the cache "lms-state" (offline.js forgets it there when the member signs out,
     before the form is sent). Without a connection it serves the saved pages of that member only,
     and with nobody signed in, no member's pages at all.
   - A page fetched online refreshes the saved copies of the member it was drawn for, never another's.
   Fingerprinted static files (/static/...?v=...) never change and are the same for everyone: they
   are kept in the cache "static" and served from it first. */
"use strict";

var STATIC_CACHE = "static";
var STATE_CACHE = "lms-state";
var OWNER_KEY = "/sw-state/owner";
var SAVED = "saved:";
var OFFLINE_PAGE = "/offline";
var OWNER = /^[0-9a-f]{32}$/;

/* Whose page a response is: its owner token, or "" when it was drawn for nobody. */
function ownerOf(response) {
  var owner = response.headers.get("Offline-Owner") || "";
  return OWNER.test(owner) ? owner : "";
}

function knownOwner() {
  return caches.match(OWNER_KEY, {cacheName: STATE_CACHE}).then(function (saved) {
    return saved ? saved.text() : "";
  }).then(function (owner) { return OWNER.test(owner) ? owner : ""; });
}

function rememberOwner(owner) {
  return caches.open(STATE_CACHE).then(function (cache) {
    return owner ? cache.put(OWNER_KEY, new Response(owner)) : cache.delete(OWNER_KEY);
  });
}

/* The names of the caches holding one member's saved pages ("" : the copy drawn for nobody). */
function cachesOf(owner) {
  var prefix = SAVED + owner + ":";
  return caches.keys().then(function (names) {
    return names.filter(function (name) { return name.indexOf(prefix) === 0; });
  });
}

/* The saved copy of a page for this member, checked to be drawn for them; undefined if none. */
function savedCopy(owner, request) {
  return cachesOf(owner).then(function (names) {
    return names.reduce(function (found, name) {
      return found.then(function (response) {
        return response || caches.match(request, {cacheName: name, ignoreSearch: true}).then(function (saved) {
          return saved && ownerOf(saved) === owner ? saved : undefined;
        });
      });
    }, Promise.resolve(undefined));
  });
}

/* Keeps the "No connection" page as drawn for this member (or for nobody), for pages never saved. */
function keepOfflinePage(owner) {
  return fetch(OFFLINE_PAGE, {credentials: "same-origin"}).then(function (response) {
    if (ownerOf(response) === owner) { return response; }
    // Someone else is signed in now: a copy for nobody is asked without the session; for a member,
    // the next page they open tries again.
    return owner ? undefined : fetch(OFFLINE_PAGE, {credentials: "omit"});
  }).then(function (response) {
    if (response && response.ok && ownerOf(response) === owner) {
      return caches.open(SAVED + owner + ":").then(function (cache) { return cache.put(OFFLINE_PAGE, response); });
    }
  }).catch(function () { /* no connection: kept next time */ });
}

/* A page fetched online tells who is signed in: remembered before the page is shown, so that the
   connection dropping right after a sign-in cannot show the previous member's pages. Resolves to
   {owner, changed}, or null for an answer that tells nothing (an error, a redirect, not a page). */
function learnOwner(response) {
  var type = response.headers.get("Content-Type") || "";
  if (!response.ok || type.indexOf("text/html") !== 0) { return Promise.resolve(null); }
  var owner = ownerOf(response);
  return knownOwner().then(function (known) {
    if (owner === known) { return {owner: owner, changed: false}; }
    return rememberOwner(owner).then(function () { return {owner: owner, changed: true}; });
  });
}

/* Then, in the background: that member's saved copy of the page is refreshed (never another's), and
   their "No connection" page kept. */
function keepCopies(learnt, request, response) {
  var owner = learnt.owner;
  return Promise.all([
    caches.has(SAVED + owner + ":").then(function (kept) {
      if (learnt.changed || !kept) { return keepOfflinePage(owner); }
    }),
    owner ? cachesOf(owner).then(function (names) {
      return Promise.all(names.map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.match(request).then(function (saved) {
            if (saved) { return cache.put(request, response.clone()); }
          });
        });
      }));
    }) : null
  ]);
}

/* Without a connection: the signed-in member's saved copy, else their "No connection" page. */
function withoutConnection(request) {
  return knownOwner().then(function (owner) {
    return savedCopy(owner, request).then(function (saved) {
      return saved || savedCopy(owner, OFFLINE_PAGE);
    }).then(function (page) {
      return page || (owner ? savedCopy("", OFFLINE_PAGE) : undefined);
    });
  }).then(function (page) {
    return page || new Response("Offline", {status: 503, headers: {"Content-Type": "text/plain"}});
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    // Courses saved before saved pages had owners ("course-<slug>"): whose they are cannot be known.
    return Promise.all(names.filter(function (name) { return name.indexOf("course-") === 0; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return keepOfflinePage("");
  }).then(function () {
    return self.clients.claim();
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 && url.search) {
    event.respondWith(caches.match(request, {cacheName: STATIC_CACHE}).then(function (saved) {
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
    var copy = response.clone();
    return learnOwner(response).then(function (learnt) {
      if (learnt) { event.waitUntil(keepCopies(learnt, request, copy)); }
      return response;
    }, function () { return response; });
  }).catch(function () {
    return withoutConnection(request);
  }));
});
