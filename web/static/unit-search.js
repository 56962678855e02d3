// The unit picker searches as one types (characters, pinyin, initials), with the same
// matching and words as the form's Search button, which still works without this script.
(function () {
  "use strict";
  var input = document.querySelector("[data-unit-search]");
  var select = document.querySelector("[data-unit-select]");
  var found = document.getElementById("unit_q-found");
  if (!input || !select || !window.fetch) return;
  var timer = null, asked = 0;
  function show(data, seq) {
    if (seq !== asked) return; // an older answer arriving late
    var first = select.options[0];
    select.textContent = "";
    select.appendChild(first);
    data.options.forEach(function (o) {
      var option = document.createElement("option");
      option.value = String(o.id);
      option.textContent = o.label;
      if (o.id === data.chosen) option.selected = true;
      select.appendChild(option);
    });
    if (!data.chosen) select.selectedIndex = 0;
    found.textContent = "";
    if (data.found) {
      var span = document.createElement("span");
      span.className = data.nothing ? "notice info" : "afford";
      span.textContent = data.found;
      found.appendChild(span);
    }
  }
  function search() {
    var seq = ++asked;
    fetch("/units/options?unit_q=" + encodeURIComponent(input.value.trim()), {
      headers: { accept: "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data, seq); })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
})();
