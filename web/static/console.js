// Dashboard live counter: progressive enhancement over server-sent events.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box || !window.EventSource) return;
  var state = box.querySelector("[data-live-state]");
  var source = new EventSource(box.getAttribute("data-live-url"));
  source.addEventListener("totals", function (event) {
    var data = JSON.parse(event.data);
    box.querySelectorAll("[data-live]").forEach(function (el) {
      var key = el.getAttribute("data-live");
      if (key in data && el.textContent !== data[key]) {
        el.textContent = data[key];
        el.classList.add("bump");
      }
    });
    var bar = box.querySelector("[data-live-progress]");
    if (bar) bar.value = parseFloat(data.percent_raw);
    if (state) state.hidden = false;
  });
  source.onerror = function () { if (state) state.hidden = true; };
})();
