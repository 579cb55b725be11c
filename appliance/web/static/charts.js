/* Small inline-SVG charts for the console: stacked bars (verdicts per hour) and lines (latency). */
"use strict";
var Charts = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = { CLEAR: "#0b7a34", POSSIBLE_MATCH: "#e0a100", HIT: "#b80018", DOCUMENT_INVALID: "#6b2aa0", READ_ERROR: "#6b7280" };
  var W = 600, H = 220, L = 40, R = 10, T = 10, B = 28;

  function svg(tag, attrs, parent) {
    var n = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(n); }
    return n;
  }
  function frame(title) {
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img", "aria-label": title });
    svg("title", {}, s).textContent = title;
    return s;
  }
  function axes(s, max, hours, unit) {
    var plotH = H - T - B;
    for (var i = 0; i <= 4; i++) {
      var y = T + plotH - plotH * i / 4;
      svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e5e7eb" }, s);
      svg("text", { x: L - 4, y: y + 4, "text-anchor": "end" }, s).textContent = Math.round(max * i / 4) + (i === 4 ? unit : "");
    }
    var step = Math.max(1, Math.ceil(hours.length / 8));
    hours.forEach(function (h, i) {
      if (i % step) { return; }
      var x = L + (W - L - R) * (i + 0.5) / hours.length;
      svg("text", { x: x, y: H - 8, "text-anchor": "middle" }, s).textContent = new Date(h.hour).getHours() + "h";
    });
  }
  function verdicts(container, hours) {
    var s = frame("Scans per hour by verdict");
    var max = Math.max(1, Math.max.apply(null, hours.map(function (h) { return h.count; })));
    axes(s, max, hours, "");
    var plotH = H - T - B, bw = (W - L - R) / hours.length;
    hours.forEach(function (h, i) {
      var y = T + plotH;
      Object.keys(COLOURS).forEach(function (k) {
        var n = h.verdicts[k] || 0;
        if (!n) { return; }
        var hh = plotH * n / max;
        y -= hh;
        var r = svg("rect", { x: L + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: hh, fill: COLOURS[k] }, s);
        svg("title", {}, r).textContent = h.hour + " " + k + ": " + n;
      });
    });
    container.replaceChildren(s);
  }
  function latency(container, hours) {
    var s = frame("Screening latency per hour");
    var vals = hours.map(function (h) { return h.latency_p95_ms || 0; });
    var max = Math.max(1, Math.max.apply(null, vals));
    axes(s, max, hours, " ms");
    var plotH = H - T - B;
    [["latency_p50_ms", "#1d4ed8"], ["latency_p95_ms", "#b80018"]].forEach(function (series) {
      var pts = [];
      hours.forEach(function (h, i) {
        if (h[series[0]] === null || h[series[0]] === undefined) { return; }
        var x = L + (W - L - R) * (i + 0.5) / hours.length, y = T + plotH - plotH * h[series[0]] / max;
        pts.push(x.toFixed(1) + "," + y.toFixed(1));
        var c = svg("circle", { cx: x, cy: y, r: 3, fill: series[1] }, s);
        svg("title", {}, c).textContent = h.hour + " " + series[0].replace("latency_", "").replace("_ms", "") + ": " + h[series[0]] + " ms";
      });
      if (pts.length > 1) { svg("polyline", { points: pts.join(" "), fill: "none", stroke: series[1], "stroke-width": 2 }, s); }
    });
    container.replaceChildren(s);
  }
  return { verdicts: verdicts, latency: latency, COLOURS: COLOURS };
})();
