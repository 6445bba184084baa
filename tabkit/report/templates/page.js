// The report's one script (its hash is in the page's Content-Security-Policy): tables sort
// when a header is clicked, a chooser shows the option picked, and a link to a part inside
// a closed collapsible part opens it first.
function sortTable(head) {
  var table = head.closest("table");
  var body = table.tBodies[0];
  var column = Array.prototype.indexOf.call(head.parentNode.children, head);
  var ascending = head.getAttribute("aria-sort") !== "ascending";
  var numeric = head.classList.contains("num");
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
  head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  function key(row) {
    var text = row.cells[column] ? row.cells[column].textContent.trim() : "";
    if (!numeric || text === "") { return text; }
    return parseFloat(text.replace(/[,%+]/g, ""));
  }
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (a, b) {
    var x = key(a), y = key(b);
    if (x === "" || y === "") { return (x === "") - (y === ""); }
    var order = numeric ? x - y : String(x).localeCompare(String(y), undefined, {numeric: true});
    return ascending ? order : -order;
  });
  rows.forEach(function (row) { body.appendChild(row); });
}

function openTo(id) {
  var target = id ? document.getElementById(id) : null;
  for (var node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") { node.open = true; }
  }
}

document.addEventListener("click", function (event) {
  var head = event.target.closest("table.sortable th");
  if (head) { sortTable(head); return; }
  var link = event.target.closest("a[href^='#']");
  if (link) { openTo(decodeURIComponent(link.getAttribute("href").slice(1))); }
});

document.addEventListener("change", function (event) {
  var input = event.target;
  var chooser = input.closest(".chooser");
  if (!chooser || input.type !== "radio") { return; }
  Array.prototype.forEach.call(chooser.querySelectorAll(":scope > .choice"), function (choice, i) {
    choice.hidden = String(i) !== input.value;
  });
});

openTo(decodeURIComponent(location.hash.slice(1)));
window.addEventListener("hashchange", function () { openTo(decodeURIComponent(location.hash.slice(1))); });
