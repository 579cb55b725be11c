/* Supervisor page: every lane's scans waiting for a decision, pending suppressions, latest decisions, readers. */
"use strict";
(function () {
  var root = document.getElementById("supervisor");
  if (!root) { return; }
  var el = App.el, clear = App.clear, WORDS = App.VERDICT_WORDS;
  var me = (document.getElementById("who") || { dataset: {} }).dataset.name;
  function $(id) { return document.getElementById(id); }
  function vclass(d) { return String(d || "unknown").toLowerCase().replace(/_/g, "-"); }
  function cell(v, cls) { return el("td", { class: cls, text: v === null || v === undefined || v === "" ? "—" : String(v) }); }
  function table(headers, rows, empty) {
    return el("table", { class: "grid wrap" }, el("thead", {}, el("tr", {}, headers.map(function (h) { return el("th", { text: h }); }))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length, class: "note", text: empty }))));
  }
  function waited(iso) {
    var t = Date.parse(iso || "");
    return isNaN(t) ? "—" : App.fmtDuration(Date.now() - t);
  }

  function load() {
    App.api("GET", "/supervisor").then(function (d) {
      if (!d._ok) { $("sup-state").textContent = d.message || d.error; return; }
      $("sup-open-count").textContent = String(d.total);
      $("sup-open").replaceChildren(table(["Lane", "Verdict", "Why", "Read", "Waiting", "Scan", ""], (d.scans || []).map(function (s) {
        var why = (s.matches || []).length ? (s.matches || []).map(App.matchText).join("; ") :
          (s.reasons || []).slice(0, 2).map(App.reasonText).join("; ");
        return el("tr", { "data-scan": s.id }, cell(s.lane), el("td", {}, el("span", { class: "chip v-" + vclass(s.decision), text: WORDS[s.decision] || s.decision })),
          cell(why), cell(App.fmtTime(s.read_at || s.created_at)), cell(waited(s.read_at || s.created_at)), cell("#" + s.id),
          el("td", {}, el("a", { href: "/booth/" + encodeURIComponent(s.lane) + "#scan-" + s.id, text: "Open", title: "Open it on the lane's booth screen" })));
      }), "Nothing waits for a decision."));
      $("sup-supp-count").textContent = String((d.suppressions || []).length);
      $("sup-supp").replaceChildren(table(["#", "List", "Days", "Asked by", "Reason", ""], (d.suppressions || []).map(function (s) {
        var buttons = s.requested_by === me ? el("span", { class: "note", text: "your own request: another supervisor decides" }) :
          [el("button", { type: "button", class: "small", text: "Approve", onclick: function () { decide(s.id, true); } }), " ",
           el("button", { type: "button", class: "small", text: "Reject", onclick: function () { decide(s.id, false); } })];
        return el("tr", {}, cell(s.id), cell(s.list_name), cell(s.days), cell(s.requested_by), cell(s.reason), el("td", {}, buttons));
      }), "No suppression waits for approval."));
      $("sup-decided").replaceChildren(table(["Lane", "Verdict", "Decision", "By", "At"], (d.decided || []).map(function (x) {
        return el("tr", {}, cell(x.lane), cell(WORDS[x.decision] || x.decision), cell(App.actionText(x) + (x.change_reason ? " (changed: " + x.change_reason + ")" : "")),
          cell(x.username), cell(App.fmtTime(x.created_at)));
      }), "No decisions yet."));
      $("sup-lanes").replaceChildren(table(["Lane", "Reader", "Scans 24 h", "Screens open"], (d.lanes || []).map(function (l) {
        var state = l.state === "unknown" ? "not reporting" : (l.silent ? "not responding" : App.readerWord(l.state));
        return el("tr", {}, cell(l.name), cell(state, l.state === "connected" && !l.silent ? "ok" : "bad"), cell(l.scans_24h), cell(l.subscribers));
      }), "No lanes."));
    });
  }
  function decide(id, approve) {
    App.api("POST", "/suppressions/" + id + "/decision", { approve: approve }).then(function (d) {
      $("sup-state").textContent = d._ok ? "Suppression #" + id + (approve ? " approved." : " rejected.") : (d.message || d.error);
      $("sup-state").className = "note " + (d._ok ? "ok" : "bad");
      load();
    });
  }
  load();
  setInterval(load, 10000);
})();
