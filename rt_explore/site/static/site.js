// rt-explore static site: filtering, search and sorting of the entries table, copy buttons.
// Plain JavaScript, no dependencies, no network: the page works from file://. Filters live in the URL
// fragment (entries.html#axis=depth&tokens_per_step=gt1) so that a Table-1 cell can link to its entries.
(function () {
  "use strict";

  function params() {
    var out = {};
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) return out;
    hash.split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i < 1) return;
      try {
        out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1).replace(/\+/g, " "));
      } catch (e) { /* a malformed fragment is ignored */ }
    });
    return out;
  }

  function setupTable() {
    var form = document.getElementById("filters");
    var table = document.getElementById("entries");
    if (!form || !table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = document.getElementById("count");
    var none = document.getElementById("none");
    var controls = Array.prototype.slice.call(form.querySelectorAll("select, input"));

    function state() {
      var s = {};
      controls.forEach(function (c) { if (c.value) s[c.name] = c.value; });
      return s;
    }

    function apply() {
      var s = state();
      var words = (s.q || "").toLowerCase().split(/\s+/).filter(Boolean);
      var from = s.from ? parseInt(s.from, 10) : null;
      var to = s.to ? parseInt(s.to, 10) : null;
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        controls.forEach(function (c) {
          var dim = c.getAttribute("data-dimension");
          if (ok && dim && c.value && row.getAttribute("data-" + dim) !== c.value) ok = false;
        });
        if (ok && s.tag && row.getAttribute("data-tags").indexOf(" " + s.tag + " ") < 0) ok = false;
        var year = parseInt(row.getAttribute("data-year"), 10);
        if (ok && from !== null && year < from) ok = false;
        if (ok && to !== null && year > to) ok = false;
        if (ok && words.length) {
          var text = row.getAttribute("data-search");
          ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        }
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " entries";
      none.hidden = shown > 0;
      var hash = Object.keys(s).map(function (k) {
        return encodeURIComponent(k) + "=" + encodeURIComponent(s[k]);
      }).join("&");
      if (hash !== window.location.hash.replace(/^#/, "")) {
        history.replaceState(null, "", hash ? "#" + hash : window.location.pathname + window.location.search);
      }
    }

    function load() {
      var p = params();
      var more = document.getElementById("more-filters");
      controls.forEach(function (c) {
        var value = p[c.name] || "";
        if (c.tagName === "SELECT" && value && !c.querySelector('option[value="' + CSS.escape(value) + '"]')) value = "";
        c.value = value;
        // A filter set from the link but folded away would hide rows for no visible reason: unfold it.
        if (value && more && more.contains(c)) more.open = true;
      });
      apply();
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    window.addEventListener("hashchange", load);
    setupSort(table, rows);
    var more = document.getElementById("more-filters");
    if (more && window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) more.open = true;
    load();
  }

  function setupSort(table, rows) {
    var body = table.tBodies[0];
    Array.prototype.forEach.call(table.querySelectorAll("th button[data-sort]"), function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-sort");
        var numeric = button.hasAttribute("data-numeric");
        var dir = button.getAttribute("data-dir") === "asc" ? "desc" : "asc";
        Array.prototype.forEach.call(table.querySelectorAll("th button[data-sort]"), function (b) {
          b.removeAttribute("data-dir");
          b.parentNode.removeAttribute("aria-sort");
        });
        button.setAttribute("data-dir", dir);
        button.parentNode.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
        function value(row) {
          var cell = row.querySelector('td[data-key="' + key + '"]');
          var text = cell ? cell.textContent.trim() : "";
          return numeric ? parseFloat(text) || 0 : text.toLowerCase();
        }
        var sorted = rows.slice().sort(function (a, b) {
          var x = value(a), y = value(b);
          var c = x < y ? -1 : x > y ? 1 : 0;
          return dir === "asc" ? c : -c;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function setupCopy() {
    Array.prototype.forEach.call(document.querySelectorAll(".copyable button.copy"), function (button) {
      button.addEventListener("click", function () {
        var code = button.parentNode.querySelector("pre");
        var text = code ? code.textContent : "";
        function done(ok) {
          button.textContent = ok ? "Copied" : "Select and copy";
          window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
        }
        function fallback() {
          var range = document.createRange();
          range.selectNodeContents(code);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          var ok = false;
          try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
          done(ok);
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTable();
    setupCopy();
  });
})();
