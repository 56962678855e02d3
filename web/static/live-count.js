// The event's live check-in count: its public JSON every 10 s while the page is in view.
// The page works without this script; it only keeps the number fresh.
(function () {
  var box = document.querySelector("[data-live-count]");
  var number = box && box.querySelector("[data-n]");
  if (!number || !window.fetch) return;
  function poll() {
    if (document.hidden) return;
    fetch(box.getAttribute("data-live-count"), { headers: { accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (e) {
        var n = e && e.checked_in;
        if (typeof n === "number" && number.textContent !== String(n)) number.textContent = n;
      })
      .catch(function () {});
  }
  setInterval(poll, 10000);
})();
