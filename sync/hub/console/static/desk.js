/* The hit desk: filtered list, live updates over server-sent events, the hit card and the operator's actions. */
"use strict";
(() => {
  const {call, el, words, when} = Hub;
  const section = document.querySelector("section.desk");
  const canWork = section.dataset.canWork === "yes", canNote = section.dataset.canNote === "yes";
  const tbody = document.getElementById("hits");
  const form = document.getElementById("filters");
  let filters = {state: "open"}, selected = null, source = null, oldest = null;

  function query(extra) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({...filters, ...(extra || {})})) if (v) p.set(k, v);
    return p.toString();
  }
  function verdict(d) { return el("span", {class: "verdict " + (d === "HIT" ? "hit" : "possible"), text: d === "HIT" ? "HIT" : "POSSIBLE MATCH"}); }
  function matches(hit) {
    const f = filters;
    if (f.decision && hit.decision !== f.decision) return false;
    if (f.post && hit.post !== f.post) return false;
    if (f.list && !hit.lists.includes(f.list)) return false;
    if (f.state === "open" && hit.state === "closed") return false;
    if (f.state && f.state !== "open" && hit.state !== f.state) return false;
    return true;
  }
  function row(hit) {
    const tr = el("tr", {class: "hit state-" + hit.state, "data-id": hit.id, "data-state": hit.state, "data-decision": hit.decision, tabindex: "0"},
      el("td", {text: hit.id}), el("td", {text: when(hit.read_at)}), el("td", {text: hit.post + " · " + hit.lane}),
      el("td", {}, verdict(hit.decision)), el("td", {text: hit.lists.join(", ")}), el("td", {text: words(hit.booth_action) || "–"}),
      el("td", {class: "state", text: hit.state === "closed" ? "closed: " + words(hit.outcome) : hit.state}), el("td", {text: hit.assignee || "–"}));
    tr.addEventListener("click", () => open(hit.id));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") open(hit.id); });
    if (selected === hit.id) tr.classList.add("selected");
    return tr;
  }
  function upsert(hit, fresh) {
    const old = tbody.querySelector(`tr[data-id="${hit.id}"]`);
    if (!matches(hit)) { if (old) old.remove(); return; }
    const tr = row(hit);
    if (fresh) tr.classList.add("fresh");
    if (old) { old.replaceWith(tr); return; }
    const after = [...tbody.children].find((r) => Number(r.dataset.id) < hit.id);
    tbody.insertBefore(tr, after || null);
  }
  function showCounts(c) {
    document.getElementById("counts").textContent = `${c.new || 0} new, ${c.acknowledged || 0} acknowledged`;
  }
  async function load(more) {
    const err = document.getElementById("desk-error");
    try {
      const data = await call("GET", "/console/api/hits?" + query(more ? {before: oldest} : {}));
      err.hidden = true;
      if (!more) tbody.replaceChildren();
      for (const h of data.hits) tbody.append(row(h));
      if (data.hits.length) oldest = data.hits[data.hits.length - 1].id;
      document.getElementById("more").hidden = data.hits.length < 50;
      showCounts(data.counts);
      if (!more) connect(data.feed_seq);
    } catch (e) { err.textContent = e.message; err.hidden = false; }
  }
  function connect(seq) {
    if (source) source.close();
    const live = document.getElementById("live-state");
    source = new EventSource("/console/api/stream?after=" + encodeURIComponent(seq));
    source.onopen = () => { live.textContent = "live"; live.className = "ok"; };
    source.onerror = () => { live.textContent = "reconnecting… (updates paused)"; live.className = "warn"; };
    source.addEventListener("hit", (e) => {
      const ev = JSON.parse(e.data);
      upsert(ev.hit, ev.kind === "new");
      if (selected === ev.hit.id) open(ev.hit.id, true);
      call("GET", "/console/api/hits?limit=1").then((d) => showCounts(d.counts)).catch(() => {});
    });
  }
  function field(label, value) { return value ? el("div", {class: "kv"}, el("span", {class: "k", text: label}), el("span", {class: "v", text: value})) : null; }
  function card(d) {
    const c = d.card || {}, box = el("div", {});
    const doc = c.document || {};
    box.append(el("h3", {text: "Traveller (as read at the booth)"}),
      field("Name", [doc.surname, doc.given_names].filter(Boolean).join(", ")), field("Nationality", doc.nationality),
      field("Date of birth", doc.birth_date), field("Sex", doc.sex),
      field("Document", [doc.document_code, doc.issuing_state, doc.document_number].filter(Boolean).join(" ")),
      field("Expires", doc.expiry_date), field("Reasons", (c.reasons || []).map(words).join("; ")));
    for (const m of c.matches || []) {
      const sec = el("section", {class: "match"}, el("h3", {text: `Match on ${m.list}: entry ${m.entry_id} (score ${m.score})`}),
        field("Listed name", m.matched_name), field("Kind", m.kind));
      const ev = m.evidence || {};
      const evl = el("ul", {class: "evidence"});
      for (const [k, v] of Object.entries(ev)) {
        if (v && typeof v === "object") evl.append(el("li", {text: `${words(k)}: ${v.result || v.status || ""} ${v.adjustment !== undefined ? "(" + v.adjustment + ")" : v.score !== undefined ? "(" + v.score + ")" : ""}`}));
        else if (v !== null && v !== undefined) evl.append(el("li", {text: `${words(k)}: ${v}`}));
      }
      sec.append(el("h4", {text: "Evidence"}), evl);
      const listed = (d.listed || []).find((x) => x.list === m.list && String(x.entry_id) === String(m.entry_id));
      if (listed) {
        const r = listed.record, names = (r.names || []).map((n) => n.name).join("; ");
        sec.append(el("h4", {text: "Listed entry (as the hub publishes it)"}), field("Names", names),
          field("Dates of birth", (r.dates_of_birth || []).join(", ")), field("Nationalities", (r.nationalities || []).join(", ")),
          field("Programme", r.programme), field("Remarks", r.remarks), field("Status", r.status),
          field("Changed in version", String(listed.changed_in_version) + (listed.removed ? " (since removed)" : "")));
      }
      box.append(sec);
    }
    const lv = (c.lists || []).map((l) => `${l.name} v${l.version}` + (d.published[l.name] && String(d.published[l.name]) !== String(l.version) ? ` (hub now v${d.published[l.name]})` : ""));
    box.append(el("h3", {text: "Lists at the box"}), el("p", {text: lv.join(", ") || "–"}));
    box.append(el("h3", {text: "At the booth"}));
    const bl = el("ul", {id: "booth-dispositions"});
    for (const b of d.booth_dispositions) bl.append(el("li", {text: `${when(b.at)} ${b.officer}: ${words(b.action)}${b.referred ? ", referred" : ""}${b.reason ? " – " + b.reason : ""}`}));
    if (!d.booth_dispositions.length) bl.append(el("li", {text: "no disposition received yet"}));
    box.append(bl, el("h3", {text: "On the desk"}));
    const hl = el("ul", {id: "history"});
    for (const h of d.history) hl.append(el("li", {text: `${when(h.at)} ${h.actor}: ${words(h.action)} ${Object.entries(h.detail).map(([k, v]) => words(k) + " " + words(v)).join(", ")}`}));
    for (const n of d.notifications) hl.append(el("li", {text: `${n.channel} notification: ${n.state}${n.delivered_at ? " at " + when(n.delivered_at) : ""} (${n.attempts} attempt(s))${n.last_error ? " – " + n.last_error : ""}`}));
    box.append(hl);
    return box;
  }
  async function open(id, quiet) {
    selected = id;
    for (const r of tbody.querySelectorAll("tr.selected")) r.classList.remove("selected");
    const tr = tbody.querySelector(`tr[data-id="${id}"]`);
    if (tr) tr.classList.add("selected");
    try {
      const d = await call("GET", "/console/api/hits/" + id);
      const aside = document.getElementById("detail");
      aside.hidden = false;
      aside.dataset.id = id;
      aside.dataset.state = d.state;
      document.getElementById("d-title").textContent = `Hit ${d.id}: ${d.decision === "HIT" ? "HIT" : "POSSIBLE MATCH"} at ${d.post}`;
      document.getElementById("d-meta").textContent = `Box ${d.appliance}, lane ${d.lane}, scan ${d.scan_id || "?"}; read ${when(d.read_at)}, received ${when(d.received_at)}. State: ${d.state}${d.outcome ? " (" + words(d.outcome) + ")" : ""}${d.assignee ? ", assigned to " + d.assignee : ""}.`;
      document.getElementById("d-card").replaceChildren(card(d));
      document.getElementById("btn-ack").hidden = !canWork || d.state !== "new";
      document.querySelector("#d-actions .assign").hidden = !canWork || d.state === "closed";
      document.querySelector("#d-actions .close").hidden = !canWork || d.state === "closed";
      document.getElementById("btn-reopen").hidden = !canWork || d.state !== "closed";
      document.querySelector(".note").hidden = !canNote;
      if (!quiet) document.getElementById("d-msg").textContent = "";
    } catch (e) { document.getElementById("desk-error").textContent = e.message; document.getElementById("desk-error").hidden = false; }
  }
  async function act(action, body) {
    const msg = document.getElementById("d-msg");
    try {
      const hit = await call("POST", `/console/api/hits/${selected}/${action}`, body || {});
      msg.textContent = `Done: ${words(action)}.`;
      upsert(hit);
      await open(selected, true);
    } catch (e) { msg.textContent = e.message; }
  }
  document.getElementById("btn-ack").addEventListener("click", () => act("acknowledge"));
  document.getElementById("btn-assign").addEventListener("click", () => act("assign", {assignee: document.getElementById("assign-user").value}));
  document.getElementById("btn-close").addEventListener("click", () => act("close", {outcome: document.getElementById("outcome").value, note: document.getElementById("note").value}));
  document.getElementById("btn-reopen").addEventListener("click", () => act("reopen", {}));
  document.getElementById("btn-note").addEventListener("click", async () => { await act("note", {note: document.getElementById("note").value}); document.getElementById("note").value = ""; });
  document.getElementById("more").addEventListener("click", () => load(true));
  function exportLinks() {
    const q = query({});
    document.getElementById("exp-csv").href = "/console/api/export/hits.csv?" + q;
    document.getElementById("exp-ndjson").href = "/console/api/export/hits.ndjson?" + q;
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    filters = {};
    for (const [k, v] of new FormData(form).entries()) if (v) filters[k] = v;
    exportLinks();
    load(false);
  });
  if (canWork) call("GET", "/console/api/assignees").then((d) => {
    const sel = document.getElementById("assign-user");
    sel.append(el("option", {value: "", text: "nobody"}));
    for (const u of d.users) sel.append(el("option", {value: u, text: u}));
  }).catch(() => {});
  const wanted = new URLSearchParams(location.search).get("hit");
  exportLinks();
  load(false).then(() => { if (wanted && /^\d+$/.test(wanted)) open(Number(wanted)); });
})();
