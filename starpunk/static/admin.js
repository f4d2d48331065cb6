// Admin progressive enhancement: warn before leaving the editor with unsaved changes, one alt
// text field per chosen photo, and drag-and-drop reordering of attached photos. Without
// JavaScript the editor's Attach, Up, Down and Remove buttons do all of this on the server.
(function () {
  "use strict";
  var form = document.querySelector("form.editor");
  if (!form) { return; }
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // One "new_photo_alt" field per chosen file, in the order the files are sent.
  var picker = form.querySelector("#photos");
  var alts = form.querySelector(".new-alts");
  if (picker && alts) {
    picker.addEventListener("change", function () {
      var files = Array.prototype.slice.call(picker.files || []);
      var names = files.length ? files.map(function (file) { return file.name; }) : [null];
      alts.textContent = "";
      names.forEach(function (name, index) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "text";
        input.name = "new_photo_alt";
        input.maxLength = 1000;
        input.id = "new-photo-alt" + (index ? "-" + (index + 1) : "");
        label.htmlFor = input.id;
        label.textContent = name ? "Alt text for " + name : "Alt text for the new photo";
        alts.appendChild(label);
        alts.appendChild(input);
      });
    });
  }

  // Drag attached photos into a new order; the hidden fields move with them.
  var list = form.querySelector(".photo-list");
  if (!list) { return; }
  var dragged = null;
  function renumber() {
    var items = list.querySelectorAll(".photo-item");
    Array.prototype.forEach.call(items, function (item, index) {
      Array.prototype.forEach.call(item.querySelectorAll(".photo-number"), function (span) {
        span.textContent = String(index + 1);
      });
      Array.prototype.forEach.call(item.querySelectorAll("button[data-move]"), function (button) {
        var move = button.getAttribute("data-move");
        button.value = "photo-" + move + ":" + index;
        if (move === "up") { button.disabled = index === 0; }
        if (move === "down") { button.disabled = index === items.length - 1; }
      });
    });
  }
  Array.prototype.forEach.call(list.querySelectorAll(".photo-item"), function (item) {
    item.draggable = true;
    item.addEventListener("dragstart", function (event) {
      dragged = item;
      item.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "");
    });
    item.addEventListener("dragend", function () {
      item.classList.remove("is-dragging");
      dragged = null;
    });
    item.addEventListener("dragover", function (event) {
      if (!dragged || dragged === item) { return; }
      event.preventDefault();
      item.classList.add("drop-target");
    });
    item.addEventListener("dragleave", function () { item.classList.remove("drop-target"); });
    item.addEventListener("drop", function (event) {
      event.preventDefault();
      item.classList.remove("drop-target");
      if (!dragged || dragged === item) { return; }
      var after = dragged.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
      list.insertBefore(dragged, after ? item.nextSibling : item);
      renumber();
      dirty = true;
    });
  });
})();
