document.addEventListener("click", function (event) {
  var head = event.target.closest("table.sortable th");
  if (!head) { return; }
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
});
