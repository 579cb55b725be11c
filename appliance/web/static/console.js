/* Technician console: status at a glance, lanes and self-test, lists, sync, charts, log, configuration, users, tokens, audit. */
"use strict";
(function () {
  var root = document.getElementById("console");
  if (!root) { return; }
  var el = App.el, clear = App.clear;
  var isAdmin = root.dataset.admin === "yes", canAudit = root.dataset.audit === "yes";
  function $(id) { return document.getElementById(id); }

  function table(headers, rows) {
    return el("table", { class: "grid" }, el("thead", {}, el("tr", {}, headers.map(function (h) { return el("th", { text: h }); }))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length, class: "note", text: "Nothing yet." }))));
  }
  function cell(v, cls) { return el("td", { class: cls, text: v === null || v === undefined || v === "" ? "—" : String(v) }); }
  var LEVEL_WORDS = { "": "ok", ok: "ok", warn: "warning", bad: "fault" };
  function tile(title, big, small, level) {
    level = level || "";
    return el("div", { class: "tile " + level, "data-level": LEVEL_WORDS[level] },
      el("h3", {}, el("span", { text: title }), el("span", { class: "level", text: LEVEL_WORDS[level] })),
      el("div", { class: "big", text: big }), el("div", { class: "small", text: small || "" }));
  }

  /* ---- navigation ---- */
  function show() {
    var name = (location.hash || "#overview").slice(1);
    if (!$("p-" + name)) { name = "overview"; }
    document.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.id !== "p-" + name; });
    document.querySelectorAll("#console-nav a").forEach(function (a) { a.classList.toggle("active", a.getAttribute("href") === "#" + name); });
    load(name);
  }
  window.addEventListener("hashchange", show);

  var status = null;
  function load(name) {
    if (["overview", "lanes", "lists", "sync"].indexOf(name) >= 0) { refreshStatus(); }
    if (name === "charts") { loadCharts(); }
    if (name === "logs") { loadLogs(); }
    if (name === "config") { loadConfig(); }
    if (name === "users") { loadUsers(); }
    if (name === "tokens") { loadTokens(); }
    if (name === "audit") { loadAudit(); }
  }

  function loadCharts() {
    App.api("GET", "/stats?hours=24").then(function (d) {
      if (!d._ok) { return; }
      Charts.reads($("chart-reads"), d.hours, $("legend-reads"));
      Charts.verdicts($("chart-verdicts"), d.hours, $("legend"));
      Charts.backlog($("chart-backlog"), d.hours, $("legend-backlog"));
      Charts.listAges($("chart-lists"), d.lists, $("legend-lists"));
      Charts.disk($("chart-disk"), d.disk, d.database_bytes, $("legend-disk"));
      Charts.latency($("chart-latency"), d.hours, $("legend-latency"));
    });
  }

  /* ---- status ---- */
  function refreshStatus() {
    return App.api("GET", "/status").then(function (d) {
      if (!d._ok) { return; }
      status = d;
      renderTiles(d); renderLanes(d); renderLists(d); renderSync(d);
    });
  }

  function readerWords(l) {
    if (l.state === "unknown") { return "not reporting"; }
    if (l.silent) { return "silent (no report for 90 s)"; }
    return l.state;
  }
  function renderTiles(d) {
    var lanes = d.lanes || [], up = lanes.filter(function (l) { return l.state === "connected" && !l.silent; }).length;
    var lists = d.lists || [], stale = lists.filter(function (l) { return l.stale; }), empty = lists.filter(function (l) { return l.empty; });
    var m = d.machine, disk = m.disk, mem = m.memory, sync = d.sync || {}, st = sync.state || {};
    var tiles = clear($("tiles"));
    var down = lanes.filter(function (l) { return l.state !== "connected" || l.silent; });
    tiles.appendChild(tile("Readers", up + " of " + lanes.length + " connected",
      down.length ? down.map(function (l) { return l.name + ": " + readerWords(l); }).join(", ") : (lanes.length ? "all connected" : "no lane configured"),
      !lanes.length ? "warn" : (down.length ? "bad" : "")));
    var listLevel = !lists.length || stale.length || empty.length ? "bad" : (lists.some(function (l) { return l.stale_at && Date.parse(l.stale_at) - Date.now() < 6 * 3600 * 1000; }) ? "warn" : "");
    tiles.appendChild(tile("Lists", stale.length ? stale.length + " of " + lists.length + " OUT OF DATE" : (lists.length ? lists.length + " current" : "none loaded"),
      stale.length ? stale.map(function (l) { return (l.title || l.name) + ": " + App.fmtAge(l.age_hours); }).join(", ") + " · every verdict becomes POSSIBLE MATCH" :
        (empty.length ? empty.map(function (l) { return l.name; }).join(", ") + " empty" : (lists.length ? "stale after " + d.max_list_age_hours + " h; oldest " + App.fmtAge(Math.max.apply(null, lists.map(function (l) { return l.age_hours || 0; }))) : "import lists or enroll with a hub")),
      listLevel));
    var syncLevel = st.alarm_count || st.ok === false && st.enrolled ? "bad" : (sync.outbox_priority_depth || st.enrolled === false ? "warn" : "");
    tiles.appendChild(tile("Sync with the hub", st.enrolled === false ? "not enrolled" : (st.state === "online" ? "linked" : (st.state === "offline" ? "hub unreachable" : "never synced")),
      sync.outbox_depth + " record(s) waiting" + (sync.outbox_priority_depth ? ", " + sync.outbox_priority_depth + " of them hits" : "") +
      (st.last_success ? " · last sync " + App.fmtTime(st.last_success) : "") + (st.alarm_count ? " · " + st.alarm_count + " alarm(s)" : ""), syncLevel));
    tiles.appendChild(tile("Disk", disk.used_pct + " % used", App.fmtBytes(disk.free) + " free · database " + App.fmtBytes(m.database_bytes), disk.used_pct > 90 ? "bad" : disk.used_pct > 75 ? "warn" : ""));
    tiles.appendChild(tile("Memory", App.fmtBytes(mem.available) + " free", "of " + App.fmtBytes(mem.total) + " · service " + App.fmtBytes(mem.process_rss), mem.available && mem.total && mem.available / mem.total < 0.1 ? "bad" : ""));
    tiles.appendChild(tile("Clock (UTC)", m.clock.utc.slice(11, 19), m.clock.utc.slice(0, 10) + (m.clock.ntp_synchronized ? " · NTP synchronised" : " · not NTP synchronised: check the time source"), m.clock.ntp_synchronized ? "" : "warn"));
    var counts = d.scans_24h || {}, total = Object.keys(counts).reduce(function (a, k) { return a + counts[k]; }, 0);
    tiles.appendChild(tile("Scans (24 h)", String(total), Object.keys(counts).map(function (k) { return k.replace(/_/g, " ") + " " + counts[k]; }).join(" · ") +
      (d.needs_decision ? " · " + d.needs_decision + " waiting for an officer's decision" : ""), d.needs_decision ? "warn" : ""));
    tiles.appendChild(tile("Service", d.health.status === "ok" ? "running" : "problem", "version " + d.version + " · up " + Math.round(m.uptime_s / 60) + " min", d.health.status === "ok" ? "" : "bad"));
  }

  function laneRows(lanes, withButtons) {
    return lanes.map(function (l) {
      var state = readerWords(l);
      var row = el("tr", {}, cell(l.name), cell(state, l.state === "connected" && !l.silent ? "ok" : "bad"), cell(l.profile), cell(l.port),
        cell(App.fmtTime(latest(l.last_read_at, l.last_scan_at))), cell(l.reads), cell(l.read_errors, l.read_errors ? "bad" : ""), cell(l.scans_24h), cell(l.detail));
      if (withButtons) {
        row.appendChild(el("td", {}, el("button", { type: "button", class: "selftest", "data-lane": l.name, text: "Self-test", onclick: function () { selftest(l.name); } })));
      }
      return row;
    });
  }
  /* the bridge reports every 30 s; a scan stored since then is a later read */
  function latest(a, b) { if (!a) { return b; } if (!b) { return a; } return new Date(b) > new Date(a) ? b : a; }
  var LANE_HEAD = ["Lane", "Reader", "Profile", "Port", "Last read", "Reads", "Errors", "Scans 24 h", "Detail"];
  function renderLanes(d) {
    $("ov-lanes").replaceChildren(table(LANE_HEAD.slice(0, 5), laneRows(d.lanes, false).map(function (r) { while (r.children.length > 5) { r.removeChild(r.lastChild); } return r; })));
    $("lanes-table").replaceChildren(table(LANE_HEAD.concat([""]), laneRows(d.lanes, true)));
  }
  function selftest(lane) {
    var out = $("selftest-result");
    out.textContent = "Running the self-test of " + lane + "…";
    App.api("POST", "/lanes/" + encodeURIComponent(lane) + "/selftest", {}).then(function (d) {
      if (!d._ok) { out.textContent = d.message || d.error; return; }
      out.textContent = (d.ok ? "PASSED" : "FAILED") + " in " + d.total_ms + " ms\n" + (d.steps || []).map(function (s) { return (s.ok ? "✓ " : "✗ ") + s.step + ": " + s.detail; }).join("\n");
      out.className = "result " + (d.ok ? "ok" : "bad");
    });
  }

  function listRows(lists) {
    return lists.map(function (l) {
      var counts = l.counts || {};
      function count(k, one) { var v = l[k] || 0; return v + " " + (v === 1 ? one : k); }
      var n = l.kind === "documents" ? count("documents", "document") :
        [["persons", "person"], ["entities", "entity"], ["names", "name"], ["documents", "document"]].filter(function (p) { return l[p[0]]; })
          .map(function (p) { return count(p[0], p[1]); }).join(", ") || (Object.keys(counts).map(function (k) { return k + " " + counts[k]; }).join(", "));
      var limit = l.fresh_until ? "hub says fresh until " + l.fresh_until.slice(0, 16).replace("T", " ") : (l.stale_after_hours ? "stale after " + l.stale_after_hours + " h" : "");
      var state = l.empty ? "EMPTY" : (l.stale ? "OUT OF DATE" : "current");
      return el("tr", { class: l.stale || l.empty ? "stale" : "", "data-list": l.name }, cell(l.title && l.title !== l.name ? l.title + " (" + l.name + ")" : l.name), cell(l.kind), cell(l.version), cell(n),
        cell(App.fmtAge(l.age_hours), "nowrap " + (l.stale ? "bad" : "")), cell(state + (limit ? " · " + limit : ""), l.stale || l.empty ? "bad" : "ok"), cell(l.source || l.format));
    });
  }
  function renderLists(d) {
    $("lists-table").replaceChildren(table(["List", "Kind", "Version", "Entries", "Age", "State", "Source"], listRows(d.lists || [])));
    /* the overview keeps what a glance needs: which list, how old, current or not */
    $("ov-lists").replaceChildren(table(["List", "Age", "State"], (d.lists || []).map(function (l) {
      return el("tr", { class: l.stale || l.empty ? "stale" : "", "data-list": l.name }, cell(l.title || l.name), cell(App.fmtAge(l.age_hours), "nowrap " + (l.stale ? "bad" : "")),
        cell(l.empty ? "EMPTY" : (l.stale ? "OUT OF DATE" : "current"), l.stale || l.empty ? "bad" : "ok"));
    })));
    renderHandling(d.lists || []);
  }
  var handlingLists = [];
  function renderHandling(lists) {
    var box = $("lists-handling");
    if (!box) { return; }
    handlingLists = lists;
    box.replaceChildren(table(["List", "Shown to officers as", "Handling instructions (first on the hit card)"], lists.map(function (l) {
      return el("tr", {}, cell(l.name), cell(l.title), cell(l.handling));
    })));
    var sel = $("handling-list"), was = sel.value;
    if (sel.options.length !== lists.length) {
      sel.replaceChildren.apply(sel, lists.map(function (l) { return el("option", { value: l.name, text: l.name }); }));
      if (was) { sel.value = was; }
      fillHandling();
    }
  }
  function fillHandling() {
    var l = handlingLists.filter(function (x) { return x.name === $("handling-list").value; })[0];
    if (!l) { return; }
    $("handling-title").value = l.title && l.title !== l.name ? l.title : "";
    $("handling-text").value = l.own_handling || "";
    $("handling-text").placeholder = l.handling || "";
  }
  $("handling-list").addEventListener("change", fillHandling);
  $("handling-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("handling-list").value, ch = { lists: {} };
    if (!name) { return; }
    ch.lists[name] = { title: $("handling-title").value.trim() || null, handling: $("handling-text").value.trim() || null };
    saveConfig(ch, $("handling-state")).then(function (d) { if (d && d._ok) { $("handling-list").replaceChildren(); refreshStatus(); } });
  });
  function ago(seconds) { return seconds === null || seconds === undefined ? "never" : App.fmtDuration(seconds * 1000) + " ago"; }
  function renderSync(d) {
    var s = d.sync || {}, st = s.state || {};
    var headline = st.enrolled === false ? ["warn", "This box is not enrolled with a hub. Scans and decisions wait on the box; lists come only from local imports. Enroll it with `appliance sync enroll`."] :
      st.alarm_count ? ["bad", st.alarm_count + " sync alarm(s) need a look: see below."] :
      st.state === "offline" ? ["bad", "The hub cannot be reached" + (st.last_error ? " (" + st.last_error + ")" : "") + ". Records wait on the box and go when the link is back."] :
      (st.stale_lists || []).length ? ["bad", "Lists from the hub are out of date: " + st.stale_lists.join(", ") + "."] :
      ["ok", "Synchronising with the hub; the last exchange worked " + ago(st.lag_seconds) + "."];
    var facts = [];
    function fact(k, v, cls) { facts.push(el("dt", { text: k }), el("dd", { class: cls || "", text: v })); }
    if (st.enrolled) {
      fact("Hub", (st.hub_url || "—") + (st.appliance ? ", this box is " + st.appliance : ""));
      fact("Link", st.state === "online" ? "up" : (st.state === "offline" ? "down" : "not tried yet"), st.state === "online" ? "ok" : "bad");
      fact("Last exchange that worked", st.last_success ? App.fmtTime(st.last_success) + " (" + ago(st.lag_seconds) + ")" : "never");
      if (st.last_attempt && st.last_attempt !== st.last_success) { fact("Last attempt", App.fmtTime(st.last_attempt) + (st.consecutive_failures ? ", " + st.consecutive_failures + " failed in a row" : "")); }
      if (st.last_error) { fact("Last error", st.last_error, "bad"); }
    }
    fact("Waiting to be sent", s.outbox_depth + " record(s)" + (s.outbox_priority_depth ? ", of which " + s.outbox_priority_depth + " hit(s) go first" : "") +
      (st.oldest_pending ? "; oldest from " + App.fmtTime(st.oldest_pending) : ""), s.outbox_priority_depth ? "warn" : "");
    if (st.rejected_records) { fact("Refused by the hub", st.rejected_records + " record(s): see the alarms", "bad"); }
    var lists = (st.lists || []).map(function (x) { return el("tr", { class: x.stale ? "stale" : "" }, cell(x.name), cell(x.version), cell(x.published_at ? x.published_at.slice(0, 16).replace("T", " ") : ""),
      cell(x.fresh_until ? x.fresh_until.slice(0, 16).replace("T", " ") : "", x.stale ? "bad" : "ok"), cell(x.stale ? "OUT OF DATE" : "current", x.stale ? "bad" : "ok")); });
    var alarms = (st.alarms || []).map(function (a) { return el("tr", {}, cell(a.kind.replace(/_/g, " ")), cell(a.list), cell(a.detail), cell(a.count), cell(App.fmtTime(a.last_at)), cell(a.resolved_at ? "resolved" : "open", a.resolved_at ? "ok" : "bad")); });
    var parts = [el("p", { class: "sync-headline " + headline[0], id: "sync-headline", text: headline[1] }), el("dl", { class: "facts", id: "sync-facts" }, facts)];
    if (st.enrolled) {
      parts.push(el("h3", { text: "Lists received from the hub" }), table(["List", "Version", "Published", "Fresh until", "State"], lists));
      parts.push(el("h3", { text: "Alarms" }), table(["What", "List", "Detail", "Times", "Last", "State"], alarms));
    }
    $("sync-info").replaceChildren.apply($("sync-info"), parts);
  }

  /* ---- log ---- */
  function loadLogs() {
    App.api("GET", "/logs?limit=200").then(function (d) {
      var box = clear($("logs"));
      (d.lines || []).forEach(function (l) { box.appendChild(el("div", { class: l.level, text: l.ts + " " + l.level + " " + l.logger + ": " + l.message })); });
      if (!(d.lines || []).length) { box.textContent = "No log lines yet."; }
      box.scrollTop = box.scrollHeight;
    });
  }

  /* ---- configuration ---- */
  var configSchema = [];
  function loadConfig() {
    App.api("GET", "/config").then(function (d) {
      if (!d._ok) { return; }
      $("config-path").textContent = "File: " + d.path + ". Values are checked against the schema; unknown settings are refused. Changes to [server], [bridge] and lanes apply after a restart.";
      configSchema = d.schema;
      var rows = d.schema.filter(function (o) { return !o.repeated; }).map(function (o) {
        var v = (d.settings[o.section] || {})[o.option], input;
        if (o.type === "bool") { input = el("select", { "data-key": o.key, "data-type": o.type }, el("option", { value: "true", text: "true", selected: v === true }), el("option", { value: "false", text: "false", selected: v === false })); }
        else if (o.choices) { input = el("select", { "data-key": o.key, "data-type": o.type }, o.choices.map(function (c) { return el("option", { value: c, text: c, selected: c === v }); })); }
        else { input = el("input", { "data-key": o.key, "data-type": o.type, value: Array.isArray(v) ? v.join(", ") : (v === null || v === undefined ? "" : v) }); }
        input.dataset.original = input.value;
        return el("tr", { class: "config-row" }, el("th", { text: o.key }), el("td", {}, input), cell(o.doc + (o.min !== null || o.max !== null ? " [" + (o.min === null ? "" : o.min) + "…" + (o.max === null ? "" : o.max) + "]" : "")));
      });
      Object.keys(d.settings.lanes || {}).forEach(function (name) {
        var l = d.settings.lanes[name];
        rows.push(el("tr", {}, el("th", { text: "lanes." + name }), cell("port " + (l.port || "—") + ", profile " + l.profile + ", " + l.baud + " baud"), el("td", {}, el("button", { type: "button", text: "Remove lane", onclick: function () { saveConfig({ lanes: (function () { var o = {}; o[name] = null; return o; })() }, $("config-state")); } }))));
      });
      $("config-table").replaceChildren(table(["Setting", "Value", "Meaning"], rows));
    });
  }
  function convert(type, raw) {
    if (type === "bool") { return raw === "true"; }
    if (type === "int") { return /^-?\d+$/.test(raw.trim()) ? parseInt(raw, 10) : raw; }
    if (type === "float") { var f = Number(raw); return raw.trim() !== "" && !isNaN(f) ? f : raw; }
    if (type === "list") { return raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean); }
    return raw;
  }
  function saveConfig(changes, state) {
    state.textContent = "Checking…";
    return App.api("PUT", "/config", { settings: changes }).then(function (d) {
      if (!d._ok) { state.textContent = "Not saved: " + (d.message || d.error); state.className = "note bad"; return d; }
      state.className = "note ok";
      state.textContent = d.changed.length ? "Saved: " + d.changed.join(", ") + (d.restart_needed ? " (restart the service to apply)" : "") : "Nothing changed.";
      loadConfig();
      return d;
    });
  }
  $("config-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var changes = {};
    document.querySelectorAll("#config-table [data-key]").forEach(function (inp) {
      if (inp.value === inp.dataset.original) { return; }
      var parts = inp.dataset.key.split(".");
      (changes[parts[0]] = changes[parts[0]] || {})[parts[1]] = convert(inp.dataset.type, inp.value);
    });
    saveConfig(changes, $("config-state"));
  });
  function laneSettings() { return { port: $("lane-new-port").value.trim(), profile: $("lane-new-profile").value }; }
  $("lane-test").addEventListener("click", function () {
    var st = $("lane-state");
    st.textContent = "Opening the port and reading…";
    App.api("POST", "/config/test-port", laneSettings()).then(function (d) { st.textContent = (d.ok ? "✓ " : "✗ ") + (d.detail || d.message || d.error); st.className = "note " + (d.ok ? "ok" : "bad"); });
  });
  $("lane-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var name = $("lane-new-name").value.trim(), ch = { lanes: {} };
    ch.lanes[name] = laneSettings();
    saveConfig(ch, $("lane-state"));
  });

  /* ---- users and tokens ---- */
  function loadUsers() {
    App.api("GET", "/users").then(function (d) {
      $("users-table").replaceChildren(table(["User", "Role", "State", "Failed logins", "Locked until", "Last login", ""], (d.users || []).map(function (u) {
        var action = u.disabled ? "enable" : "disable";
        return el("tr", {}, cell(u.username), cell(u.role), cell(u.disabled ? "disabled" : "active", u.disabled ? "bad" : "ok"), cell(u.failed_logins), cell(u.locked_until), cell(u.last_login_at),
          el("td", {}, el("button", { type: "button", text: u.locked_until && !u.disabled ? "Unlock" : action[0].toUpperCase() + action.slice(1), onclick: function () {
            App.api("POST", "/users/" + encodeURIComponent(u.username) + "/" + (u.locked_until && !u.disabled ? "enable" : action), {}).then(function (r) { $("user-state").textContent = r._ok ? "Done: " + u.username + "." : (r.message || r.error); $("user-state").className = "note " + (r._ok ? "ok" : "bad"); loadUsers(); });
          } })));
      })));
    });
  }
  if (isAdmin) {
    $("user-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      App.api("POST", "/users", { username: $("user-name").value.trim(), role: $("user-role").value, password: $("user-password").value }).then(function (d) {
        $("user-state").textContent = d._ok ? "Added " + d.username + "." : "Not added: " + (d.message || d.error);
        $("user-state").className = "note " + (d._ok ? "ok" : "bad");
        if (d._ok) { $("user-password").value = ""; loadUsers(); }
      });
    });
    $("token-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var lanes = $("token-lanes").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      App.api("POST", "/tokens", { role: $("token-role").value, lanes: lanes, label: $("token-label").value }).then(function (d) {
        $("token-state").textContent = d._ok ? "New token (shown once, copy it now): " + d.token : "Not created: " + (d.message || d.error);
        $("token-state").className = "note mono " + (d._ok ? "" : "bad");
        if (d._ok) { loadTokens(); }
      });
    });
  }
  function loadTokens() {
    App.api("GET", "/tokens").then(function (d) {
      $("tokens-table").replaceChildren(table(["Id", "Prefix", "Role", "Lanes", "Label", "Created", "Last used", "State", ""], (d.tokens || []).map(function (t) {
        return el("tr", {}, cell(t.id), cell(t.prefix + "…"), cell(t.role), cell(t.lanes.join(", ")), cell(t.label), cell(t.created_at), cell(t.last_used_at), cell(t.active ? "active" : "revoked", t.active ? "ok" : "bad"),
          el("td", {}, t.active ? el("button", { type: "button", text: "Revoke", onclick: function () { App.api("POST", "/tokens/" + t.id + "/revoke", {}).then(loadTokens); } }) : null));
      })));
    });
  }

  /* ---- audit ---- */
  function loadAudit() {
    App.api("GET", "/audit?limit=200").then(function (d) {
      var t = table(["#", "Time", "Actor", "Action", "Target", "Detail"], (d.records || []).map(function (r) {
        var detail = Object.keys(r.detail || {}).map(function (k) { return k + ": " + (typeof r.detail[k] === "object" ? JSON.stringify(r.detail[k]) : r.detail[k]); }).join(", ");
        return el("tr", {}, cell(r.seq), cell(r.ts.slice(0, 19).replace("T", " ")), cell(r.actor), cell(r.action), cell(r.target), cell(detail));
      }));
      t.classList.add("wrap");
      $("audit-table").replaceChildren(el("div", { class: "table-scroll" }, t));
    });
  }
  if (canAudit) {
    $("audit-verify").addEventListener("click", function () {
      App.api("GET", "/audit/verify").then(function (d) {
        $("audit-state").textContent = d.ok ? "✓ chain intact: " + d.records + " records" : "✗ " + (d.problems || []).join("; ");
        $("audit-state").className = "note " + (d.ok ? "ok" : "bad");
      });
    });
  }

  show();
  setInterval(function () { var name = (location.hash || "#overview").slice(1); if (["overview", "lanes", "lists", "sync"].indexOf(name) >= 0 || name === "") { refreshStatus(); } if (name === "logs") { loadLogs(); } }, 10000);
})();
