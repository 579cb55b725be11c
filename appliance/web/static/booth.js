/* Booth screen: live verdicts over server-sent events, hit card, dispositions, manual entry. */
"use strict";
(function () {
  var root = document.getElementById("booth");
  if (!root) { return; }
  var el = App.el, clear = App.clear;
  var lane = root.dataset.lane, canApprove = root.dataset.canApprove === "yes";
  var current = null, seen = {}, recent = [];
  var me = (document.getElementById("who") || { dataset: {} }).dataset.name;
  var WORDS = { CLEAR: "CLEAR", HIT: "HIT", POSSIBLE_MATCH: "POSSIBLE MATCH", DOCUMENT_INVALID: "DOCUMENT INVALID", READ_ERROR: "READ ERROR" };
  var FIELDS = [["surname", "Surname"], ["given_names", "Given names"], ["document_number", "Document number"],
    ["document_code", "Document type"], ["issuing_state", "Issuing state"], ["nationality", "Nationality"],
    ["birth_date", "Date of birth"], ["sex", "Sex"], ["expiry_date", "Expiry date"], ["format", "MRZ format"]];

  function $(id) { return document.getElementById(id); }

  /* ---- verdict ---- */
  /* A live verdict must never take the keyboard from an officer who is typing (manual MRZ, a
     file field): keys typed then would be lost or, worse, read as the C/F/H shortcuts. The
     verdict is announced through aria-live either way; it takes focus only when nobody types or
     when the officer asked for it (manual entry, image, a recent scan). */
  function typing() {
    var a = document.activeElement;
    return !!a && (a.tagName === "TEXTAREA" || a.tagName === "INPUT" || a.tagName === "SELECT");
  }

  function render(scan, takeFocus) {
    current = scan;
    var box = $("verdict"), word = WORDS[scan.decision] || scan.decision;
    box.className = "verdict";
    void box.offsetWidth; /* restart the HIT animation for a new scan */
    box.className = "verdict v-" + String(scan.decision || "unknown").toLowerCase().replace(/_/g, "-");
    box.dataset.scanId = scan.id;
    box.dataset.decision = scan.decision;
    $("verdict-word").textContent = word;
    var meta = "Scan " + scan.id + " · " + App.fmtTime(scan.created_at) + " · " + (scan.source || "") +
      (scan.elapsed_ms !== undefined && scan.elapsed_ms !== null ? " · screened in " + Math.round(scan.elapsed_ms) + " ms" : "");
    if (scan.stale) { meta += " · a list is out of date"; }
    $("verdict-meta").textContent = meta;
    var reasons = clear($("reasons"));
    var list = scan.reasons || [], digitFailed = list.some(function (r) { return String(r).indexOf("check_digit_failed:") === 0; });
    list.forEach(function (r) {
      /* "invalid: X check digit does not match" only repeats "Wrong check digit: X" */
      if (digitFailed && /^invalid:.*check digit/.test(String(r))) { return; }
      reasons.appendChild(el("li", { text: App.reasonText(r) }));
    });
    var matches = scan.matches || [];
    if (matches.length) {
      reasons.appendChild(el("li", { text: matches.length + " match" + (matches.length > 1 ? "es" : "") + ": " +
        matches.map(function (m) { return (m.list || m.list_name || "list") + (m.score !== undefined ? " (" + Math.round(m.score * 100) + "%)" : "") + (m.suppressed ? " suppressed" : ""); }).join(", ") }));
    }
    var needs = scan.decision === "HIT" || scan.decision === "POSSIBLE_MATCH";
    $("actions").hidden = !needs;
    $("disposition-state").textContent = (scan.dispositions && scan.dispositions.length) ? "Recorded: " + scan.dispositions.map(function (d) { return d.action.replace("_", " "); }).join(", ") : "";
    renderFields(scan.document);
    if (takeFocus || !typing()) { box.focus({ preventScroll: true }); }
  }

  function renderFields(doc) {
    var body = clear($("fields").tBodies[0]);
    if (!doc) { body.appendChild(el("tr", {}, el("td", { colspan: 2, text: "No document fields could be read." }))); return; }
    var checks = doc.checks || {};
    FIELDS.forEach(function (f) {
      var v = doc[f[0]];
      if (typeof v === "string") { v = v.replace(/<+$/, ""); }
      if (v === undefined || v === null || v === "") { return; }
      var c = checks[f[0]];
      var mark = c === undefined ? "" : (c === true || (c && c.ok) ? " ✓" : (c === false || (c && c.ok === false) ? " ✗ check digit" : ""));
      body.appendChild(el("tr", {}, el("th", { text: f[1] }), el("td", { text: String(v) + mark, "data-field": f[0] })));
    });
    if (doc.valid === false) {
      body.appendChild(el("tr", { class: "bad" }, el("th", { text: "MRZ" }), el("td", { text: (doc.errors || []).map(App.reasonText).join("; ") || "does not validate" })));
    }
  }

  function remember(scan) {
    if (seen[scan.id]) { return false; }
    seen[scan.id] = true;
    recent.unshift(scan);
    recent = recent.slice(0, 8);
    var list = clear($("recent"));
    recent.forEach(function (s) {
      list.appendChild(el("li", {}, el("button", { type: "button", class: "link v-text-" + String(s.decision).toLowerCase().replace(/_/g, "-"),
        onclick: function () { showScan(s.id, false); },
        text: App.fmtTime(s.created_at) + "  " + (WORDS[s.decision] || s.decision) + "  #" + s.id })));
    });
    return true;
  }

  /* ---- live events ---- */
  var source = null;
  function connect() {
    if (source) { source.close(); }
    var last = recent.length ? recent[0].id : 0;
    source = new EventSource("/api/v1/lanes/" + encodeURIComponent(lane) + "/events" + (last ? "?after=" + last : ""));
    source.onopen = function () { $("live-state").textContent = "live"; $("live-state").className = "live ok"; };
    source.onerror = function () {
      $("live-state").textContent = "reconnecting…"; $("live-state").className = "live bad";
      /* the browser retries a dropped connection by itself, but gives up for good after an HTTP
         error (service restarted, session ended): then check the session and open a new stream
         that replays what was missed */
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        setTimeout(function () {
          App.api("GET", "/lanes").then(function (d) { if (d._ok && !source) { connect(); } else if (!source) { setTimeout(connect, 5000); } });
        }, 3000);
      }
    };
    source.onmessage = function (ev) {
      var scan;
      try { scan = JSON.parse(ev.data); } catch (e) { return; }
      if (remember(scan)) { show(scan); }
    };
  }

  /* A scan that arrives while the officer is in the hit card or the false-positive dialog waits
     until the dialog closes, so what the officer is deciding about never changes under them. */
  var waiting = null;
  function show(scan) {
    if (document.querySelector("dialog[open]")) { waiting = scan; return; }
    render(scan);
  }
  function showWaiting() {
    if (waiting && !document.querySelector("dialog[open]")) { var s = waiting; waiting = null; render(s); }
  }

  function loadRecent() {
    return App.api("GET", "/scans?lane=" + encodeURIComponent(lane) + "&limit=8").then(function (d) {
      if (!d._ok) { return; }
      (d.scans || []).slice().reverse().forEach(remember);
    });
  }

  function pollReader() {
    App.api("GET", "/lanes").then(function (d) {
      if (!d._ok) { return; }
      var info = (d.lanes || []).filter(function (l) { return l.name === lane; })[0], node = $("reader-state"), alert = $("reader-alert");
      if (!info || info.state === "unknown") { node.textContent = "reader: not reporting"; node.className = "reader"; alert.hidden = true; return; }
      var state = info.silent ? "silent" : info.state;
      node.textContent = "reader: " + state;
      node.className = "reader " + (state === "connected" ? "ok" : "bad");
      /* the fallback must be obvious when the reader fails, not a word in the top bar */
      alert.hidden = state === "connected";
      if (state !== "connected") {
        alert.textContent = (state === "silent" ? "The reader of this lane has not reported for a while" : "The reader of this lane is " + state) +
          (info.detail && state !== "silent" ? " (" + info.detail + ")" : "") + ". Type the MRZ (key M) or upload a photo of the document.";
      }
    });
  }

  /* ---- hit card ---- */
  var FEATURE_NAMES = { date_of_birth: "Date of birth", nationality: "Nationality", sex: "Sex", document_number: "Document number" };
  function evidenceRows(m, doc) {
    var ev = m.evidence || {}, rows = [];
    function row(feature, traveller, listed, outcome, detail) {
      rows.push(el("tr", { class: "ev-" + String(outcome || "").toLowerCase().replace(/[^a-z]+/g, "-") },
        el("th", { text: feature }), el("td", { text: fmtVal(traveller) }), el("td", { text: fmtVal(listed) }),
        el("td", { text: String(outcome || "—").replace(/_/g, " ") + (detail ? " " + detail : "") })));
    }
    if (m.kind === "document") {
      row("Document number", doc.document_number, ev.document_number, "listed", "");
      row("Issuing state", doc.issuing_state, ev.issuing_state, ev.issuing_state && ev.issuing_state === doc.issuing_state ? "same" : "", "");
      row("Status on the list", "", String(ev.status || "").replace(/_/g, " "), ev.status ? "listed" : "", "");
      return rows;
    }
    if (ev.name) {
      var travellerName = [doc.surname, doc.given_names].filter(Boolean).join(", ");
      row("Name", travellerName, m.matched_name, ev.name.score >= 0.9 ? "match" : "similar",
        "(similarity " + Number(ev.name.score).toFixed(2) + (typeof ev.surname === "number" ? ", surname " + ev.surname.toFixed(2) : "") +
        (typeof ev.given_names === "number" ? ", given names " + ev.given_names.toFixed(2) : "") + ")" +
        (ev.name.rules && ev.name.rules.length ? " · " + ev.name.rules.join(", ").replace(/_/g, " ") : ""));
    }
    Object.keys(FEATURE_NAMES).forEach(function (k) {
      var e = ev[k];
      if (!e || typeof e !== "object") { return; }
      var adj = e.adjustment ? "(" + (e.adjustment > 0 ? "+" : "") + Number(e.adjustment).toFixed(2) + ")" : "";
      row(FEATURE_NAMES[k], e.query, e.listed, e.result, adj + (e.century_ambiguous ? " century ambiguous" : ""));
    });
    return rows;
  }

  function fmtVal(v) {
    if (v === undefined || v === null || v === "") { return "—"; }
    if (Array.isArray(v)) { return v.length ? v.map(fmtVal).join("; ") : "—"; }
    if (typeof v === "object") { return Object.keys(v).map(function (k) { return k + ": " + fmtVal(v[k]); }).join(", "); }
    return String(v);
  }

  function entryTable(m) {
    var ev = m.evidence || {}, rows = [];
    function add(label, v) { rows.push(el("tr", {}, el("th", { text: label }), el("td", { text: fmtVal(v) }))); }
    if (m.kind === "document") {
      add("Document number", ev.document_number); add("Issuing state", ev.issuing_state); add("Type", ev.document_type);
      add("Status", String(ev.status || "").replace(/_/g, " ")); add("Reference", m.entry_id);
    } else {
      add("Name", m.matched_name); add("Dates of birth", (ev.date_of_birth || {}).listed); add("Nationalities", (ev.nationality || {}).listed);
      add("Sex", (ev.sex || {}).listed); add("Documents", (ev.document_number || {}).listed); add("Entry", m.entry_id);
    }
    return el("table", { class: "entry" }, el("tbody", {}, rows));
  }

  function listAge(d, name) {
    var info = (d.lists || []).filter(function (l) { return l.name === name; })[0];
    if (info && info.age_seconds !== undefined && info.age_seconds !== null) { return { version: info.version, age_hours: info.age_seconds / 3600 }; }
    return (d.list_ages || {})[name] || {};
  }

  function openHitcard() {
    if (!current) { return; }
    var dlg = $("hitcard"), body = clear($("hitcard-body"));
    body.appendChild(el("p", { text: "Loading…" }));
    if (!dlg.open) { dlg.showModal(); }
    App.api("GET", "/scans/" + current.id + "/hitcard").then(function (d) {
      clear(body);
      if (!d._ok) { body.appendChild(el("p", { class: "error", text: d.message || "cannot open the hit card" })); return; }
      var doc = d.document || {};
      body.appendChild(el("p", { class: "verdict-line v-text-" + String(d.decision).toLowerCase().replace(/_/g, "-"), text: (WORDS[d.decision] || d.decision) + " · scan " + d.id + " · " + App.fmtTime(d.created_at) }));
      (d.matches || []).forEach(function (m, i) {
        var listName = m.list || m.list_name || "list", age = listAge(d, listName);
        var card = el("section", { class: "match" + (m.suppressed ? " suppressed" : "") },
          el("h3", { text: "Match " + (i + 1) + ": " + listName + (m.kind ? " (" + m.kind + ")" : "") +
            (m.score !== undefined ? " · score " + Number(m.score).toFixed(2) : "") }),
          el("p", { class: "note", text: "List " + listName + (age.version ? " version " + age.version : "") + ", " + App.fmtAge(age.age_hours) + (age.stale ? " (STALE)" : "") +
            (m.suppressed ? " · suppressed as a false positive until " + m.suppressed.expires_at : "") }));
        var side = el("div", { class: "side-by-side" },
          el("div", { class: "who-box" }, el("h4", { text: "Traveller (document)" }), el("table", {}, el("tbody", {}, FIELDS.filter(function (f) { return doc[f[0]]; }).map(function (f) {
            return el("tr", {}, el("th", { text: f[1] }), el("td", { text: String(doc[f[0]]).replace(/<+$/, "") }));
          })))),
          el("div", { class: "who-box listed" }, el("h4", { text: m.kind !== "document" ? "Listed entry" : ((m.evidence || {}).status === "listed_person" ? "Document of a listed person" : "Lost/stolen document record") }), entryTable(m)));
        card.appendChild(side);
        var rows = evidenceRows(m, doc);
        if (rows.length) {
          card.appendChild(el("table", { class: "evidence" }, el("thead", {}, el("tr", {}, el("th", { text: "Feature" }), el("th", { text: "Traveller" }), el("th", { text: "Listed" }), el("th", { text: "Evidence" }))), el("tbody", {}, rows)));
        }
        body.appendChild(card);
      });
      if (!(d.matches || []).length) { body.appendChild(el("p", { text: "No list entry matched this document." })); }
      $("hitcard-close").focus();
    });
  }

  /* ---- dispositions ---- */
  function dispose(payload, scan) {
    scan = scan || current;
    if (!scan) { return Promise.resolve(); }
    var state = $("disposition-state");
    state.className = "note";
    state.textContent = "Saving…";
    return App.api("POST", "/scans/" + scan.id + "/disposition", payload).then(function (d) {
      if (current !== scan) { return; }
      if (!d._ok) { state.textContent = "Not saved: " + (d.message || d.error); state.className = "note bad"; return; }
      state.className = "note ok";
      state.textContent = "Recorded for scan " + scan.id + ": " + d.action.replace("_", " ") + (d.referred ? ", referred to secondary" : "") +
        (d.suppressions && d.suppressions.length ? "; suppression asked of a supervisor" : "");
      scan.dispositions = (scan.dispositions || []).concat([d]);
      if (canApprove) { loadSuppressions(); }
    });
  }

  /* Only a watchlist match can be suppressed; a listed lost or stolen document never is. */
  function hasWatchlistMatch(scan) {
    return (scan.matches || []).some(function (m) { return m.kind !== "document" && !m.suppressed; });
  }

  $("btn-hitcard").addEventListener("click", openHitcard);
  $("btn-confirm").addEventListener("click", function () { dispose({ action: "confirmed", referred: true }); });
  var fpScan = null;
  $("btn-fp").addEventListener("click", function () {
    if (!current) { return; }
    fpScan = current;
    $("fp-title").textContent = "False positive · scan " + fpScan.id;
    $("fp-reason").value = "";
    var canSuppress = hasWatchlistMatch(fpScan);
    $("fp-suppress-row").hidden = !canSuppress;
    $("fp-suppress").checked = false;
    $("fp-dialog").showModal(); $("fp-reason").focus();
  });
  $("fp-cancel").addEventListener("click", function () { $("fp-dialog").close(); });
  $("fp-dialog").addEventListener("close", showWaiting);
  $("hitcard").addEventListener("close", showWaiting);
  $("fp-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var reason = $("fp-reason").value.trim();
    if (!reason) { $("fp-reason").focus(); return; }
    var payload = { action: "false_positive", reason: reason, referred: false };
    if ($("fp-suppress").checked && !$("fp-suppress-row").hidden) { payload.suppress_days = parseInt($("fp-days").value, 10) || 1; }
    var scan = fpScan;
    $("fp-dialog").close();
    dispose(payload, scan);
  });

  /* ---- supervisor: suppressions ---- */
  function loadSuppressions() {
    var list = $("suppressions");
    if (!list) { return; }
    App.api("GET", "/suppressions?status=pending").then(function (d) {
      clear(list);
      var items = d.suppressions || [];
      if (!items.length) { list.appendChild(el("li", { class: "note", text: "None waiting." })); }
      items.forEach(function (s) {
        list.appendChild(el("li", {}, el("span", { text: "#" + s.id + " scan " + s.scan_id + " · " + s.list_name + " · " + s.days + " d · by " + s.requested_by + ": " + s.reason + " " }),
          el("button", { type: "button", text: "Show scan", "data-scan": s.scan_id, onclick: function () { showScan(s.scan_id, true); } }),
          s.requested_by === me ? el("span", { class: "note", text: "your own request: another supervisor decides" }) :
            [el("button", { type: "button", text: "Approve", onclick: function () { decide(s.id, true); } }),
             el("button", { type: "button", text: "Reject", onclick: function () { decide(s.id, false); } })]));
      });
    });
  }
  function showScan(id, withHitcard) {
    return App.api("GET", "/scans/" + id).then(function (d) {
      if (!d._ok) { return; }
      render(d, true);
      if (withHitcard && (d.matches || []).length) { openHitcard(); }
    });
  }
  function decide(id, approve) {
    App.api("POST", "/suppressions/" + id + "/decision", { approve: approve }).then(function (d) {
      if (!d._ok) { alert(d.message || d.error); }
      loadSuppressions();
    });
  }

  /* ---- manual entry ---- */
  var input = $("mrz-input"), feedback = $("mrz-feedback");
  function showCheck() {
    var r = MRZCheck.check(input.value);
    clear(feedback);
    feedback.dataset.valid = r.valid ? "yes" : "no";
    if (!r.format) { feedback.appendChild(el("span", { class: "note", text: "Type the MRZ lines." })); return r; }
    feedback.appendChild(el("div", { class: "fmt", text: r.format + " · " + r.lines.map(function (l, i) { return "line " + (i + 1) + ": " + l.length + "/" + l.expected; }).join(" · ") }));
    r.lines.forEach(function (l, i) {
      if (l.badChars.length) { feedback.appendChild(el("div", { class: "chk bad", text: "line " + (i + 1) + ": character " + (l.badChars[0] + 1) + " is not allowed in an MRZ" })); }
      if (l.length > l.expected) { feedback.appendChild(el("div", { class: "chk bad", text: "line " + (i + 1) + " is " + (l.length - l.expected) + " too long" })); }
    });
    var ul = el("ul", { class: "checks" });
    r.checks.forEach(function (c) {
      var text = c.name + ": " + (c.state === "ok" ? "✓ " + c.got : c.state === "bad" ? "✗ is " + c.got + ", should be " + c.expected : "…");
      ul.appendChild(el("li", { class: "chk " + c.state, "data-check": c.name, text: text }));
    });
    feedback.appendChild(ul);
    if (r.valid) { feedback.appendChild(el("div", { class: "chk ok summary", text: "All check digits are right." })); }
    return r;
  }
  input.addEventListener("input", showCheck);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); $("manual").requestSubmit(); }
  });
  $("mrz-clear").addEventListener("click", function () { input.value = ""; showCheck(); input.focus(); });
  $("manual").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var r = showCheck();
    if (!r.format) { input.focus(); return; }
    if (!r.complete) {
      /* an unfinished MRZ would only be stored as a READ ERROR; say what is missing instead */
      var short = r.lines.map(function (l, i) { return l.length === l.expected ? null : "line " + (i + 1) + " has " + l.length + " of " + l.expected + " characters"; }).filter(Boolean);
      feedback.appendChild(el("div", { class: "chk bad", id: "mrz-incomplete", role: "alert", text: "Not screened: " + short.join(", ") + " (fill with <)." }));
      input.focus();
      return;
    }
    var rid = "manual-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    App.api("POST", "/scans", { lane: lane, mrz: r.text || input.value, source: "manual", read_id: rid }).then(function (d) {
      if (!d._ok) { feedback.appendChild(el("div", { class: "chk bad", text: d.message || d.error })); return; }
      remember(d);  /* the live event may have shown it already: show it again, now with the focus */
      render(d, true);
    });
  });

  /* ---- image ---- */
  $("image-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("image-input").files[0], state = $("image-state");
    if (!file) { state.textContent = "Choose an image first."; return; }
    var fd = new FormData();
    fd.append("lane", lane);
    fd.append("image", file);
    state.textContent = "Reading…";
    App.api("POST", "/scans/image", fd).then(function (d) {
      if (d._ok) { state.textContent = "Read: scan " + d.id + " · " + (WORDS[d.decision] || d.decision); remember(d); render(d, true); return; }
      state.textContent = d.message || d.error;
      if (d.best_guess) { input.value = d.best_guess; showCheck(); input.focus(); }
    });
  });

  /* ---- keyboard ---- */
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT");
    if (typing || ev.ctrlKey || ev.altKey || ev.metaKey || document.querySelector("dialog[open]")) { return; }
    var k = ev.key.toLowerCase();
    var needs = current && (current.decision === "HIT" || current.decision === "POSSIBLE_MATCH");
    if (k === "h" && needs) { ev.preventDefault(); openHitcard(); }
    else if (k === "c" && needs) { ev.preventDefault(); $("btn-confirm").click(); }
    else if (k === "f" && needs) { ev.preventDefault(); $("btn-fp").click(); }
    else if (k === "m") { ev.preventDefault(); input.focus(); }
  });

  loadRecent().then(connect);
  pollReader();
  setInterval(pollReader, 10000);
  if (canApprove) { loadSuppressions(); setInterval(loadSuppressions, 15000); }
  showCheck();
})();
