/* Users and audit pages (administrators). */
"use strict";
(() => {
  const {call, el, when} = Hub;
  async function users() {
    const data = await call("GET", "/console/api/users");
    const body = document.getElementById("users");
    body.replaceChildren();
    for (const u of data.users) {
      const btn = el("button", {type: "button", text: u.disabled ? "Enable" : "Disable"});
      btn.addEventListener("click", async () => {
        try { await call("POST", `/console/api/users/${encodeURIComponent(u.username)}/${u.disabled ? "enable" : "disable"}`, {}); await users(); }
        catch (e) { document.getElementById("u-msg").textContent = e.message; }
      });
      body.append(el("tr", {"data-user": u.username}, el("td", {text: u.username}), el("td", {text: u.role}),
        el("td", {text: u.disabled ? "disabled" : (u.locked_until ? "locked until " + when(u.locked_until) : "active")}),
        el("td", {text: when(u.last_login_at)}), el("td", {}, btn)));
    }
  }
  async function audit() {
    const data = await call("GET", "/console/api/audit");
    const v = data.verify;
    const p = document.getElementById("verify");
    p.textContent = v.ok ? `Chain verified: ${v.records} records, intact.` : `CHAIN BROKEN: ${v.problems.join("; ")}`;
    p.className = v.ok ? "ok" : "error";
    const body = document.getElementById("audit");
    body.replaceChildren(...data.records.map((r) => el("tr", {}, el("td", {text: r.seq}), el("td", {text: when(r.ts)}), el("td", {text: r.actor}),
      el("td", {text: r.action}), el("td", {text: r.target}), el("td", {text: JSON.stringify(r.detail)}))));
  }
  const form = document.getElementById("user-form");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const msg = document.getElementById("u-msg");
      try {
        await call("POST", "/console/api/users", {username: document.getElementById("u-name").value, role: document.getElementById("u-role").value,
          password: document.getElementById("u-password").value});
        msg.textContent = "User added.";
        form.reset();
        await users();
      } catch (err) { msg.textContent = err.message; }
    });
    users().catch((e) => { document.getElementById("u-msg").textContent = e.message; });
  }
  if (document.getElementById("audit")) audit().catch((e) => { document.getElementById("verify").textContent = e.message; });
})();
