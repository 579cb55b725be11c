/* The lists page: versions, which boxes hold which version, and publishing with a preview of the changes. */
"use strict";
(() => {
  const {call, el, when} = Hub;
  let previewed = null;
  async function load() {
    const data = await call("GET", "/console/api/lists");
    const box = document.getElementById("lists");
    box.replaceChildren();
    const names = document.getElementById("list-names"), formats = document.getElementById("p-format");
    if (formats && !formats.children.length) for (const f of data.formats) formats.append(el("option", {value: f, text: f}));
    if (names) names.replaceChildren(...data.lists.map((l) => el("option", {value: l.name})));
    if (!data.lists.length) box.append(el("p", {text: "No list has been published yet."}));
    for (const l of data.lists) {
      const holders = el("ul", {class: "holders"});
      for (const [v, boxes] of Object.entries(l.holders).sort()) {
        const label = v === "none" ? "without this list" : (Number(v) === l.version ? `v${v} (newest)` : `v${v} (OLD)`);
        holders.append(el("li", {"data-version": v, text: `${label}: ${boxes.length} box(es): ${boxes.join(", ")}`}));
      }
      const hist = el("table", {class: "history"}, el("tr", {}, ...["version", "published", "records", "added/changed", "removed", "source"].map((h) => el("th", {text: h}))));
      for (const h of l.history) hist.append(el("tr", {}, el("td", {text: "v" + h.version}), el("td", {text: when(h.created_at)}), el("td", {text: h.record_count}), el("td", {text: h.upserts}), el("td", {text: h.removals}), el("td", {text: h.source})));
      box.append(el("section", {class: "list", "data-list": l.name}, el("h2", {text: `${l.name}: version ${l.version}, ${l.records} ${l.kind} records`}),
        el("h3", {text: "Which boxes hold which version"}), holders, el("h3", {text: "Version history"}), hist));
    }
  }
  const form = document.getElementById("publish-form");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const msg = document.getElementById("p-msg");
      msg.textContent = "Reading the file…";
      try {
        const r = await call("POST", "/console/api/lists/preview", new FormData(form), true);
        previewed = r;
        document.getElementById("p-counts").textContent =
          `${r.list} version ${r.current_version} → ${r.next_version}: ${r.records} records; ${r.added} added, ${r.changed} changed, ${r.removed} removed, ${r.unchanged} unchanged.`;
        document.getElementById("p-result").hidden = false;
        msg.textContent = "Check the counts, then publish.";
      } catch (err) { msg.textContent = err.message; document.getElementById("p-result").hidden = true; }
    });
    document.getElementById("p-publish").addEventListener("click", async () => {
      const msg = document.getElementById("p-msg");
      const fd = new FormData(form);
      fd.set("sha256", previewed.sha256);
      fd.set("expected_version", String(previewed.current_version));
      try {
        const r = await call("POST", "/console/api/lists/publish", fd, true);
        msg.textContent = `Published ${r.list} version ${r.version}.`;
        document.getElementById("p-result").hidden = true;
        await load();
      } catch (err) { msg.textContent = err.message; }
    });
  }
  load().catch((e) => { document.getElementById("lists").textContent = e.message; });
})();
