/*
 * The check-in scanner (members/admin/scanner.py): read QR codes with the camera, check people in,
 * keep working without signal.
 *
 * - The session's roster (code, name, PAC, checked in at) is fetched while online and kept in
 *   IndexedDB, so a code scanned without signal is recognised at once; it is deleted once the
 *   session is over (config.expires).
 * - Every scan gets an id made here (crypto.randomUUID) and goes into a queue in IndexedDB before
 *   anything is sent; the queue is sent whenever there is signal (at once, on "online", every 15 s).
 *   The server applies each id once, so sending a scan twice is harmless.
 * - Decoding: the browser's BarcodeDetector where it reads QR codes, else jsQR (vendored).
 */
(function () {
    "use strict";

    var root = document.getElementById("checkin-scanner");
    var configNode = document.getElementById("checkin-config");
    if (!root || !configNode) return;
    var config = JSON.parse(configNode.textContent);
    var texts = config.texts;
    var DB_NAME = "ansor-checkin";
    var UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

    var els = {
        status: root.querySelector("[data-scanner-status]"),
        result: root.querySelector("[data-scanner-result]"),
        verdict: root.querySelector("[data-verdict]"),
        name: root.querySelector("[data-name]"),
        district: root.querySelector("[data-district]"),
        message: root.querySelector("[data-message]"),
        video: root.querySelector("[data-scanner-video]"),
        canvas: root.querySelector("[data-scanner-canvas]"),
        start: root.querySelector("[data-scanner-start]"),
        search: root.querySelector("[data-scanner-search]"),
        matches: root.querySelector("[data-scanner-matches]"),
        walkIn: root.querySelector("[data-scanner-walk-in]"),
        walkInMatches: root.querySelector("[data-scanner-walk-in-matches]"),
        queue: root.querySelector("[data-scanner-queue]"),
    };

    var roster = { people: [], counts: null };
    var byToken = {};
    var byEnrollment = {};
    var flushing = false;
    var lastCode = "";
    var lastCodeAt = 0;

    // -- IndexedDB ---------------------------------------------------------------------------

    var dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
            var db = request.result;
            db.createObjectStore("rosters", { keyPath: "session" });
            var queue = db.createObjectStore("queue", { keyPath: "scan_id" });
            queue.createIndex("session", "session");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
    });

    function store(name, mode, work) {
        return dbPromise.then(function (db) {
            return new Promise(function (resolve, reject) {
                var tx = db.transaction(name, mode);
                var result;
                Promise.resolve(work(tx.objectStore(name))).then(function (value) { result = value; });
                tx.oncomplete = function () { resolve(result); };
                tx.onerror = function () { reject(tx.error); };
            });
        });
    }

    function request(req) {
        return new Promise(function (resolve, reject) {
            req.onsuccess = function () { resolve(req.result); };
            req.onerror = function () { reject(req.error); };
        });
    }

    function queued() {
        return store("queue", "readonly", function (queue) {
            return request(queue.index("session").getAll(config.session));
        });
    }

    // -- the roster ----------------------------------------------------------------------------

    function useRoster(data) {
        roster = data;
        byToken = {};
        byEnrollment = {};
        data.people.forEach(function (person) {
            byToken[person.token.toLowerCase()] = person;
            byEnrollment[person.enrollment] = person;
        });
        showCounts(data.counts || localCounts());
    }

    function saveRoster() {
        return store("rosters", "readwrite", function (rosters) {
            rosters.put({ session: config.session, expires: roster.expires, people: roster.people, counts: roster.counts });
        });
    }

    function loadRoster() {
        return fetch(config.urls.roster, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) {
                if (!response.ok) throw new Error(response.status);
                return response.json();
            })
            .then(function (data) {
                useRoster(data);
                return saveRoster();
            })
            .catch(function () {
                return store("rosters", "readonly", function (rosters) {
                    return request(rosters.get(config.session));
                }).then(function (saved) {
                    if (saved) useRoster(saved);
                });
            })
            .then(applyQueuedLocally)
            .catch(function (error) { console.warn("checkin roster", error); });
    }

    function clearExpired() {
        // Rosters of sessions that are over leave the phone (their unsent scans stay until sent).
        var now = new Date();
        return store("rosters", "readwrite", function (rosters) {
            return request(rosters.getAll()).then(function (all) {
                var left = 0;
                all.forEach(function (saved) {
                    if (saved.expires && new Date(saved.expires) < now) rosters.delete(saved.session);
                    else left += 1;
                });
                // No session left on this phone: the kept page goes too.
                if (!left && new Date(config.expires) < now && navigator.serviceWorker && navigator.serviceWorker.controller) {
                    navigator.serviceWorker.controller.postMessage("clear");
                }
            });
        });
    }

    function localCounts() {
        var checked = 0;
        var walkIns = 0;
        roster.people.forEach(function (person) {
            if (person.attended_at) checked += 1;
            if (person.walk_in) walkIns += 1;
        });
        return { expected: roster.people.length, checked_in: checked, walk_ins: walkIns };
    }

    function showCounts(counts) {
        Object.keys(counts).forEach(function (name) {
            var node = root.querySelector('[data-count="' + name + '"]');
            if (node) node.textContent = counts[name];
        });
    }

    function applyQueuedLocally() {
        // Scans still waiting count as present on this phone.
        return queued().then(function (items) {
            items.forEach(function (item) {
                var person = personOf(item);
                if (person && !person.attended_at) person.attended_at = item.scanned_at;
            });
            showCounts(localCounts());
            showQueue(items.length);
        });
    }

    function personOf(item) {
        if (item.code) {
            var match = UUID.exec(item.code);
            return match ? byToken[match[1].toLowerCase()] : null;
        }
        return byEnrollment[item.enrollment] || null;
    }

    // -- what the coordinator sees and hears -----------------------------------------------------------

    function time(iso) {
        var date = new Date(iso);
        var pad = function (n) { return (n < 10 ? "0" : "") + n; };
        return pad(date.getHours()) + "." + pad(date.getMinutes());
    }

    function show(kind, verdict, person, message) {
        els.result.className = "scanner__result scanner__result--" + kind;
        els.verdict.textContent = verdict;
        els.name.textContent = person ? person.name : "";
        els.district.textContent = person && person.district ? "PAC " + person.district : "";
        els.message.textContent = message || "";
        signal(kind);
    }

    var audio = null;
    function beep(frequency, duration, delay) {
        try {
            audio = audio || new (window.AudioContext || window.webkitAudioContext)();
            var oscillator = audio.createOscillator();
            var gain = audio.createGain();
            oscillator.frequency.value = frequency;
            oscillator.connect(gain);
            gain.connect(audio.destination);
            var start = audio.currentTime + (delay || 0);
            oscillator.start(start);
            oscillator.stop(start + duration);
        } catch (error) { /* no sound on this phone: the colour and the vibration remain */ }
    }

    function signal(kind) {
        var vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : function () {};
        if (kind === "ok") { beep(880, 0.15); vibrate(120); }
        else if (kind === "already") { beep(660, 0.12); beep(660, 0.12, 0.2); vibrate([80, 80, 80]); }
        else if (kind === "refused") { beep(220, 0.5); vibrate([300, 100, 300]); }
    }

    function showQueue(count) {
        els.queue.textContent = count ? texts.waiting.replace("%(count)s", count) : "";
    }

    function showOnline() {
        var online = navigator.onLine;
        els.status.textContent = online ? texts.online : texts.offline;
        els.status.classList.toggle("scanner__status--offline", !online);
    }

    function showAnswer(answer) {
        var person = byEnrollment[answer.enrollment] || { name: answer.name, district: answer.district };
        person.name = answer.name || person.name;
        person.district = answer.district || person.district;
        var kind = answer.result === "refused" || answer.result === "invalid" ? "refused"
            : answer.result === "already" ? "already" : "ok";
        var verdict = { ok: answer.result === "walk_in" ? texts.walkIn : texts.checkedIn, already: texts.already, refused: texts.refused }[kind];
        show(kind, verdict, person, answer.message);
    }

    // -- scans: queued first, sent when there is signal -----------------------------------------

    function newId() {
        if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
        var bytes = crypto.getRandomValues(new Uint8Array(16));
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
        return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
    }

    function checkIn(item) {
        item.scan_id = newId();
        item.session = config.session;
        item.scanned_at = new Date().toISOString();
        var person = personOf(item);
        if (item.code && !person && !roster.people.length && navigator.onLine) {
            // No roster on this phone yet: the server says who it is.
        } else if (!person) {
            show("refused", texts.refused, null, texts.unknownCode);
        } else if (person.attended_at) {
            show("already", texts.already, person, texts.alreadyAt.replace("%(time)s", time(person.attended_at)));
        } else {
            person.attended_at = item.scanned_at;
            show("ok", texts.checkedIn, person, navigator.onLine ? "" : texts.queued);
            showCounts(localCounts());
        }
        item.shown = true;
        return store("queue", "readwrite", function (queue) { queue.put(item); })
            .then(queued)
            .then(function (items) { showQueue(items.length); })
            .then(flush);
    }

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        if (match) return decodeURIComponent(match[1]);
        var input = document.querySelector("input[name=csrfmiddlewaretoken]");
        return input ? input.value : "";
    }

    function post(url, body) {
        return fetch(url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
            body: JSON.stringify(body),
        });
    }

    function flush() {
        if (flushing || !navigator.onLine) return Promise.resolve();
        flushing = true;
        var latest = null;
        return queued()
            .then(function (items) {
                if (!items.length) return null;
                items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
                latest = items[items.length - 1].scan_id;
                var scans = items.map(function (item) {
                    return { scan_id: item.scan_id, code: item.code, enrollment: item.enrollment, scanned_at: item.scanned_at };
                });
                return post(config.urls.scans, { scans: scans }).then(function (response) {
                    if (!response.ok) throw new Error(response.status);
                    return response.json();
                });
            })
            .then(function (data) {
                if (!data) return;
                var done = [];
                data.answers.forEach(function (answer) {
                    var person = byEnrollment[answer.enrollment];
                    if (person && answer.attended_at && answer.ok) person.attended_at = answer.attended_at;
                    if (answer.result !== "invalid") done.push(answer.scan_id);
                    if (answer.scan_id === latest) showAnswer(answer);
                });
                roster.counts = data.counts;
                showCounts(data.counts);
                return store("queue", "readwrite", function (queue) {
                    done.forEach(function (id) { queue.delete(id); });
                }).then(saveRoster);
            })
            .catch(function () { /* no signal after all: the queue stays and is sent later */ })
            .then(function () {
                flushing = false;
                return queued().then(function (items) { showQueue(items.length); });
            });
    }

    // -- the camera ----------------------------------------------------------------------------

    var detector = null;
    function makeDetector() {
        if (!("BarcodeDetector" in window)) return Promise.resolve(null);
        return window.BarcodeDetector.getSupportedFormats()
            .then(function (formats) { return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null; })
            .catch(function () { return null; });
    }

    function decodeFrame() {
        var video = els.video;
        if (video.readyState < 2 || !video.videoWidth) return Promise.resolve(null);
        if (detector) {
            return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        }
        var canvas = els.canvas;
        var scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        return Promise.resolve(code ? code.data : null);
    }

    function onCode(text) {
        var now = Date.now();
        if (text === lastCode && now - lastCodeAt < 4000) return; // the same code held in front of the camera
        lastCode = text;
        lastCodeAt = now;
        checkIn({ code: text });
    }

    function loop() {
        decodeFrame()
            .then(function (text) { if (text) onCode(text); })
            .catch(function () {})
            .then(function () { setTimeout(loop, 200); });
    }

    function startCamera() {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
            show("refused", texts.refused, null, texts.noCamera);
            return;
        }
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
            .then(function (stream) {
                els.video.srcObject = stream;
                return els.video.play();
            })
            .then(makeDetector)
            .then(function (found) {
                detector = found;
                els.start.hidden = true;
                loop();
            })
            .catch(function () { show("refused", texts.refused, null, texts.noCamera); });
    }

    // -- searching by name -------------------------------------------------------------------

    function fold(text) {
        return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/['’`]/g, "");
    }

    function button(label, onClick) {
        var item = document.createElement("li");
        var node = document.createElement("button");
        node.type = "button";
        node.className = "button button-secondary";
        node.textContent = label;
        node.addEventListener("click", onClick);
        item.appendChild(node);
        return item;
    }

    function searchRoster() {
        var query = fold(els.search.value.trim());
        els.matches.textContent = "";
        if (query.length < 2) return;
        roster.people.filter(function (person) { return fold(person.name).indexOf(query) >= 0; })
            .slice(0, 8)
            .forEach(function (person) {
                var label = person.name + (person.district ? " · " + person.district : "") + (person.attended_at ? " ✓" : "");
                els.matches.appendChild(button(label, function () {
                    els.search.value = "";
                    els.matches.textContent = "";
                    checkIn({ enrollment: person.enrollment });
                }));
            });
    }

    var walkInTimer = null;
    function searchWalkIns() {
        clearTimeout(walkInTimer);
        walkInTimer = setTimeout(function () {
            var query = els.walkIn.value.trim();
            els.walkInMatches.textContent = "";
            if (query.length < 2) return;
            if (!navigator.onLine) {
                els.walkInMatches.appendChild(document.createTextNode(texts.walkInOffline));
                return;
            }
            fetch(config.urls.walk_in_search + "?" + new URLSearchParams({ q: query }), { credentials: "same-origin" })
                .then(function (response) { return response.json(); })
                .then(function (data) {
                    els.walkInMatches.textContent = "";
                    data.members.forEach(function (member) {
                        var label = member.name + (member.district ? " · " + member.district : "");
                        els.walkInMatches.appendChild(button(label, function () { addWalkIn(member); }));
                    });
                })
                .catch(function () {});
        }, 250);
    }

    function addWalkIn(member) {
        if (!window.confirm(texts.confirmWalkIn.replace("%(name)s", member.name))) return;
        post(config.urls.walk_in, { scan_id: newId(), member: member.member })
            .then(function (response) { return response.json(); })
            .then(function (data) {
                els.walkIn.value = "";
                els.walkInMatches.textContent = "";
                if (data.answer) {
                    showAnswer(data.answer);
                    showCounts(data.counts);
                    loadRoster();
                } else {
                    show("refused", texts.refused, { name: data.name }, data.message);
                }
            })
            .catch(function () { show("refused", texts.refused, null, texts.walkInOffline); });
    }

    // -- start ---------------------------------------------------------------------------------

    els.start.addEventListener("click", startCamera);
    els.search.addEventListener("input", searchRoster);
    if (els.walkIn) els.walkIn.addEventListener("input", searchWalkIns);
    window.addEventListener("online", function () { showOnline(); flush(); loadRoster(); });
    window.addEventListener("offline", showOnline);
    setInterval(flush, 15000);
    showOnline();

    if ("serviceWorker" in navigator) {
        navigator.serviceWorker.register(config.serviceWorker, { scope: config.serviceWorkerScope }).catch(function () {});
    }
    clearExpired().catch(function () {}).then(loadRoster).then(flush);

    // For the browser test and for support: what the page holds.
    window.checkinScanner = { flush: flush, queued: queued, roster: function () { return roster; }, onCode: onCode };
})();
