// Annex: a few lines of progressive enhancement. Every page works without them.
(function () {
  "use strict";
  // "/" focuses the global search, unless typing in a field.
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      var s = document.getElementById("global-search");
      if (s) { e.preventDefault(); s.focus(); }
    }
  });
  // Rows with data-href open their record when clicked outside a link.
  document.addEventListener("click", function (e) {
    var row = e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a, button, input, select, label, td.pick")) { window.location = row.dataset.href; }
  });
  // The SoA's bulk form: a box that ticks every control shown, and a count on the button.
  var all = document.getElementById("select-all");
  if (all) {
    var boxes = document.querySelectorAll("#bulk input[name=controls]");
    var apply = document.querySelector("#bulk button[type=submit]");
    var label = apply ? apply.textContent : "";
    var update = function () {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) n++; });
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      if (apply) apply.textContent = n ? label + " (" + n + ")" : label;
    };
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  }
  // Pickers: a field with data-suggest offers matching records as you type (from
  // /suggest/KIND); with data-multiple, the words after the last comma, keeping the rest.
  // Without this script the field takes typed ids and names as before.
  document.querySelectorAll("input[data-suggest]").forEach(function (input, n) {
    var list = document.createElement("datalist");
    list.id = "suggest-" + (input.id || n);
    input.after(list);
    input.setAttribute("list", list.id);
    var timer = null, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value, head = "", word = value;
        if (input.hasAttribute("data-multiple")) {
          var cut = value.lastIndexOf(",");
          if (cut >= 0) { head = value.slice(0, cut + 1) + " "; word = value.slice(cut + 1); }
        }
        word = word.trim();
        if (word.length < 1) { list.replaceChildren(); return; }
        var mine = ++seq;
        var params = new URLSearchParams({ q: word });
        if (input.dataset.framework) params.set("framework", input.dataset.framework);
        fetch("/suggest/" + input.dataset.suggest + "?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (mine !== seq) return;
            list.replaceChildren.apply(list, items.map(function (it) {
              var o = document.createElement("option");
              o.value = head.replace(/\s+$/, " ") + it.value;
              o.label = it.label;
              o.textContent = it.label;
              return o;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  });
  // Uploads and imports that take longer than a second say that they are working, and for
  // how long, until the next page arrives.
  document.querySelectorAll("form[enctype='multipart/form-data'], form[data-slow]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var started = Date.now();
      setTimeout(function tick() {
        var note = f.querySelector(".working");
        if (!note) {
          note = document.createElement("p");
          note.className = "working";
          note.setAttribute("role", "status");
          note.innerHTML = "<progress></progress> <span></span>";
          f.appendChild(note);
        }
        var secs = Math.round((Date.now() - started) / 1000);
        note.querySelector("span").textContent = "Sending and checking the file… " + secs + " s";
        setTimeout(tick, 1000);
      }, 1000);
    });
  });
  // "Go back" links on error pages.
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
  });
  // Live preview of a document's text: the form is sent as "Preview" (nothing is saved) and
  // the page's rendered preview replaces the one shown, a moment after typing stops.
  document.querySelectorAll("textarea[data-preview]").forEach(function (area) {
    var target = document.getElementById(area.dataset.preview);
    var pform = area.form;
    if (!target || !pform) return;
    var wait = null, sent = 0;
    area.addEventListener("input", function () {
      clearTimeout(wait);
      wait = setTimeout(function () {
        var data = new FormData(pform);
        data.set("action", "preview");
        var mine = ++sent;
        fetch(pform.action, { method: "POST", body: new URLSearchParams(data), headers: { "Accept": "text/html" }, credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            if (mine !== sent) return;
            var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(area.dataset.preview);
            if (fresh) target.innerHTML = fresh.innerHTML;
          })
          .catch(function () {});
      }, 500);
    });
  });
  // Live filters: the catalogue updates as filters change, and the URL follows.
  var form = document.querySelector("form[data-live]");
  if (!form) return;
  form.querySelectorAll("[data-hide-live]").forEach(function (b) { b.hidden = true; });
  var timer = null, seq = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var url = form.action + "?" + params.toString();
    var mine = ++seq;
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== seq) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("catalogue");
        var current = document.getElementById("catalogue");
        if (!fresh || !current) { window.location = url; return; }
        var focusedId = document.activeElement && document.activeElement.id;
        var focusedValue = document.activeElement && document.activeElement.value;
        var caret = document.activeElement && document.activeElement.selectionStart;
        current.querySelector(".results").replaceWith(fresh.querySelector(".results"));
        // Update facet counts and states without losing the user's place in the form.
        fresh.querySelectorAll("form[data-live] label.check").forEach(function (lbl, i) {
          var mineLbl = current.querySelectorAll("form[data-live] label.check")[i];
          if (mineLbl) { mineLbl.className = lbl.className; mineLbl.querySelector(".count").textContent = lbl.querySelector(".count").textContent; }
        });
        var freshTheme = fresh.querySelector("#theme"), theme = current.querySelector("#theme");
        if (freshTheme && theme && theme.options.length === freshTheme.options.length) {
          for (var i = 0; i < theme.options.length; i++) theme.options[i].textContent = freshTheme.options[i].textContent;
        }
        history.replaceState(null, "", url.replace(form.action, "/controls"));
        if (focusedId) {
          var el = document.getElementById(focusedId);
          if (el && el.value === focusedValue && typeof caret === "number" && el.setSelectionRange) { try { el.setSelectionRange(caret, caret); } catch (_) {} }
        }
      })
      .catch(function () { form.submit(); });
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "framework") { form.submit(); return; }
    refresh();
  });
  form.addEventListener("input", function (e) {
    if (e.target.type !== "search") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });
  form.addEventListener("submit", function (e) {
    if (document.activeElement && document.activeElement.name === "framework") return;
    e.preventDefault(); refresh();
  });
})();
