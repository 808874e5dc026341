/*
 * The check-in scanner's service worker (served at /admin/checkin/scanner/sw.js, its scope the
 * scanner's pages): the scanner page and its files are kept, so the page opens again without
 * signal. Network first: with signal the coordinator always gets the current page. The roster and
 * the queue of scans live in IndexedDB (scanner.js), not here; nothing but the page and its static
 * files is cached, and the page clears the cache when no session's roster is left.
 */
var CACHE = "ansor-checkin-v1";

self.addEventListener("install", function () {
    self.skipWaiting();
});

self.addEventListener("activate", function (event) {
    event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    var page = request.mode === "navigate" && url.pathname.indexOf(self.registration.scope.replace(self.location.origin, "")) === 0;
    if (!page && url.pathname.indexOf("/static/") !== 0) return;
    event.respondWith(
        fetch(request)
            .then(function (response) {
                if (response.ok) {
                    var copy = response.clone();
                    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
                }
                return response;
            })
            .catch(function () {
                return caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || Response.error(); });
            })
    );
});

self.addEventListener("message", function (event) {
    if (event.data === "clear") event.waitUntil(caches.delete(CACHE));
});
