/* The index's search box and status filter (lib/run/templates/index_filter.js).
   Inline, no event-handler attributes, no eval: a hash-based CSP can allow it.
   Without JavaScript the form stays hidden and every report is listed. */
(function () {
  "use strict";
  var form = document.getElementById("report-filter");
  var table = document.querySelector("#reports table");
  if (!form || !table || !table.tBodies.length || !String.prototype.normalize) { return; }
  var search = document.getElementById("report-search");
  var status = document.getElementById("report-status");
  var count = document.getElementById("report-count");
  var fold = function (s) {
    return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[.\s]+/g, " ").trim();
  };
  var rows = [], groups = [], group = null;
  Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
    if (tr.classList.contains("group")) {
      group = {row: tr, members: []};
      groups.push(group);
      return;
    }
    var cell = tr.querySelector("td[class^='status-']");
    /* the name and every spelling the programme definition lists ("NE Lincs") */
    var names = tr.getAttribute("data-search") || tr.cells[0].textContent;
    var item = {row: tr, name: fold(names), status: cell ? cell.className.slice(7) : ""};
    rows.push(item);
    if (group) { group.members.push(item); }
  });
  function apply() {
    var q = fold(search.value), wanted = status ? status.value : "", shown = 0;
    rows.forEach(function (item) {
      var keep = (!q || item.name.indexOf(q) !== -1) && (!wanted || item.status === wanted);
      item.row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    groups.forEach(function (g) {
      g.row.hidden = !g.members.some(function (m) { return !m.row.hidden; });
    });
    count.textContent = shown === rows.length ? "Showing all " + rows.length + " reports."
      : "Showing " + shown + " of " + rows.length + " reports.";
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  search.addEventListener("input", apply);
  if (status) { status.addEventListener("change", apply); }
  form.hidden = false;
  apply();
}());
