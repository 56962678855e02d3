// Door scanner: camera scanning where BarcodeDetector exists, and an offline queue.
// Every scan gets an idempotency key when it is made; it stays in localStorage until the
// server has answered it, so a dropped network never loses a scan and a resend never
// counts twice (the server returns the first answer for a key it has seen).
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var code = root.getAttribute("data-code");
  var csrf = root.getAttribute("data-csrf");
  var storeKey = "gt-scan-queue:" + code;
  var result = document.getElementById("result");
  var queueState = document.getElementById("queue-state");
  var form = document.getElementById("scan-form");
  var tokenInput = document.getElementById("token");
  var photoInput = document.getElementById("photo");
  var syncing = false;
  var lastSeen = {};

  function t(name) { return root.getAttribute("data-t-" + name) || ""; }
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(storeKey, JSON.stringify(queue)); showQueue(queue); }
  function showQueue(queue) {
    queueState.hidden = queue.length === 0;
    queueState.textContent = t("pending").replace("{n}", queue.length) +
      (navigator.onLine ? "" : " · " + t("offline"));
    root.setAttribute("data-pending", String(queue.length));
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function show(data) {
    result.className = "scan-result " + (data.status || "refused");
    result.textContent = "";
    [["scan-title", data.title], ["scan-name", data.name], ["scan-unit", data.unit], ["scan-msg", data.message]]
      .forEach(function (pair) {
        if (!pair[1]) return;
        var p = document.createElement("p");
        p.className = pair[0];
        p.textContent = pair[1];
        result.appendChild(p);
      });
    if (navigator.vibrate) navigator.vibrate(data.status === "ok" ? 80 : [60, 60, 60]);
  }
  function enqueue(token) {
    token = (token || "").trim();
    if (!token) return;
    var queue = load();
    queue.push({ token: token, key: newKey(), at: Date.now() });
    save(queue);
    if (!navigator.onLine) show({ status: "already", title: t("offline"), message: t("queued") });
    sync();
  }
  function sync() {
    if (syncing) return;
    var queue = load();
    if (!queue.length) { showQueue(queue); return; }
    syncing = true;
    var item = queue[0];
    fetch("/scanner/" + encodeURIComponent(code) + "/scan.json", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ token: item.token, key: item.key })
    }).then(function (response) {
      if (response.status >= 500 || response.status === 401 || response.status === 403) {
        throw new Error("server " + response.status);
      }
      return response.json();
    }).then(function (data) {
      save(load().filter(function (q) { return q.key !== item.key; }));
      show(data);
      syncing = false;
      sync();
    }).catch(function () {
      syncing = false;
      showQueue(load());
    });
  }

  form.addEventListener("submit", function (event) {
    if (photoInput && photoInput.files && photoInput.files.length) return; // decoded on the server
    event.preventDefault();
    enqueue(tokenInput.value);
    tokenInput.value = "";
    tokenInput.focus();
  });
  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { showQueue(load()); });
  setInterval(sync, 4000);
  sync();

  // Camera scanning where the browser can read QR codes itself.
  var camera = document.getElementById("camera");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  camera.hidden = false;
  document.getElementById("camera-start").addEventListener("click", function () {
    var video = document.getElementById("video");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      return video.play();
    }).then(function () {
      setInterval(function () {
        detector.detect(video).then(function (codes) {
          codes.forEach(function (found) {
            var value = found.rawValue, now = Date.now();
            if (lastSeen[value] && now - lastSeen[value] < 4000) return; // the same card held up
            lastSeen[value] = now;
            enqueue(value);
          });
        }).catch(function () {});
      }, 300);
    }).catch(function () { show({ status: "refused", title: t("nocamera") }); });
  });
})();
