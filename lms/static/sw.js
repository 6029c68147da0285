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
   Signing out goes through this worker (the form's POST), so that it works without a connection too:
   - The form's data (its CSRF token with it) is kept in "lms-state" and the phone is signed out here at
     once: no member's saved pages are served, and no request of a page reaches the server, before the
     kept sign-out is sent. It is sent first by the next request that goes to the network (and when a page
     sees the connection return), then that request goes on, signed out.
   - Sent without a connection, the sign-out answers the portal's "Signed out on this phone" page, kept
     drawn for nobody in the language of the member signed in last.
   - The server answers a sign-out whose CSRF token it no longer takes (a day old, or a session restored by
     "Keep me signed in") without signing out: the worker then asks a fresh token (/sync/token, which also
     says whether anyone is still signed in) and sends the sign-out again with it.
   Fingerprinted static files (/static/...?v=...) never change and are the same for everyone: they
   are kept in the cache "static" and served from it first. */
"use strict";

var STATIC_CACHE = "static";
var STATE_CACHE = "lms-state";
var OWNER_KEY = "/sw-state/owner";
var SAVED = "saved:";
var OFFLINE_PAGE = "/offline";
var SIGN_OUT = "/sign-out";
var SIGNED_OUT_PAGE = "/offline/signed-out";
var KEPT_SIGN_OUT = "/sw-state/sign-out";
var KEPT_SIGNED_OUT_PAGE = "/sw-state/signed-out-page";
var TOKEN_URL = "/sync/token";
var HOME = "/";
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

/* Keeps the "No connection" page as drawn for this member (or for nobody), for pages never saved; with
   a member's, the "Signed out on this phone" page in their language, drawn for nobody (the copy made when
   the worker starts is in the browser's language). */
function keepOfflinePage(owner) {
  return fetch(OFFLINE_PAGE, {credentials: "same-origin"}).then(function (response) {
    if (ownerOf(response) === owner) { return response; }
    // Someone else is signed in now: a copy for nobody is asked without the session; for a member,
    // the next page they open tries again.
    return owner ? undefined : fetch(OFFLINE_PAGE, {credentials: "omit"});
  }).then(function (response) {
    if (response && response.ok && ownerOf(response) === owner) {
      var language = owner ? response.clone().text().then(languageOf) : Promise.resolve("");
      return Promise.all([
        caches.open(SAVED + owner + ":").then(function (cache) { return cache.put(OFFLINE_PAGE, response); }),
        language.then(function (lang) {
          return lang ? keepSignedOutPage(lang) : caches.match(KEPT_SIGNED_OUT_PAGE, {cacheName: STATE_CACHE})
            .then(function (kept) { if (!kept) { return keepSignedOutPage(""); } });
        })
      ]);
    }
  }).catch(function () { /* no connection: kept next time */ });
}

function languageOf(html) {
  var found = /<html lang="([a-z]{2,3})"/.exec(html);
  return found ? found[1] : "";
}

/* The "Signed out on this phone" page, drawn for nobody ("" : in the browser's language). */
function keepSignedOutPage(lang) {
  return fetch(SIGNED_OUT_PAGE + (lang ? "?lang=" + lang : ""), {credentials: "omit"}).then(function (response) {
    if (response.ok && !ownerOf(response)) {
      return caches.open(STATE_CACHE).then(function (cache) { return cache.put(KEPT_SIGNED_OUT_PAGE, response); });
    }
  });
}

/* Whether a sign-out waits to be sent: true, false, or undefined until the worker has looked (it may
   have been stopped and started again since). */
var signOutKept;

function keepSignOut(body) {
  signOutKept = true;
  return caches.open(STATE_CACHE).then(function (cache) {
    return cache.put(KEPT_SIGN_OUT, new Response(body, {headers: {"Content-Type": "application/x-www-form-urlencoded"}}));
  }).then(function () { return rememberOwner(""); });
}

function postSignOut(body) {
  return fetch(SIGN_OUT, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                          headers: {"Content-Type": "application/x-www-form-urlencoded"}});
}

/* Signed out when the server answers with a redirect. Any other answer (the token refused) is followed by
   a fresh token and the sign-out again; /sync/token answering anything but a token means nobody is
   signed in any more. */
function sendSignOut(body) {
  return postSignOut(body).then(function (response) {
    if (response.type === "opaqueredirect") { return; }
    return fetch(TOKEN_URL, {credentials: "same-origin", redirect: "manual", headers: {Accept: "application/json"}})
      .then(function (answer) { return answer.status === 200 ? answer.json() : null; })
      .then(function (fresh) {
        if (fresh && fresh.token) { return postSignOut("csrf_token=" + encodeURIComponent(fresh.token)); }
      });
  });
}

/* Sends the kept sign-out, if there is one; rejects only when it could not reach the server (then it stays
   kept). One sending at a time, whatever the number of requests waiting for it. */
var sending = null;
function signOutFirst() {
  if (signOutKept === false) { return Promise.resolve(); }
  if (!sending) {
    sending = caches.match(KEPT_SIGN_OUT, {cacheName: STATE_CACHE}).then(function (kept) {
      if (!kept) { signOutKept = false; return; }
      return kept.text().then(sendSignOut).then(function () {
        signOutKept = false;
        return caches.open(STATE_CACHE).then(function (cache) { return cache.delete(KEPT_SIGN_OUT); });
      });
    }).then(function () { sending = null; }, function (error) { sending = null; throw error; });
  }
  return sending;
}

/* Sign out tapped: kept, then sent; without a connection, the portal's own page says what happened. */
function signOut(request) {
  return request.clone().text().then(function (body) {
    return keepSignOut(body).then(function () { return signOutFirst(); }).then(function () {
      return Response.redirect(HOME, 303);
    }, function () {
      return caches.match(KEPT_SIGNED_OUT_PAGE, {cacheName: STATE_CACHE}).then(function (page) {
        return page || withoutConnection(request);
      });
    });
  });
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

/* A page that sees the connection return asks for the kept sign-out to be sent (offline.js). The link may
   take a moment to carry requests: tried three times, two seconds apart, then left for the next request. */
function signOutSoon(tries) {
  return signOutFirst().catch(function () {
    if (tries > 1) {
      return new Promise(function (done) { setTimeout(done, 2000); }).then(function () { return signOutSoon(tries - 1); });
    }
  });
}
self.addEventListener("message", function (event) {
  if (event.data === "send-sign-out") { event.waitUntil(signOutSoon(3)); }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate" && url.pathname === SIGN_OUT) {
    event.respondWith(signOut(request));
    return;
  }
  var isPage = request.method === "GET" && request.mode === "navigate";
  var isStatic = request.method === "GET" && url.pathname.indexOf("/static/") === 0 && url.search;
  if (!isPage && !isStatic) {
    // Forms and the pages' own requests (the sync of a queue): only after the kept sign-out, if any.
    if (signOutKept !== false) { event.respondWith(signOutFirst().then(function () { return fetch(request); })); }
    return;
  }
  if (isStatic) {
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
  event.respondWith(signOutFirst().then(function () { return fetch(request); }).then(function (response) {
    var copy = response.clone();
    return learnOwner(response).then(function (learnt) {
      if (learnt) { event.waitUntil(keepCopies(learnt, request, copy)); }
      return response;
    }, function () { return response; });
  }).catch(function () {
    return withoutConnection(request);
  }));
});
