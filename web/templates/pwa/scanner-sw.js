// The door scanner's service worker (scope /scanner/): keeps the scanner page, its assets
// and the event's roster snapshot on the phone so the door works without a network.
// Written by the app: VERSION changes with any asset, so a new release replaces the cache.
"use strict";
var VERSION = {{ version|tojson }};
var CACHE = "gt-door-" + VERSION;
var ASSETS = {{ assets|tojson }};
var HASHED = /\.[0-9a-f]{10}\.[a-z0-9]+$/;

self.addEventListener("install", function (event) {
  // From the HTTP cache where the page already loaded them: no second download.
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("gt-door-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The page names what it used (its own address, its roster, the decoder it loaded).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.map(function (url) {
      var target = new URL(url, self.location.origin);
      if (target.origin !== self.location.origin) return null;
      var key = target.origin + target.pathname;
      return cache.match(key).then(function (hit) {
        if (hit && HASHED.test(target.pathname)) return null;
        return fetch(key, { credentials: "same-origin" }).then(function (response) {
          if (response.ok) return cache.put(key, response);
          return null;
        }).catch(function () {});
      });
    }));
  }));
});

function fromCache(request, key) {
  return caches.open(CACHE).then(function (cache) { return cache.match(key || request); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // scans go through the page's own queue
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromCache(request, url.origin + url.pathname).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && HASHED.test(url.pathname)) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.origin + url.pathname, copy); });
        }
        return response;
      });
    }));
    return;
  }
  var page = request.mode === "navigate" && /^\/scanner\/[^/]+$/.test(url.pathname);
  var snapshot = /^\/scanner\/[^/]+\/roster\.json$/.test(url.pathname);
  if (!page && !snapshot) return;
  // The network first (fresh names and counts), the copy on the phone when it is down.
  var key = url.origin + url.pathname;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && (!page || !url.search)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return fromCache(request, key).then(function (hit) {
      return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  }));
});
