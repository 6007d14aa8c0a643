// Steward's few behaviours on top of htmx: dialogs, local times, dismissible messages, pickers,
// fields shown for one value of another.
// No inline scripts anywhere (the pages' CSP forbids them); htmx is configured by a meta tag.
(function () {
  "use strict";
  var opener = null;

  function localTimes(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      t.title = t.getAttribute("datetime");
      t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    });
  }

  function dialog() { return document.getElementById("dialog"); }

  document.addEventListener("htmx:beforeRequest", function (e) {
    var t = e.detail.target;
    if (t && t.id === "dialog-body" && !(dialog() && dialog().open)) opener = document.activeElement;
  });

  // A part of a form shown only for one value of another field: data-show-when="field=value"
  // (a user's groups, for "Selected groups"). Without script it stays visible.
  function showWhen(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var kv = el.getAttribute("data-show-when").split("=");
      var form = el.closest("form");
      var input = form && form.elements[kv[0]];
      if (input) el.hidden = input.value !== kv[1];
    });
  }
  document.addEventListener("change", function (e) { if (e.target.form) showWhen(e.target.form); });

  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail.target;
    localTimes(t);
    showWhen(t);
    if (t && t.id === "dialog-body") {
      var d = dialog();
      if (d && !d.open) d.showModal();
      var f = t.querySelector("[aria-invalid=true]") ||
        t.querySelector("input:not([type=hidden]), select, textarea");
      if (f) f.focus();
    }
    if (t && t.id === "panel") {
      var p = t.querySelector(".panel-inner");
      if (p && !(dialog() && dialog().open) && !t.contains(document.activeElement)) p.focus();
    }
  });

  document.addEventListener("closeDialog", function () {
    var d = dialog();
    if (d && d.open) d.close();
  });

  document.addEventListener("close", function (e) {
    if (e.target.id !== "dialog") return;
    document.getElementById("dialog-body").textContent = "";
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }, true);

  document.addEventListener("click", function (e) {
    var c = e.target.closest("[data-close-dialog]");
    if (c) { var d = c.closest("dialog"); if (d) d.close(); return; }
    var cp = e.target.closest("[data-copy]");
    if (cp) { copy(cp); return; }
    var pk = e.target.closest("[data-pick]");
    if (pk) { pick(pk); return; }
    var x = e.target.closest("[data-dismiss]");
    if (x) { var m = x.closest(".flash"); if (m) m.remove(); }
  });

  // The copy button of a new API key's secret.
  function copy(b) {
    var src = document.querySelector(b.getAttribute("data-copy"));
    if (!src) return;
    var label = b.querySelector("span") || b;
    var done = function () { label.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(src.textContent).then(done, function () { select(src); label.textContent = "Press Ctrl+C"; });
    } else { select(src); label.textContent = "Press Ctrl+C"; }
  }
  function select(el) {
    var r = document.createRange(); r.selectNodeContents(el);
    var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
  }

  // A picker's choice: the hidden input takes its id, the line above the search its name.
  function pick(b) {
    var box = b.closest("[data-picker]");
    if (!box) return;
    box.querySelector("[data-pick-value]").value = b.getAttribute("data-pick");
    var chosen = box.querySelector("[data-pick-chosen]");
    chosen.textContent = "";
    var name = document.createElement("span");
    name.textContent = b.getAttribute("data-pick-name");
    if (!b.getAttribute("data-pick")) name.className = "muted";
    chosen.appendChild(name);
    if (b.hasAttribute("data-pick-archived")) {
      var badge = document.createElement("span");
      badge.className = "badge badge-archived";
      badge.textContent = "Archived";
      chosen.appendChild(document.createTextNode(" "));
      chosen.appendChild(badge);
    }
    var s = box.querySelector("input[type=search]");
    box.querySelector(".picker-options").textContent = "";
    if (s) { s.value = ""; s.focus(); }
  }

  // Enter in a picker's search does not submit the dialog; Arrow keys walk its choices.
  document.addEventListener("keydown", function (e) {
    var box = e.target.closest && e.target.closest("[data-picker]");
    if (!box) return;
    var opts = [].slice.call(box.querySelectorAll("[data-pick]"));
    if (e.key === "Enter" && e.target.matches("input[type=search]")) {
      e.preventDefault();
      if (opts.length === 1 || (opts.length > 1 && !e.target.value)) return;
      if (opts.length) opts[0].focus();
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && opts.length) {
      e.preventDefault();
      var i = opts.indexOf(document.activeElement);
      i = e.key === "ArrowDown" ? Math.min(i + 1, opts.length - 1) : i - 1;
      if (i < 0) box.querySelector("input[type=search]").focus(); else opts[i].focus();
    }
  });

  // The header's menus (Settings, the user's): one open at a time; a click elsewhere or
  // Escape closes them.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (m) { if (m !== except) m.removeAttribute("open"); });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details.menu") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.querySelector("details.menu[open]")) closeMenus(null);
  });

  // A click on the dialog's backdrop closes it, as Escape does.
  document.addEventListener("mousedown", function (e) {
    var d = dialog();
    if (d && d.open && e.target === d) d.close();
  });

  // The viewer's time zone, for the dates the audit log's filters take (times are shown in
  // it by localTimes already).
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; SameSite=Lax";
  } catch (err) { /* an old browser: dates are UTC days */ }

  localTimes(document);
  showWhen(document);
})();
