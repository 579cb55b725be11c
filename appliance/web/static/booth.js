/* Booth screen: live verdicts, the truth of now (offline, reader lost), the needs-decision queue,
   bursts of late reads, manual entry and images. Hit card and decisions are in booth-decide.js. */
"use strict";
var Booth = (function () {
  var root = document.getElementById("booth");
  if (!root) { return null; }
  var el = App.el, clear = App.clear;
  var lane = root.dataset.lane, canApprove = root.dataset.canApprove === "yes";
  var LATE_MS = 1000 * (parseInt(root.dataset.lateSeconds, 10) || 10);
  /* the service sends an "alive" event every 0.5 s: three missed in a row and the screen stops vouching for itself */
  var OFFLINE_AFTER_MS = 1500, BURST_MS = 1500, QUEUE_POLL_MS = 5000;
  var WORDS = App.VERDICT_WORDS;
  var NEEDS = { HIT: true, POSSIBLE_MATCH: true, DOCUMENT_INVALID: true };
  var LOST = { disconnected: true, error: true, silent: true, unknown: true };
  var S = { conn: "connecting", lastBeat: 0, openedAt: performance.now(), reader: "unknown", readerLostAt: null,
            current: null, shownAt: 0, previous: false, queue: [], queueTotal: 0, seen: {}, recent: [],
            burst: { scans: [], last: 0 }, waiting: null };
  var actions = {};  /* filled by booth-decide.js: hitcard, confirm, falsePositive */
  function $(id) { return document.getElementById(id); }
  function needsDecision(scan) { return !!scan && NEEDS[scan.decision] === true; }
  function decisionOf(scan) { return (scan.dispositions || []).filter(function (d) { return d.current !== false; }).slice(-1)[0] || null; }
  function undecided(scan) { return needsDecision(scan) && !decisionOf(scan) && !S.decidedIds[scan.id]; }
  function vclass(decision) { return String(decision || "unknown").toLowerCase().replace(/_/g, "-"); }
  function typing() {
    var a = document.activeElement;
    return !!a && (a.tagName === "TEXTAREA" || a.tagName === "INPUT" || a.tagName === "SELECT");
  }
  S.decidedIds = {};

  /* ---- what the verdict area shows: offline > reader lost > verdict > waiting ---- */
  function mode() {
    if (S.conn !== "live" && (S.conn === "offline" || performance.now() - S.openedAt > OFFLINE_AFTER_MS)) { return "offline"; }
    if (S.conn !== "live") { return "connecting"; }
    if (LOST[S.reader] === true) {
      if (!S.current) { return "reader-lost"; }
      return S.readerLostAt !== null && S.shownAt <= S.readerLostAt ? "reader-lost-previous" : "verdict-reader-lost";
    }
    return S.current ? "verdict" : "waiting";
  }

  function paint() {
    var m = mode(), offline = m === "offline" || m === "connecting";
    root.dataset.mode = m;
    $("offline").hidden = !offline;
    $("queue").classList.toggle("gone", offline);
    if (offline) { $("reader-state").textContent = "reader: unknown"; $("reader-state").className = "reader"; S.reader = "unknown-offline"; }
    $("offline").classList.toggle("connecting", m === "connecting");
    $("offline").querySelector(".state-word").textContent = m === "connecting" ? "CONNECTING…" : "NOT CONNECTED";
    $("reader-lost").hidden = m !== "reader-lost" && m !== "reader-lost-previous";
    $("reader-alert").hidden = m !== "verdict-reader-lost";
    $("verdict").hidden = offline || m === "reader-lost";
    var previous = m === "reader-lost-previous";
    $("verdict").classList.toggle("previous", previous);
    $("previous-label").hidden = !previous;
    $("fields").classList.toggle("previous", previous);
    ["decision", "actions", "reasons", "burst"].forEach(function (id) { $(id).classList.toggle("gone", offline || m === "reader-lost" || previous); });
    $("fields").classList.toggle("gone", offline || m === "reader-lost");
    setFormsEnabled(!offline);
    var live = $("live-state");
    live.textContent = m === "offline" ? "NOT CONNECTED" : (m === "connecting" ? "connecting…" : "connected");
    live.className = "live " + (offline ? "bad" : "ok");
    document.body.classList.toggle("is-offline", offline);
    if (m === "waiting") { renderWaiting(); }
  }

  function setFormsEnabled(on) {
    document.querySelectorAll("#manual textarea, #manual button, #image-form input, #image-form button").forEach(function (n) { n.disabled = !on; });
    var note = $("forms-offline");
    if (!on && !note) {
      $("manual").insertBefore(el("p", { id: "forms-offline", class: "note bad", text: "Manual entry needs the screening service: not available while the screen is not connected." }), $("manual").firstChild.nextSibling);
    } else if (on && note) { note.remove(); }
  }

  function renderWaiting() {
    var box = $("verdict");
    box.className = "verdict waiting";
    delete box.dataset.decision; delete box.dataset.scanId;
    $("verdict-word").textContent = "WAITING FOR DOCUMENT";
    $("verdict-meta").textContent = S.reader === "none" ? "This lane has no document reader: type the MRZ (press M) or upload a photo of the document." :
      (S.reconnected ? "Connected again. " : "") + "Present a document to the reader, or type the MRZ (press M).";
    $("verdict-late").hidden = true;
    $("decision").hidden = true; $("actions").hidden = true;
    clear($("reasons")); clear($("fields").tBodies[0]);
  }

  /* ---- the verdict of one scan ---- */
  function render(scan, takeFocus) {
    S.current = scan; S.shownAt = performance.now(); S.reconnected = false;
    var box = $("verdict");
    box.className = "verdict";
    void box.offsetWidth; /* restart the HIT animation for a new scan */
    box.className = "verdict v-" + vclass(scan.decision);
    box.dataset.scanId = scan.id;
    box.dataset.decision = scan.decision;
    $("verdict-word").textContent = WORDS[scan.decision] || scan.decision;
    var meta = "Read " + App.fmtTime(scan.read_at || scan.created_at) + " · scan " + scan.id + " · " + App.sourceText(scan.source) +
      (scan.elapsed_ms !== undefined && scan.elapsed_ms !== null ? " · screened in " + Math.round(scan.elapsed_ms) + " ms" : "");
    if (scan.stale) { meta += " · a list is out of date"; }
    $("verdict-meta").textContent = meta;
    var late = lateBy(scan), lateBox = $("verdict-late");
    lateBox.hidden = late < LATE_MS;
    lateBox.textContent = late >= LATE_MS ? "Read " + App.fmtDuration(late) + " before it reached this screen (read " + App.fmtTime(scan.read_at) +
      ", arrived " + App.fmtTime(scan.delivered_at || scan.created_at) + "): make sure it is the traveller in front of you." : "";
    renderReasons(scan);
    renderDecision(scan);
    renderFields(scan.document);
    renderQueue();
    paint();
    if (takeFocus || !typing()) { box.focus({ preventScroll: true }); }
  }

  function lateBy(scan) {
    var r = Date.parse(scan.read_at || ""), d = Date.parse(scan.delivered_at || scan.created_at || "");
    return isNaN(r) || isNaN(d) ? 0 : d - r;
  }

  function renderReasons(scan) {
    var reasons = clear($("reasons"));
    var list = scan.reasons || [], digitFailed = list.some(function (r) { return String(r).indexOf("check_digit_failed:") === 0; });
    list.forEach(function (r) {
      /* "invalid: X check digit does not match" only repeats "Wrong check digit: X" */
      if (digitFailed && /^invalid:.*check digit/.test(String(r))) { return; }
      reasons.appendChild(el("li", { text: App.reasonText(r) }));
    });
    var matches = scan.matches || [];
    if (matches.length) {
      reasons.appendChild(el("li", { class: "matches-line", text: "Matched: " + matches.map(App.matchText).join("; ") + ". Open the hit card (H)." }));
    }
  }

  /* Button labels and the decision line per kind of decision (see App.decisionKind). */
  var LABELS = {
    match: { c: "onfirm & refer to secondary…", f: "alse positive…", fChange: "alse positive…",
             open: "Needs your decision: open the hit card (H), then confirm and refer (C) or mark a false positive (F)." },
    document: { c: "onfirm: refuse, refer to secondary…", f: "ine: document acceptable…", fChange: "ine: document acceptable…",
                open: "Needs your decision: refuse the document and refer (C), or accept it after your checks (F)." },
    lists: { c: "onfirm: refer to secondary…", f: "ine: let through after checks…", fChange: "ine: let through…",
             open: "No list entry matched, but the lists on this box cannot clear anyone now. Refer (C), or let the traveller through after your checks (F)." }
  };
  function renderDecision(scan) {
    var line = $("decision"), needs = needsDecision(scan), d = decisionOf(scan), kind = App.decisionKind(scan), L = LABELS[kind];
    if (S.stateFor !== scan.id) { $("disposition-state").textContent = ""; S.stateFor = scan.id; }
    $("actions").hidden = !needs;
    $("btn-hitcard").hidden = kind !== "match";
    clear($("btn-confirm")); clear($("btn-fp"));
    App.append($("btn-confirm"), d && d.action === "confirmed" ? "Confirmed and referred ✓" : [d ? "Change to: " : "", el("u", { text: d ? "c" : "C" }), L.c]);
    App.append($("btn-fp"), [d ? "Change to: " : "", el("u", { text: d ? "f" : "F" }), d ? L.fChange : L.f]);
    $("btn-confirm").disabled = !!d && d.action === "confirmed";
    line.hidden = !needs && scan.decision !== "READ_ERROR";
    line.className = "decision " + (d ? "decided" : "open");
    if (scan.decision === "READ_ERROR") {
      line.className = "decision note-only";
      line.textContent = "The document could not be read: scan it again (clean the reader's window, lay it flat), or type the MRZ (press M).";
      return;
    }
    if (d) {
      line.textContent = "Decided by " + d.username + " at " + App.fmtTime(d.created_at) + ": " + App.actionText(d) +
        (d.change_reason ? " (changed: " + d.change_reason + ")" : "") + ".";
    } else if (needs) {
      line.textContent = L.open;
    }
  }

  function renderFields(doc) {
    var body = clear($("fields").tBodies[0]);
    if (!doc) { body.appendChild(el("tr", {}, el("td", { colspan: 2, text: "No document fields could be read." }))); return; }
    var checks = doc.checks || {}, today = new Date().toISOString().slice(0, 10);
    App.FIELDS.forEach(function (f) {
      var v = doc[f[0]];
      if (typeof v === "string") { v = v.replace(/<+$/, ""); }
      if (v === undefined || v === null || v === "") { return; }
      var c = checks[f[0]], notes = [], bad = false;
      if (c === true || (c && c.ok)) { notes.push("check digit right"); }
      else if (c === false || (c && c.ok === false)) { notes.push("CHECK DIGIT WRONG"); bad = true; }
      if (f[0] === "expiry_date" && /^\d{4}-\d{2}-\d{2}$/.test(String(v)) && String(v) < today) { notes.unshift("EXPIRED"); bad = true; }
      body.appendChild(el("tr", { class: bad ? "bad" : "" }, el("th", { text: f[1] }),
        el("td", { "data-field": f[0] }, String(v), notes.length ? el("span", { class: "field-note" + (bad ? " bad" : ""), text: notes.join(" · ") }) : null)));
    });
    if (doc.valid === false) {
      body.appendChild(el("tr", { class: "bad" }, el("th", { text: "MRZ" }), el("td", { text: (doc.errors || []).map(App.reasonText).join("; ") || "does not validate" })));
    }
  }

  /* ---- recent scans and the needs-decision queue ---- */
  function remember(scan) {
    if (S.seen[scan.id]) { return false; }
    S.seen[scan.id] = true;
    S.recent.unshift(scan);
    S.recent.sort(function (a, b) { return b.id - a.id; });
    S.recent = S.recent.slice(0, 8);
    var list = clear($("recent"));
    S.recent.forEach(function (s) {
      list.appendChild(el("li", {}, el("button", { type: "button", class: "link v-text-" + vclass(s.decision),
        onclick: function () { showScan(s.id, false); },
        text: App.fmtTime(s.read_at || s.created_at) + "  " + (WORDS[s.decision] || s.decision) + "  #" + s.id })));
    });
    if (undecided(scan) && !S.queue.some(function (q) { return q.id === scan.id; })) {
      S.queue.push(scan); S.queue.sort(function (a, b) { return a.id - b.id; }); S.queueTotal += 1;
    }
    return true;
  }

  function loadQueue() {
    return App.api("GET", "/lanes/" + encodeURIComponent(lane) + "/queue").then(function (d) {
      if (!d._ok) { return; }
      S.queue = d.scans || []; S.queueTotal = d.total || 0; S.queueLoaded = true;
      (d.decided || []).forEach(function (x) { S.decidedIds[x.scan_id] = x; });
      if (S.current && S.decidedIds[S.current.id] && !decisionOf(S.current)) {
        S.current.dispositions = [S.decidedIds[S.current.id]];  /* decided on another screen */
        renderDecision(S.current);
      }
      renderQueue();
    });
  }

  function renderQueue() {
    var box = $("queue"), list = clear($("queue-list")), n = Math.max(S.queueTotal, S.queue.length);
    var pos = S.current ? S.queue.map(function (q) { return q.id; }).indexOf(S.current.id) : -1;
    /* the scan on screen says by itself that it needs a decision: the list is for the others */
    box.hidden = n === 0 || (n === 1 && pos === 0);
    if (box.hidden) { return; }
    $("queue-count").textContent = String(n);
    $("queue-words").textContent = "waiting for a decision" + (pos >= 0 ? " · on screen: " + (pos + 1) + " of " + n : "");
    $("queue-next").hidden = n < 2 && pos >= 0;
    S.queue.slice(0, 8).forEach(function (q) {
      list.appendChild(el("li", {}, el("button", { type: "button", class: "chip v-" + vclass(q.decision) + (S.current && S.current.id === q.id ? " current" : ""),
        "data-scan": q.id, onclick: function () { showScan(q.id, true); },
        text: (WORDS[q.decision] || q.decision) + " · " + App.fmtTime(q.read_at || q.created_at) + " · #" + q.id })));
    });
    if (S.queue.length > 8) { list.appendChild(el("li", { class: "note", text: "+" + (S.queue.length - 8) + " more" })); }
  }

  $("queue-next").addEventListener("click", function () { nextInQueue(); });
  function nextInQueue() {
    if (!S.queue.length) { return; }
    var ids = S.queue.map(function (q) { return q.id; }), pos = S.current ? ids.indexOf(S.current.id) : -1;
    showScan(ids[(pos + 1) % ids.length], true);
  }

  function decided(scan, disposition) {
    /* a decision was recorded (here): leave the queue, show who decided what */
    S.queue = S.queue.filter(function (q) { return q.id !== scan.id; });
    S.queueTotal = Math.max(0, S.queueTotal - 1);
    S.decidedIds[scan.id] = disposition;
    scan.dispositions = (scan.dispositions || []).map(function (d) { return Object.assign({}, d, { current: false }); }).concat([disposition]);
    var onScreen = S.current && S.current.id === scan.id;
    if (onScreen) { renderDecision(S.current); }
    renderQueue();
    renderBurst();
    return onScreen && advance(scan);
  }

  /* ---- live events ---- */
  var source = null, retryTimer = null;
  function connect() {
    if (source) { source.close(); }
    clearTimeout(retryTimer);
    var last = S.recent.length ? S.recent[0].id : 0;
    source = new EventSource("/api/v1/lanes/" + encodeURIComponent(lane) + "/events?heartbeat=1" + (last ? "&after=" + last : ""));
    source.addEventListener("alive", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      beat();
      setReader(data.reader || {});
    });
    source.onmessage = function (ev) {
      var scan;
      try { scan = JSON.parse(ev.data); } catch (e) { return; }
      beat();
      arrived(scan);
    };
    source.onerror = function () {
      goOffline("The connection to the screening service was lost.");
      if (source && source.readyState === EventSource.CLOSED) { source = null; retry(); }
    };
  }
  function retry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      /* an ended session leads to the login page (App.api); otherwise open a new stream */
      App.api("GET", "/me").then(function (d) { if (d._ok) { connect(); } else { retry(); } });
    }, 2000);
  }
  function beat() {
    S.lastBeat = performance.now();
    if (S.conn !== "live") {
      var wasOffline = S.conn === "offline";
      S.conn = "live";
      if (wasOffline) { S.reconnected = true; loadQueue(); }
      paint();
    }
  }
  function goOffline(why) {
    if (S.conn === "offline") { return; }
    S.conn = "offline";
    S.current = null;  /* never show a verdict from before the outage as if it were now */
    $("offline-note").textContent = why + " Trying to reconnect…";
    closeDialogs();
    paint();
  }
  function closeDialogs() { document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); }); }
  setInterval(function () {
    if (S.conn === "live" && performance.now() - S.lastBeat > OFFLINE_AFTER_MS) {
      goOffline("No word from the screening service for " + OFFLINE_AFTER_MS / 1000 + " s.");
      if (source) { source.close(); source = null; }
      retry();
    } else if (S.conn === "connecting" && root.dataset.mode !== mode()) { paint(); }
  }, 200);

  function setReader(info) {
    var state = info.state || "unknown", was = S.reader;
    S.reader = state;
    if (LOST[state] && !LOST[was]) { S.readerLostAt = performance.now(); }
    if (!LOST[state] && LOST[was]) {
      /* the reader is back: the verdict from before it went is the previous traveller's */
      if (S.current && S.readerLostAt !== null && S.shownAt <= S.readerLostAt) { S.current = null; }
      S.readerLostAt = null;
    }
    var node = $("reader-state");
    node.textContent = "reader: " + App.readerWord(state);
    node.className = "reader " + (state === "connected" ? "ok" : (state === "none" ? "" : "bad"));
    var words = App.readerText(state);
    $("reader-lost-word").textContent = words[0];
    $("reader-lost-text").textContent = words[1];
    $("reader-alert").textContent = words[0] + ". " + words[1];
    if (state !== was) { paint(); }
  }

  /* A burst (reads arriving together, e.g. a bridge's queue after an outage) shows the first scan
     that needs a decision, not the last CLEAR; the rest wait in the queue. */
  function arrived(scan) {
    if (!remember(scan)) { return; }
    var now = performance.now();
    if (now - S.burst.last > BURST_MS) { S.burst.scans = []; }
    S.burst.last = now;
    S.burst.scans.push(scan);
    var pick = S.burst.scans.filter(undecided)[0] || scan;
    S.heldBack = pick === scan ? null : scan;  /* the newest read, shown once the ones before it are decided */
    renderBurst();
    if (!S.current || S.current.id !== pick.id) { show(pick); } else { renderQueue(); }
  }

  /* After a decision on the scan on screen: the next undecided one of the same burst, else the
     newest read that was held back behind it. */
  function advance(after) {
    var next = S.burst.scans.filter(undecided)[0];
    if (!next && S.heldBack && S.heldBack.id > after.id) { next = S.heldBack; }
    if (!next) { return false; }
    S.heldBack = null;
    show(next);
    return true;
  }

  function renderBurst() {
    var b = S.burst.scans, box = $("burst");
    box.hidden = b.length < 2;
    if (b.length < 2) { return; }
    var open = b.filter(undecided).length, times = b.map(function (s) { return Date.parse(s.read_at || s.created_at); }).filter(function (t) { return !isNaN(t); });
    var first = Math.min.apply(null, times), last = Math.max.apply(null, times);
    box.textContent = b.length + " reads arrived together (read between " + App.fmtTime(new Date(first).toISOString()) + " and " +
      App.fmtTime(new Date(last).toISOString()) + "). " + (open ? open + (open === 1 ? " needs" : " need") + " a decision: shown first, the rest wait in the list above." :
      "All of them are CLEAR or READ ERROR; they are under Recent.");
  }

  /* A scan that arrives while a dialog is open waits until it closes, so what the officer is
     deciding about never changes under them. */
  function show(scan) {
    if (document.querySelector("dialog[open]")) { S.waiting = scan; renderQueue(); return; }
    render(scan);
  }
  function showWaiting() {
    if (S.waiting && !document.querySelector("dialog[open]")) { var s = S.waiting; S.waiting = null; render(s); }
  }
  document.querySelectorAll("dialog").forEach(function (d) { d.addEventListener("close", function () { setTimeout(showWaiting, 0); }); });

  function showScan(id, withFocus) {
    return App.api("GET", "/scans/" + id).then(function (d) {
      if (!d._ok) { return d; }
      remember(d);
      render(d, withFocus !== false);
      return d;
    });
  }

  function loadRecent() {
    return App.api("GET", "/scans?lane=" + encodeURIComponent(lane) + "&limit=8").then(function (d) {
      if (!d._ok) { return; }
      (d.scans || []).slice().reverse().forEach(remember);
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
      input.value = ""; showCheck();  /* the next traveller starts from an empty box */
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
      $("image-input").value = "";
      if (d._ok) { state.textContent = "Read: scan " + d.id + " · " + (WORDS[d.decision] || d.decision); remember(d); render(d, true); return; }
      state.textContent = d.message || d.error;
      /* the previous traveller's verdict must not stand beside "confirm it by hand" */
      S.current = null;
      renderWaiting();
      $("verdict-word").textContent = "IMAGE NOT READ";
      $("verdict-meta").textContent = d.best_guess ? "Check the MRZ put into manual entry against the document, correct it, then screen it (Ctrl+Enter)." :
        "Try a sharper photo of the whole data page, or type the MRZ (press M).";
      if (d.best_guess) { input.value = d.best_guess; showCheck(); input.focus(); }
    });
  });

  /* ---- keyboard ---- */
  document.addEventListener("keydown", function (ev) {
    var t = ev.target, inField = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT");
    if (inField || ev.ctrlKey || ev.altKey || ev.metaKey || document.querySelector("dialog[open]")) { return; }
    var k = ev.key.toLowerCase(), cur = S.current, usable = cur && S.conn === "live" && !$("actions").classList.contains("gone");
    if (k === "h" && usable && (cur.matches || []).length) { ev.preventDefault(); actions.hitcard(); }
    else if (k === "c" && usable && needsDecision(cur) && !$("btn-confirm").disabled) { ev.preventDefault(); actions.confirm(); }
    else if (k === "f" && usable && needsDecision(cur)) { ev.preventDefault(); actions.falsePositive(); }
    else if (k === "n" && S.queue.length) { ev.preventDefault(); nextInQueue(); }
    else if (k === "m" && !input.disabled) { ev.preventDefault(); input.focus(); }
  });

  loadRecent().then(loadQueue).then(function () {
    var m = /^#scan-(\d+)$/.exec(location.hash);  /* "Open on the booth" from the supervisor's page */
    if (m) { showScan(parseInt(m[1], 10), true); }
  }).then(connect);
  setInterval(function () { if (S.conn === "live") { loadQueue(); } }, QUEUE_POLL_MS);
  showCheck();
  paint();

  return {
    lane: lane, canApprove: canApprove, state: S, actions: actions, needsDecision: needsDecision, decisionOf: decisionOf,
    current: function () { return S.current; }, decided: decided, showScan: showScan, render: render
  };
})();
