/* Booth: the hit card (what to do first, then the evidence) and officers' decisions, each
   confirmed in a dialog, one per scan, changed only with a reason. Uses Booth from booth.js. */
"use strict";
(function () {
  if (!window.Booth) { return; }
  var el = App.el, clear = App.clear, WORDS = App.VERDICT_WORDS;
  var root = document.getElementById("booth"), changeMinutes = parseInt(root.dataset.changeMinutes, 10) || 0;
  var me = (document.getElementById("who") || { dataset: {} }).dataset.name;
  function $(id) { return document.getElementById(id); }
  function vclass(d) { return String(d || "unknown").toLowerCase().replace(/_/g, "-"); }

  /* ---- words for the evidence ---- */
  var OUTCOME = {
    exact: ["same", "for"], match: ["same", "for"], same: ["same", "for"], listed: ["on the list", "for"],
    day_month_swapped: ["day and month swapped", "for"], same_year_other_day: ["same year, other day", "near"],
    within_listed_month: ["within the listed month", "for"], within_listed_year: ["within the listed year", "near"],
    within_listed_range: ["within the listed dates", "near"], within_approximate_range: ["within the listed approximate years", "near"],
    near_year: ["a year apart", "near"], match_other_state: ["same number, other issuing state", "near"],
    conflicting: ["different", "against"], mismatch: ["different", "against"], different: ["different", "against"],
    not_applied: ["not compared (name and birth date not close enough)", "none"], unknown: ["not on the list", "none"]
  };
  function outcome(result) { return OUTCOME[result] || [String(result || "—").replace(/_/g, " "), "none"]; }
  function fmtVal(v) {
    if (v === undefined || v === null || v === "") { return "—"; }
    if (Array.isArray(v)) { return v.length ? v.map(fmtVal).join("; ") : "—"; }
    if (typeof v === "object") { return Object.keys(v).map(function (k) { return fmtVal(v[k]); }).filter(function (x) { return x !== "—"; }).join(" "); }
    return String(v);
  }
  function strength(score) {
    if (score === undefined || score === null) { return ""; }
    var pct = Math.round(score * 100);
    return pct + "% " + (score >= 0.95 ? "(very close)" : score >= 0.9 ? "(close)" : "(partly alike)");
  }

  function compareRows(m, doc) {
    var ev = m.evidence || {}, rows = [];
    function row(label, traveller, listed, result, extra) {
      var o = outcome(result);
      rows.push(el("tr", { class: "ev-" + o[1] }, el("th", { text: label }), el("td", { text: fmtVal(traveller) }),
        el("td", { text: fmtVal(listed) }), el("td", { class: "outcome", text: o[0] + (extra ? " " + extra : "") })));
    }
    if (m.kind === "document") {
      var rec = m.record || {};
      row("Document number", doc.document_number, ev.document_number, "listed");
      row("Issuing state", doc.issuing_state, ev.issuing_state, ev.issuing_state && ev.issuing_state === doc.issuing_state ? "same" : "unknown");
      return rows;
    }
    if (ev.name) {
      var score = Number(ev.name.score);
      rows.push(el("tr", { class: "ev-" + (score >= 0.9 ? "for" : "near") }, el("th", { text: "Name" }),
        el("td", { text: fmtVal([doc.surname, doc.given_names].filter(Boolean).join(", ")) }), el("td", { text: fmtVal(m.matched_name) }),
        el("td", { class: "outcome", text: score >= 0.99 ? "same" : Math.round(score * 100) + "% alike" })));
    }
    [["date_of_birth", "Date of birth"], ["nationality", "Nationality"], ["sex", "Sex"], ["document_number", "Document number"]].forEach(function (f) {
      var e = ev[f[0]];
      if (!e || typeof e !== "object") { return; }
      row(f[1], e.query, e.listed, e.result, e.century_ambiguous ? "(century unclear)" : "");
    });
    return rows;
  }

  function facts(m) {
    var rows = [];
    function add(label, v, cls) {
      if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) { return; }
      rows.push(el("dt", { text: label }), el("dd", { class: cls || "", text: fmtVal(v) }));
    }
    var info = m.list_info || {};
    if (m.record) {
      var r = m.record;
      add("Status", String(r.status || "").replace(/_/g, " "), "strong");
      add("Reported on", r.reported_on);
      add("Reference", r.reference);
    } else {
      var e = m.entry || {};
      add("Programme", e.programme, "strong");
      add("Remarks", e.remarks);
      add("Listed on", e.listed_on);
      add("Also known as", (e.aliases || []).slice(0, 4));
      add("Place of birth", e.places_of_birth);
      add("Listed documents", (e.documents || []).map(function (d) { return [d.type, d.issuing_state, d.number].filter(Boolean).join(" "); }));
      add("Entry", m.entry_id);
      if (!m.entry) { add("Note", "This entry is no longer on the list held by the box.", "bad"); }
    }
    add("List", (info.title || m.list) + (info.version ? ", version " + info.version : "") + ", " +
      App.fmtAge(info.age_minutes === null || info.age_minutes === undefined ? null : info.age_minutes / 60) +
      (info.stale ? " — OUT OF DATE" : ""), info.stale ? "bad" : "");
    return el("dl", { class: "facts" }, rows);
  }

  /* One card per listed entry: a person found by name and by a listed document is one card. */
  function groups(matches) {
    var out = [], byKey = {};
    matches.forEach(function (m) {
      var key = (m.record ? "doc:" : "entry:") + m.list + ":" + m.entry_id;
      if (!byKey[key]) { byKey[key] = { key: key, matches: [] }; out.push(byKey[key]); }
      byKey[key].matches.push(m);
    });
    return out;
  }

  function matchCard(g, i, doc) {
    var name = g.matches.filter(function (m) { return m.kind !== "document"; })[0], docm = g.matches.filter(function (m) { return m.kind === "document"; })[0];
    var main = name || docm, info = main.list_info || {}, status = (docm && (docm.evidence || {}).status) || "";
    var title = main.record ? "Document reported " + status.replace(/_/g, " ") : "Listed person: " + ((main.entry || {}).name || main.matched_name || main.entry_id);
    var how = [];
    if (docm) { how.push(main.record ? "the document number is on the list" : "the document number is one listed for this person"); }
    if (name) { how.push("the name is " + (name.score >= 0.99 ? "the same" : Math.round(name.score * 100) + "% alike")); }
    var card = el("section", { class: "match" + (g.matches.every(function (m) { return m.suppressed; }) ? " suppressed" : ""), "data-entry": main.entry_id },
      el("h3", {}, el("span", { text: (i + 1) + ". " + title }), el("span", { class: "list-tag", text: info.title || main.list })),
      el("p", { class: "note", text: "Matched because " + how.join(" and ") + (name ? "; overall " + strength(name.score) : "") + "." +
        (main.suppressed ? " Suppressed as a false positive until " + App.fmtTime(main.suppressed.expires_at) + "." : "") }));
    var rows = compareRows(name || docm, doc);
    if (name && docm && !(name.evidence || {}).document_number) { rows = compareRows(docm, doc).slice(0, 1).concat(rows); }
    card.appendChild(el("table", { class: "evidence" }, el("thead", {}, el("tr", {}, el("th", { text: "" }), el("th", { text: "Traveller's document" }),
      el("th", { text: main.record ? "Reported document" : "Listed entry" }), el("th", { text: "Comparison" }))), el("tbody", {}, rows)));
    card.appendChild(facts(main));
    return card;
  }

  /* ---- the hit card ---- */
  var cardScan = null;
  function openHitcard() {
    var scan = Booth.current();
    if (!scan) { return; }
    cardScan = scan;
    var dlg = $("hitcard"), body = clear($("hitcard-body"));
    body.appendChild(el("p", { text: "Loading…" }));
    clear($("hitcard-actions"));
    if (!dlg.open) { dlg.showModal(); }
    App.api("GET", "/scans/" + scan.id + "/hitcard").then(function (d) {
      if (cardScan !== scan) { return; }
      clear(body);
      if (!d._ok) { body.appendChild(el("p", { class: "error", text: d.message || "cannot open the hit card" })); return; }
      var doc = d.document || {};
      $("hitcard-title").textContent = (WORDS[d.decision] || d.decision) + " · scan " + d.id + " · read " + App.fmtTime(d.read_at || d.created_at);
      $("hitcard-title").className = "v-title-" + vclass(d.decision);
      var todo = el("section", { class: "handling", id: "handling", "aria-label": "What to do" }, el("h3", { text: "What to do" }));
      (d.handling || []).forEach(function (h) {
        todo.appendChild(el("p", {}, (d.handling.length > 1 ? el("strong", { text: h.title + ": " }) : null), h.text));
      });
      if (!(d.handling || []).length) { todo.appendChild(el("p", { text: "Every match on this scan is suppressed as an approved false positive." })); }
      body.appendChild(todo);
      body.appendChild(decisionLine(d));
      var portrait = el("div", { class: "portrait", id: "portrait" });
      if (d.portrait && d.portrait.kind === "document_image") {
        portrait.appendChild(el("img", { src: d.portrait.url, alt: "Document image of this scan" }));
        portrait.appendChild(el("p", { class: "note", text: "The document as photographed: compare its photo with the traveller." }));
      } else {
        portrait.appendChild(el("div", { class: "portrait-empty", text: "No picture" }));
        portrait.appendChild(el("p", { class: "note", text: (d.portrait || {}).note || "" }));
      }
      var side = el("div", { class: "hc-side" }, portrait, el("div", { class: "hc-traveller" }, el("h4", { text: "Traveller's document" }),
        el("table", {}, el("tbody", {}, App.FIELDS.filter(function (f) { return doc[f[0]] && f[0] !== "format"; }).map(function (f) {
          return el("tr", {}, el("th", { text: f[1] }), el("td", { text: String(doc[f[0]]).replace(/<+$/, "") }));
        })))));
      var matches = el("div", { class: "hc-matches" });
      groups(d.matches || []).forEach(function (g, i) { matches.appendChild(matchCard(g, i, doc)); });
      if (!(d.matches || []).length) { matches.appendChild(el("p", { text: "No list entry matched this document." })); }
      body.appendChild(el("div", { class: "hc-grid" }, matches, side));
      headerActions(d);
      $("hitcard-close").focus();
    });
  }

  function decisionLine(d) {
    var cur = (d.dispositions || []).filter(function (x) { return x.current; })[0];
    var box = el("div", { class: "hc-decided " + (cur ? "decided" : "open"), id: "hc-decided" },
      el("strong", { text: cur ? "Decided by " + cur.username + " at " + App.fmtTime(cur.created_at) + ": " + App.actionText(cur) + "." :
        "Not decided yet: decide with the buttons at the top (C or F)." }));
    (d.dispositions || []).filter(function (x) { return !x.current; }).forEach(function (x) {
      box.appendChild(el("div", { class: "note", text: "Before: " + x.username + " at " + App.fmtTime(x.created_at) + ": " + App.actionText(x) }));
    });
    return box;
  }

  function headerActions(d) {
    var cur = (d.dispositions || []).filter(function (x) { return x.current; })[0], bar = clear($("hitcard-actions"));
    bar.appendChild(el("button", { type: "button", id: "hc-confirm", class: "danger",
      text: cur ? (cur.action === "confirmed" ? "Confirmed ✓" : "Change to: confirm & refer (C)") : "Confirm & refer (C)",
      disabled: !!cur && cur.action === "confirmed", onclick: function () { $("hitcard").close(); openConfirm(); } }));
    bar.appendChild(el("button", { type: "button", id: "hc-fp", text: cur ? "Change to: false positive (F)" : "False positive (F)",
      onclick: function () { $("hitcard").close(); openFalsePositive(); } }));
  }

  $("hitcard").addEventListener("keydown", function (ev) {
    var k = ev.key.toLowerCase(), t = ev.target;
    if (ev.ctrlKey || ev.altKey || ev.metaKey || (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT"))) { return; }
    if (k === "c" && $("hc-confirm") && !$("hc-confirm").disabled) { ev.preventDefault(); $("hc-confirm").click(); }
    else if (k === "f" && $("hc-fp")) { ev.preventDefault(); $("hc-fp").click(); }
  });

  /* ---- decisions ---- */
  var kindOf = App.decisionKind;
  var TEXT = {
    match: { confirm: "The traveller goes to secondary inspection: the match may be right, or cannot be ruled out here.",
             question: "Why is this not the listed person?", fp: "Record false positive" },
    document: { confirm: "The document is not accepted: the traveller goes to secondary inspection.",
                question: "Why is the document acceptable (what did you check)?", fp: "Record: document acceptable" },
    lists: { confirm: "The traveller goes to secondary inspection.",
             question: "What did you check before letting the traveller through?", fp: "Record: let through" }
  };
  function currentOf(scan) { return Booth.decisionOf(scan); }
  function currentLine(scan, node) {
    var cur = currentOf(scan);
    node.hidden = !cur;
    node.textContent = cur ? "Now: decided by " + cur.username + " at " + App.fmtTime(cur.created_at) + ": " + App.actionText(cur) + "." +
      (changeMinutes ? " After " + changeMinutes + " minutes only a supervisor may change it." : "") : "";
    return cur;
  }

  var pending = null;
  function openConfirm() {
    var scan = Booth.current();
    if (!scan || !Booth.needsDecision(scan)) { return; }
    pending = scan;
    var cur = currentLine(scan, $("confirm-current")), k = kindOf(scan);
    $("confirm-title").textContent = (cur ? "Change the decision: confirm and refer" : "Confirm and refer") + " · scan " + scan.id + " (" + (WORDS[scan.decision] || scan.decision) + ")";
    $("confirm-text").textContent = TEXT[k].confirm;
    $("confirm-change-row").hidden = !cur;
    $("confirm-change-reason").value = "";
    $("confirm-submit").textContent = cur ? "Change the decision" : "Yes, confirm and refer";
    $("confirm-dialog").showModal();
    (cur ? $("confirm-change-reason") : $("confirm-submit")).focus();
  }
  function openFalsePositive() {
    var scan = Booth.current();
    if (!scan || !Booth.needsDecision(scan)) { return; }
    pending = scan;
    var cur = currentLine(scan, $("fp-current")), k = kindOf(scan);
    $("fp-title").textContent = (cur ? "Change the decision: " : "") + (k === "match" ? "False positive" : k === "document" ? "Document acceptable" : "Let through") +
      " · scan " + scan.id + " (" + (WORDS[scan.decision] || scan.decision) + ")";
    $("fp-question").textContent = TEXT[k].question;
    $("fp-reason").value = "";
    $("fp-submit").textContent = cur ? "Change the decision" : TEXT[k].fp;
    $("fp-suppress-row").hidden = !(scan.matches || []).some(function (m) { return m.kind !== "document" && !m.suppressed; });
    $("fp-suppress").checked = false;
    $("fp-change-row").hidden = !cur;
    $("fp-change-reason").value = "";
    $("fp-dialog").showModal();
    $("fp-reason").focus();
  }

  function send(scan, payload) {
    var state = $("disposition-state"), cur = currentOf(scan);
    if (cur) { payload.replaces = cur.id; }
    state.className = "note";
    state.textContent = "Saving…";
    return App.api("POST", "/scans/" + scan.id + "/disposition", payload).then(function (d) {
      var shown = Booth.current() && Booth.current().id === scan.id;
      if (!d._ok) {
        if (d.current) { Booth.decided(scan, d.current); }  /* decided elsewhere meanwhile: show that decision */
        if (shown) { state.textContent = "Not saved: " + (d.message || d.error); state.className = "note bad"; }
        return;
      }
      var moved = Booth.decided(scan, d);
      if (shown) {
        state.className = "note ok";
        state.textContent = "Recorded for scan " + scan.id + ": " + App.actionText(d) + (d.suppressions && d.suppressions.length ? "; suppression asked of a supervisor" : "") + "." +
          (moved ? " Now showing the next scan." : "");
        Booth.state.stateFor = Booth.current() && Booth.current().id;
      }
      if (Booth.canApprove && window.BoothSuppressions) { window.BoothSuppressions.load(); }
    });
  }

  $("confirm-cancel").addEventListener("click", function () { $("confirm-dialog").close(); });
  $("confirm-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var scan = pending, payload = { action: "confirmed", referred: true };
    if (!$("confirm-change-row").hidden) {
      payload.change_reason = $("confirm-change-reason").value.trim();
      if (!payload.change_reason) { $("confirm-change-reason").focus(); return; }
    }
    $("confirm-dialog").close();
    send(scan, payload);
  });
  $("fp-cancel").addEventListener("click", function () { $("fp-dialog").close(); });
  $("fp-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var reason = $("fp-reason").value.trim();
    if (!reason) { $("fp-reason").focus(); return; }
    var payload = { action: "false_positive", reason: reason, referred: false };
    if (!$("fp-change-row").hidden) {
      payload.change_reason = $("fp-change-reason").value.trim();
      if (!payload.change_reason) { $("fp-change-reason").focus(); return; }
    }
    if ($("fp-suppress").checked && !$("fp-suppress-row").hidden) { payload.suppress_days = parseInt($("fp-days").value, 10) || 1; }
    var scan = pending;
    $("fp-dialog").close();
    send(scan, payload);
  });
  $("btn-hitcard").addEventListener("click", openHitcard);
  $("btn-confirm").addEventListener("click", openConfirm);
  $("btn-fp").addEventListener("click", openFalsePositive);
  Booth.actions.hitcard = openHitcard;
  Booth.actions.confirm = openConfirm;
  Booth.actions.falsePositive = openFalsePositive;

  /* ---- supervisor: suppressions waiting on this booth ---- */
  function loadSuppressions() {
    var list = $("suppressions");
    if (!list) { return; }
    App.api("GET", "/suppressions?status=pending").then(function (d) {
      if (!d._ok) { return; }
      clear(list);
      var items = d.suppressions || [];
      if (!items.length) { list.appendChild(el("li", { class: "note", text: "None waiting." })); }
      items.forEach(function (s) {
        list.appendChild(el("li", {}, el("span", { text: "#" + s.id + " scan " + s.scan_id + " · " + s.list_name + " · " + s.days + " d · by " + s.requested_by + ": " + s.reason + " " }),
          el("button", { type: "button", text: "Show scan", "data-scan": s.scan_id, onclick: function () {
            Booth.showScan(s.scan_id, true).then(function (x) { if (x && x._ok && (x.matches || []).length) { openHitcard(); } });
          } }),
          s.requested_by === me ? el("span", { class: "note", text: "your own request: another supervisor decides" }) :
            [el("button", { type: "button", text: "Approve", onclick: function () { decide(s.id, true); } }),
             el("button", { type: "button", text: "Reject", onclick: function () { decide(s.id, false); } })]));
      });
    });
  }
  function decide(id, approve) {
    App.api("POST", "/suppressions/" + id + "/decision", { approve: approve }).then(function (d) {
      if (!d._ok) { $("disposition-state").textContent = d.message || d.error; }
      loadSuppressions();
    });
  }
  if (Booth.canApprove) {
    window.BoothSuppressions = { load: loadSuppressions };
    loadSuppressions();
    setInterval(loadSuppressions, 15000);
  }
})();
