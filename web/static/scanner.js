// Door scanner: camera scanning on any phone, and a queue that survives the network.
//
// Decoding: the native BarcodeDetector where the browser has one; elsewhere (iOS Safari,
// WeChat, most webviews) the barcode-detector polyfill over ZXing's WebAssembly, both
// served by this app (zxing-wasm's locateFile points at our own .wasm, never a CDN).
//
// Queue: every scan or name-search check-in gets an idempotency key when it is made and is
// kept in IndexedDB until the server has answered it, so a dropped network, a reload or a
// closed tab never loses one, and a resend never counts twice (the server answers a key it
// has seen with its first answer). A service worker (/door-sw.js) keeps this page, its
// assets and the event's roster snapshot, so the page opens offline and still names the
// person a scanned code belongs to.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var code = root.getAttribute("data-code");
  var csrf = root.getAttribute("data-csrf");
  var base = "/scanner/" + encodeURIComponent(code);
  var $ = function (id) { return document.getElementById(id); };
  var result = $("result"), queueState = $("queue-state"), net = $("net");
  var countBox = $("count"), countN = countBox && countBox.querySelector("[data-n]");
  var roster = { people: [], byDigest: {}, byId: {} };
  var last = null; // what undo would undo: {fact, name, unit} or {key, name} while queued
  var syncing = false;

  function t(name) { return root.getAttribute("data-t-" + name) || ""; }
  function online() { return navigator.onLine !== false; }

  // --- IndexedDB --------------------------------------------------------------------
  var dbPromise = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
    var open = indexedDB.open("gt-door", 1);
    open.onupgradeneeded = function () {
      var db = open.result;
      var queue = db.createObjectStore("queue", { keyPath: "key" });
      queue.createIndex("code", "code");
      db.createObjectStore("roster", { keyPath: "code" });
    };
    open.onsuccess = function () { resolve(open.result); };
    open.onerror = function () { reject(open.error); };
  });
  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var request = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function queued() {
    return store("queue", "readonly", function (s) { return s.index("code").getAll(code); })
      .then(function (items) { return (items || []).sort(function (a, b) { return a.at - b.at; }); });
  }
  function keep(item) { return store("queue", "readwrite", function (s) { return s.put(item); }); }
  function forget(key) { return store("queue", "readwrite", function (s) { return s.delete(key); }); }

  // --- what the volunteer sees ------------------------------------------------------
  function show(data) {
    result.className = "scan-result " + (data.status || "refused");
    result.textContent = "";
    [["scan-title", data.title], ["scan-name", data.name], ["scan-unit", data.unit],
     ["scan-msg", data.message]].forEach(function (pair) {
      if (!pair[1]) return;
      var p = document.createElement("p");
      p.className = pair[0];
      p.textContent = pair[1];
      result.appendChild(p);
    });
    if (navigator.vibrate) navigator.vibrate(data.status === "ok" ? 80 : [60, 60, 60]);
  }
  function setCount(n) { if (countN && typeof n === "number") countN.textContent = String(n); }
  function refreshState() {
    return queued().then(function (items) {
      queueState.hidden = items.length === 0;
      queueState.textContent = t("pending").replace("{n}", items.length);
      root.setAttribute("data-pending", String(items.length));
    }).catch(function () {}).then(function () {
      net.hidden = false;
      net.className = "net " + (online() ? "on" : "off");
      net.textContent = online() ? t("online") : t("offline");
    });
  }

  // --- the roster snapshot ----------------------------------------------------------
  function useRoster(data) {
    roster = { people: [], byDigest: {}, byId: {} };
    (data.people || []).forEach(function (row) {
      var p = { id: row[0], name: row[1], unit: row[2], digest: row[3], inside: !!row[4] };
      roster.people.push(p);
      roster.byDigest[p.digest] = p;
      roster.byId[p.id] = p;
    });
    var state = $("roster-state");
    state.hidden = false;
    state.textContent = t("roster").replace("{n}", roster.people.length);
    if (data.event && online()) setCount(data.event.checked_in);
  }
  function loadRoster() {
    return fetch(base + "/roster.json", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        useRoster(data);
        return store("roster", "readwrite", function (s) { return s.put({ code: code, data: data }); });
      })
      .catch(function () {
        return store("roster", "readonly", function (s) { return s.get(code); })
          .then(function (saved) { if (saved) useRoster(saved.data); });
      }).catch(function () {});
  }
  function digest(token) {
    if (!(window.crypto && crypto.subtle && window.TextEncoder)) return Promise.resolve("");
    var data = new TextEncoder().encode("gt-door:" + code.toLowerCase() + ":" + token.trim());
    return crypto.subtle.digest("SHA-256", data).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("").slice(0, 32);
    });
  }

  // --- queue and sync ---------------------------------------------------------------
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function enqueue(item) {
    // Someone the snapshot shows inside is told at once; anything else is queued (a repeat
    // is answered by the server as already checked in, and counted once).
    return queued().then(function () {
      var person = item.person_id ? roster.byId[item.person_id] : null;
      if (person && person.inside) {
        show({ status: "already", title: t("already"), name: person.name, unit: person.unit });
        return;
      }
      item.key = newKey();
      item.code = code;
      item.at = Date.now();
      return keep(item).then(function () {
        last = { key: item.key, name: item.name || "", unit: item.unit || "" };
        if (!online()) {
          show({ status: "queued", title: item.name ? t("saved") : t("unknown"), name: item.name,
                 unit: item.unit, message: item.name ? t("queued") : t("unknown-msg") });
        }
        return refreshState().then(sync);
      });
    });
  }
  function enqueueToken(token) {
    token = (token || "").trim();
    if (!token) return Promise.resolve();
    return digest(token).then(function (d) {
      var p = roster.byDigest[d];
      if (p && p.inside) {
        show({ status: "already", title: t("already"), name: p.name, unit: p.unit });
        return;
      }
      return enqueue({ token: token, name: p ? p.name : "", unit: p ? p.unit : "", person: p ? p.id : null });
    });
  }
  function send(item) {
    var body = item.person_id ? { person_id: item.person_id, key: item.key } : { token: item.token, key: item.key };
    return fetch(base + "/scan.json", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500 || response.status === 401 || response.status === 403 || response.status === 429) {
        throw new Error("server " + response.status); // kept: tried again later
      }
      return response.json().catch(function () { return { status: "refused", title: t("noqr") }; });
    }).then(function (data) {
      return forget(item.key).then(function () { answered(data, item); });
    });
  }
  function answered(data, item) {
    show(data);
    if (typeof data.count === "number") setCount(data.count);
    var person = item.person_id ? roster.byId[item.person_id] : roster.byId[item.person];
    if (person && (data.status === "ok" || data.status === "already")) person.inside = true;
    if (data.status === "ok" && data.fact) last = { fact: data.fact, name: data.name, unit: data.unit };
  }
  function sync() {
    if (syncing || !online()) return Promise.resolve();
    syncing = true;
    var run = function () {
      return queued().then(function (items) {
        return items.reduce(function (done, item) { return done.then(function () { return send(item); }); },
                            Promise.resolve());
      });
    };
    // One sender at a time across tabs (the keys make a race harmless; this makes it rare).
    var locked = navigator.locks ? navigator.locks.request("gt-door-sync:" + code, run) : run();
    return locked.catch(function () {}).then(function () {
      syncing = false;
      return refreshState();
    });
  }
  function pollCount() {
    if (document.hidden || !online()) return;
    fetch("/api/v1/events/" + encodeURIComponent(code), { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (e) { if (e) setCount(e.checked_in); })
      .catch(function () {});
  }

  // --- typed codes, photos, name search ---------------------------------------------
  var form = $("scan-form"), tokenInput = $("token"), photoInput = $("photo");
  form.addEventListener("submit", function (event) {
    var file = photoInput.files && photoInput.files[0];
    if (file) {
      // Read the photo here when we can (offline too); else the server decodes it.
      event.preventDefault();
      decoder().then(function (detector) {
        return createImageBitmap(file).then(function (bitmap) { return detector.detect(bitmap); });
      }).then(function (codes) {
        photoInput.value = "";
        if (codes.length) return enqueueToken(codes[0].rawValue);
        show({ status: "refused", title: t("noqr") });
      }).catch(function () { if (online()) form.submit(); else show({ status: "refused", title: t("noqr") }); });
      return;
    }
    event.preventDefault();
    enqueueToken(tokenInput.value);
    tokenInput.value = "";
    tokenInput.focus();
  });
  var nameForm = $("name-form"), q = $("q"), list = $("people");
  function fold(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  function findByName() {
    var wanted = fold(q.value);
    if (!wanted || !roster.people.length) return false;
    list.textContent = "";
    var hits = roster.people.filter(function (p) { return fold(p.name).indexOf(wanted) >= 0; }).slice(0, 20);
    if (!hits.length) {
      var none = document.createElement("li");
      none.textContent = t("nobody");
      list.appendChild(none);
    }
    hits.forEach(function (p) {
      var li = document.createElement("li"), row = document.createElement("div"), label = document.createElement("span");
      var button = document.createElement("button");
      row.className = "person-row";
      label.textContent = p.name + " · " + p.unit;
      button.type = "button";
      button.textContent = t("checkin");
      button.setAttribute("data-person", String(p.id));
      button.addEventListener("click", function () {
        enqueue({ person_id: p.id, name: p.name, unit: p.unit });
      });
      row.appendChild(label);
      row.appendChild(button);
      li.appendChild(row);
      list.appendChild(li);
    });
    return true;
  }
  nameForm.addEventListener("submit", function (event) { if (findByName()) event.preventDefault(); });
  q.addEventListener("input", function () { if (q.value.trim()) findByName(); });

  // --- undo: asks first, naming the person ------------------------------------------
  var dialog = $("undo-dialog"), undoLink = $("undo-link"), undoFact = $("undo-fact");
  if (root.getAttribute("data-last-fact")) {
    last = { fact: Number(root.getAttribute("data-last-fact")), name: root.getAttribute("data-last-name"),
             unit: root.getAttribute("data-last-unit") };
  }
  if (dialog && dialog.showModal) {
    undoLink.addEventListener("click", function (event) {
      if (!last) return; // the confirmation page says there is nothing to undo
      event.preventDefault();
      if (!last.key && !online()) { show({ status: "refused", title: t("undo-offline") }); return; }
      queued().then(function (items) {
        var waiting = last.key && items.some(function (i) { return i.key === last.key; });
        if (last.key && !waiting) return; // sent meanwhile: its answer set `last` to the fact
        $("undo-q").textContent = t("undo-ask").replace("{name}", last.name || "?");
        $("undo-unit").textContent = last.unit || "";
        undoFact.value = last.fact || "";
        dialog.showModal();
      });
    });
    $("undo-no").addEventListener("click", function () { dialog.close(); });
    $("undo-form").addEventListener("submit", function (event) {
      if (!last || !last.key) return; // a stored check-in: the server undoes it
      event.preventDefault(); // still queued: take it out of the queue instead
      var gone = last;
      forget(gone.key).then(function () {
        dialog.close();
        last = null;
        show({ status: "undone", title: t("unqueued").replace("{name}", gone.name || "?") });
        return refreshState();
      });
    });
  }

  // --- camera -----------------------------------------------------------------------
  var decoderPromise = null;
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  function decoder() {
    if (decoderPromise) return decoderPromise;
    decoderPromise = (("BarcodeDetector" in window) ? Promise.resolve() :
      loadScript(root.getAttribute("data-polyfill")).then(function () {
        var api = window.BarcodeDetectionAPI, wasm = root.getAttribute("data-wasm");
        api.setZXingModuleOverrides({
          locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? wasm : prefix + path; }
        });
        return api.prepareZXingModule({ fireImmediately: true });
      })).then(function () { return new window.BarcodeDetector({ formats: ["qr_code"] }); });
    return decoderPromise;
  }
  var camera = $("camera"), video = $("video"), startButton = $("camera-start");
  var torchButton = $("torch"), switchButton = $("switch");
  var stream = null, timer = null, cameras = [], cameraIndex = 0, torchOn = false, lastSeen = {};
  function stop() {
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    startButton.textContent = t("start");
    torchButton.hidden = true;
  }
  function start() {
    var constraints = cameras.length > 1 && cameras[cameraIndex]
      ? { deviceId: { exact: cameras[cameraIndex].deviceId } } : { facingMode: "environment" };
    return Promise.all([decoder(), navigator.mediaDevices.getUserMedia({ video: constraints, audio: false })])
      .then(function (both) {
        var detector = both[0];
        stream = both[1];
        video.srcObject = stream;
        video.hidden = false;
        startButton.textContent = t("stop");
        var track = stream.getVideoTracks()[0];
        var caps = track && track.getCapabilities ? track.getCapabilities() : {};
        torchButton.hidden = !caps.torch;
        navigator.mediaDevices.enumerateDevices().then(function (all) {
          cameras = all.filter(function (d) { return d.kind === "videoinput"; });
          switchButton.hidden = cameras.length < 2;
        }).catch(function () {});
        return video.play().then(function () { loop(detector); });
      })
      .catch(function () { stop(); show({ status: "refused", title: t("nocamera") }); });
  }
  function loop(detector) {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      codes.forEach(function (found) {
        var value = found.rawValue, now = Date.now();
        if (!value || (lastSeen[value] && now - lastSeen[value] < 4000)) return; // the same card held up
        lastSeen[value] = now;
        enqueueToken(value);
      });
    }).catch(function () {}).then(function () { timer = setTimeout(function () { loop(detector); }, 250); });
  }
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    camera.hidden = false;
    startButton.addEventListener("click", function () { if (stream) stop(); else start(); });
    torchButton.addEventListener("click", function () {
      var track = stream && stream.getVideoTracks()[0];
      if (!track) return;
      torchOn = !torchOn;
      track.applyConstraints({ advanced: [{ torch: torchOn }] }).catch(function () { torchOn = false; });
      torchButton.setAttribute("aria-pressed", String(torchOn));
    });
    switchButton.addEventListener("click", function () {
      cameraIndex = (cameraIndex + 1) % Math.max(1, cameras.length);
      stop();
      start();
    });
  }

  // --- offline: the service worker keeps what the door needs -------------------------
  function keepOffline() {
    if (!("serviceWorker" in navigator)) return;
    var urls = [location.pathname, base + "/roster.json"].concat(
      (root.getAttribute("data-assets") || "").split(" ").filter(Boolean));
    if (!("BarcodeDetector" in window) || window.BarcodeDetectionAPI) {
      urls.push(root.getAttribute("data-polyfill"), root.getAttribute("data-wasm"));
    }
    navigator.serviceWorker.register("/door-sw.js", { scope: "/scanner/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var worker = registration.active || navigator.serviceWorker.controller;
        if (worker) worker.postMessage({ type: "keep", urls: urls });
      }).catch(function () {});
  }

  window.addEventListener("online", function () { refreshState(); sync(); pollCount(); });
  window.addEventListener("offline", refreshState);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); pollCount(); } });
  setInterval(sync, 5000);
  setInterval(pollCount, 5000);
  refreshState();
  loadRoster().then(sync);
  // The decoder loads once the page has settled (it is not needed to read the page), while
  // the network is here, so that it is on the phone when the network is not.
  function whenSettled(work) {
    var later = function () {
      if (window.requestIdleCallback) window.requestIdleCallback(work, { timeout: 3000 });
      else setTimeout(work, 500);
    };
    if (document.readyState === "complete") later(); else window.addEventListener("load", later);
  }
  whenSettled(function () { decoder().catch(function () {}).then(keepOffline); });
})();
