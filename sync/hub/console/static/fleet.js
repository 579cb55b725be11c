/* The fleet page: every box with its problems in words, and hits and encounters per post over time. */
"use strict";
(() => {
  const {call, el, when} = Hub;
  async function load() {
    const data = await call("GET", "/console/api/fleet");
    const s = data.summary;
    document.getElementById("fleet-summary").textContent =
      `${s.boxes} boxes: ${s.healthy} healthy, ${s.silent} SILENT, ${s.old_lists} on an OLD LIST or missing a list, ${s.alarms} with alarms`;
    document.getElementById("fleet-time").textContent = "as of " + when(data.generated_at);
    const body = document.getElementById("boxes");
    body.replaceChildren();
    for (const b of data.boxes) {
      const lists = el("ul", {class: "plain"});
      for (const l of b.lists) lists.append(el("li", {class: l.state === "current" ? "" : "bad", text: `${l.name}: ` + (l.state === "current" ? `v${l.held} (current)` : l.state)}));
      const readers = el("ul", {class: "plain"});
      for (const r of b.lanes) readers.append(el("li", {class: r.state === "connected" ? "" : "bad", text: `${r.name}: ${r.state}${r.detail ? " – " + r.detail : ""}`}));
      body.append(el("tr", {class: b.problems.length ? "problem" : "healthy", "data-box": b.name},
        el("td", {text: b.name}), el("td", {text: b.post}),
        el("td", {class: b.link === "online" ? "link" : "link bad", text: b.link + (b.last_seen ? ` (last seen ${when(b.last_seen)})` : "")}),
        el("td", {}, lists), el("td", {text: b.queue_depth === null || b.queue_depth === undefined ? "–" : String(b.queue_depth)}),
        el("td", {class: b.alarms.length ? "bad" : "", text: b.alarms.join("; ") || "none"}), el("td", {}, b.lanes.length ? readers : "no report"),
        el("td", {class: b.clock && b.clock !== "ok" ? "bad" : "", text: b.clock === null ? "–" : b.clock === "ok" ? `ok (${b.clock_offset_seconds} s)` : b.clock}),
        el("td", {text: `${b.encounters_24h} encounters, ${b.hits_24h} hits`}),
        el("td", {class: "problems", text: b.problems.length ? "Problems: " + b.problems.join("; ") : "OK"})));
    }
  }
  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); return n; }
  async function chart() {
    const hours = document.getElementById("chart-hours").value;
    const data = await call("GET", "/console/api/fleet/chart?hours=" + hours);
    const box = document.getElementById("chart");
    box.replaceChildren();
    if (!data.posts.length) { box.append(el("p", {text: "No encounters in this period."})); return; }
    const n = data.hours.length, w = Math.max(2, Math.floor(720 / n));
    for (const p of data.posts.slice(0, 30)) {
      const max = Math.max(1, ...p.encounters);
      const g = svg("svg", {width: w * n + 10, height: 60, role: "img", "aria-label": `${p.post}: encounters and hits per hour`});
      p.encounters.forEach((v, i) => {
        const h = Math.round(50 * v / max), hh = Math.round(50 * p.hits[i] / max);
        const bar = svg("rect", {x: i * w, y: 55 - h, width: Math.max(1, w - 1), height: h, class: "enc"});
        const t = svg("title", {}); t.textContent = `${data.hours[i]}: ${v} encounters, ${p.hits[i]} hits`; bar.append(t);
        g.append(bar);
        if (hh) g.append(svg("rect", {x: i * w, y: 55 - hh, width: Math.max(1, w - 1), height: Math.max(hh, 2), class: "hit"}));
      });
      const total = p.encounters.reduce((a, b) => a + b, 0), hits = p.hits.reduce((a, b) => a + b, 0);
      box.append(el("div", {class: "post-chart", "data-post": p.post}, el("h3", {text: `${p.post}: ${total} encounters, ${hits} hits`}), g));
    }
  }
  document.getElementById("chart-hours").addEventListener("change", chart);
  load().catch((e) => { document.getElementById("fleet-summary").textContent = e.message; });
  chart().catch(() => {});
  setInterval(() => load().catch(() => {}), 15000);
})();
