/* Small inline-SVG charts for the console, each with a legend in words: reads and read errors,
   verdict mix, sync backlog, latency (per hour over 24 h), list ages against the stale limit, disk. */
"use strict";
var Charts = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = { CLEAR: "#0b7a34", POSSIBLE_MATCH: "#e0a100", HIT: "#b80018", DOCUMENT_INVALID: "#6b2aa0", READ_ERROR: "#6b7280" };
  var NAMES = { CLEAR: "CLEAR", POSSIBLE_MATCH: "POSSIBLE MATCH", HIT: "HIT", DOCUMENT_INVALID: "DOCUMENT INVALID", READ_ERROR: "READ ERROR" };
  var W = 600, H = 200, L = 44, R = 10, T = 10, B = 26;

  function svg(tag, attrs, parent) {
    var n = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(n); }
    return n;
  }
  function frame(title, h) {
    var s = svg("svg", { viewBox: "0 0 " + W + " " + (h || H), class: "chart", role: "img", "aria-label": title });
    svg("title", {}, s).textContent = title;
    return s;
  }
  function legend(node, items) {
    if (!node) { return; }
    while (node.firstChild) { node.removeChild(node.firstChild); }
    items.forEach(function (it) {
      var s = document.createElement("span");
      s.textContent = it[0];
      s.style.color = it[1];
      if (it[2]) { s.className = it[2]; }
      node.appendChild(s);
    });
  }
  function niceMax(v) {
    if (v <= 4) { return 4; }
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function axes(s, max, hours, unit) {
    var plotH = H - T - B;
    for (var i = 0; i <= 4; i++) {
      var y = T + plotH - plotH * i / 4;
      svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e5e7eb" }, s);
      var v = max * i / 4;
      svg("text", { x: L - 4, y: y + 4, "text-anchor": "end" }, s).textContent = (v % 1 ? v.toFixed(1) : v) + (i === 4 && unit ? unit : "");
    }
    var step = Math.max(1, Math.ceil(hours.length / 8));
    hours.forEach(function (h, i) {
      if (i % step) { return; }
      var x = L + (W - L - R) * (i + 0.5) / hours.length;
      svg("text", { x: x, y: H - 8, "text-anchor": "middle" }, s).textContent = String(new Date(h.hour).getHours()).padStart(2, "0") + ":00";
    });
  }
  function empty(s, text) {
    svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", style: "font-size:14px" }, s).textContent = text;
  }
  function bars(s, hours, series, max) {
    var plotH = H - T - B, bw = (W - L - R) / hours.length;
    hours.forEach(function (h, i) {
      var y = T + plotH;
      series.forEach(function (sr) {
        var n = sr[1](h) || 0;
        if (!n) { return; }
        var hh = plotH * n / max;
        y -= hh;
        var r = svg("rect", { x: L + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: hh, fill: sr[2] }, s);
        svg("title", {}, r).textContent = h.hour.slice(11, 16) + " " + sr[0] + ": " + n;
      });
    });
  }
  function line(s, hours, key, colour, max, label) {
    var plotH = H - T - B, pts = [];
    hours.forEach(function (h, i) {
      if (h[key] === null || h[key] === undefined) { return; }
      var x = L + (W - L - R) * (i + 0.5) / hours.length, y = T + plotH - plotH * h[key] / max;
      pts.push(x.toFixed(1) + "," + y.toFixed(1));
      var c = svg("circle", { cx: x, cy: y, r: 3, fill: colour }, s);
      svg("title", {}, c).textContent = h.hour.slice(11, 16) + " " + label + ": " + h[key];
    });
    if (pts.length > 1) { svg("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 2 }, s); }
  }

  function reads(container, hours, legendNode) {
    var s = frame("Reads per hour, with read errors");
    var max = niceMax(Math.max.apply(null, hours.map(function (h) { return h.reads || 0; })));
    axes(s, max, hours, "");
    bars(s, hours, [["read errors", function (h) { return h.read_errors; }, "#b80018"],
                    ["good reads", function (h) { return (h.reads || 0) - (h.read_errors || 0); }, "#1d4ed8"]], max);
    if (!hours.some(function (h) { return h.reads; })) { empty(s, "No reads in the last 24 hours"); }
    container.replaceChildren(s);
    legend(legendNode, [["good reads", "#1d4ed8"], ["read errors (document not readable)", "#b80018"]]);
  }
  function verdicts(container, hours, legendNode) {
    var s = frame("Verdict mix per hour");
    var max = niceMax(Math.max.apply(null, hours.map(function (h) { return h.count || 0; })));
    axes(s, max, hours, "");
    bars(s, hours, Object.keys(COLOURS).map(function (k) { return [NAMES[k], function (h) { return h.verdicts[k]; }, COLOURS[k]]; }), max);
    if (!hours.some(function (h) { return h.count; })) { empty(s, "No scans in the last 24 hours"); }
    container.replaceChildren(s);
    legend(legendNode, Object.keys(COLOURS).map(function (k) { return [NAMES[k], COLOURS[k]]; }));
  }
  function backlog(container, hours, legendNode) {
    var s = frame("Records waiting for the hub, at the end of each hour");
    var max = niceMax(Math.max.apply(null, hours.map(function (h) { return h.sync_backlog || 0; })));
    axes(s, max, hours, "");
    bars(s, hours, [["waiting", function (h) { return h.sync_backlog; }, "#7c3aed"]], max);
    if (!hours.some(function (h) { return h.sync_backlog; })) { empty(s, "Nothing waited for the hub at the end of any hour"); }
    container.replaceChildren(s);
    legend(legendNode, [["records waiting to be sent to the hub (scans, decisions)", "#7c3aed"]]);
  }
  function latency(container, hours, legendNode) {
    var s = frame("Screening time per hour");
    var max = niceMax(Math.max.apply(null, hours.map(function (h) { return h.latency_p95_ms || 0; })));
    axes(s, max, hours, " ms");
    line(s, hours, "latency_p50_ms", "#1d4ed8", max, "typical");
    line(s, hours, "latency_p95_ms", "#b80018", max, "slowest 5 %");
    if (!hours.some(function (h) { return h.latency_p50_ms; })) { empty(s, "No scans in the last 24 hours"); }
    container.replaceChildren(s);
    legend(legendNode, [["typical (median)", "#1d4ed8", "line"], ["slowest 5 % (95th percentile)", "#b80018", "line"]]);
  }
  /* Horizontal bars: each list's age against the age at which it goes stale. */
  function listAges(container, lists, legendNode) {
    var rowH = 26, h = Math.max(60, T + B + rowH * Math.max(1, lists.length));
    var s = frame("Age of each list against its stale limit", h);
    var limits = lists.map(function (l) { return l.stale_after_hours || 0; }), ages = lists.map(function (l) { return l.age_hours || 0; });
    /* the scale shows the stale limit well; a list far beyond it runs off the end, with its age written */
    var limit = Math.max.apply(null, [0].concat(limits)), top = Math.max.apply(null, [1].concat(ages));
    var max = niceMax(limit ? Math.min(Math.max(top, limit) * 1.1, limit * 2) : top * 1.1), left = 170, plotW = W - left - R - 150;
    if (!lists.length) { svg("text", { x: W / 2, y: h / 2, "text-anchor": "middle", style: "font-size:14px" }, s).textContent = "No list on this box"; }
    lists.forEach(function (l, i) {
      var y = T + i * rowH, age = Math.min(l.age_hours || 0, max), colour = l.stale ? "#b80018" : "#0b7a34";
      svg("text", { x: left - 6, y: y + 16, "text-anchor": "end" }, s).textContent = (l.title || l.name).slice(0, 26);
      var r = svg("rect", { x: left, y: y + 4, width: Math.max(2, plotW * age / max), height: rowH - 10, fill: colour }, s);
      svg("title", {}, r).textContent = (l.title || l.name) + ": " + (l.age_hours === null ? "age unknown" : l.age_hours + " h") + (l.stale ? " (OUT OF DATE)" : "");
      svg("text", { x: left + Math.max(2, plotW * age / max) + 4, y: y + 16, fill: colour }, s).textContent = ((l.age_hours || 0) > max ? "▶ " : "") +
        (l.age_hours === null ? "age unknown" : App.fmtAge(l.age_hours));
      if (l.stale_after_hours) {
        var x = left + plotW * Math.min(l.stale_after_hours, max) / max;
        svg("line", { x1: x, x2: x, y1: y + 1, y2: y + rowH - 3, stroke: "#111827", "stroke-width": 2, "stroke-dasharray": "3 2" }, s);
      }
    });
    svg("text", { x: left, y: h - 6 }, s).textContent = "0 h";
    svg("text", { x: left + plotW, y: h - 6, "text-anchor": "end" }, s).textContent = Math.round(max) + " h";
    container.replaceChildren(s);
    legend(legendNode, [["current", "#0b7a34"], ["out of date", "#b80018"], ["stale limit (screening.max_list_age_hours)", "#111827", "line"]]);
  }
  function disk(container, d, dbBytes, legendNode) {
    var s = frame("Disk of the data directory", 70), plotW = W - L - R;
    var used = d.total ? (d.total - d.free) : 0, db = Math.min(dbBytes || 0, used), other = used - db;
    var x = L, parts = [["database", db, "#1d4ed8"], ["other files", other, "#93c5fd"], ["free", d.free || 0, "#e5e7eb"]];
    parts.forEach(function (p) {
      var w = d.total ? plotW * p[1] / d.total : 0;
      var r = svg("rect", { x: x, y: 10, width: Math.max(0, w), height: 30, fill: p[2] }, s);
      svg("title", {}, r).textContent = p[0] + ": " + App.fmtBytes(p[1]);
      x += w;
    });
    [75, 90].forEach(function (pct) {
      var lx = L + plotW * pct / 100;
      svg("line", { x1: lx, x2: lx, y1: 6, y2: 44, stroke: pct === 90 ? "#b80018" : "#e0a100", "stroke-width": 2, "stroke-dasharray": "3 2" }, s);
      svg("text", { x: lx, y: 58, "text-anchor": "middle" }, s).textContent = pct + " %";
    });
    container.replaceChildren(s);
    legend(legendNode, [["database " + App.fmtBytes(db), "#1d4ed8"], ["other files " + App.fmtBytes(other), "#93c5fd"], ["free " + App.fmtBytes(d.free), "#9ca3af"],
      ["warning at 75 % used", "#e0a100", "line"], ["fault at 90 % used", "#b80018", "line"]]);
  }
  return { reads: reads, verdicts: verdicts, backlog: backlog, latency: latency, listAges: listAges, disk: disk, COLOURS: COLOURS };
})();
