/* Shared helpers of the booth and console pages: JSON API calls with the CSRF token, DOM building. */
"use strict";
var App = (function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function api(method, path, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf; }
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch("/api/v1" + path, opts).then(function (resp) {
      if (resp.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); }
      return resp.json().catch(function () { return { error: "bad_response", message: "HTTP " + resp.status }; })
        .then(function (data) { data = data || {}; data._status = resp.status; data._ok = resp.ok; return data; });
    }, function () { return { error: "network", message: "the appliance did not answer", _ok: false, _status: 0 }; });
  }

  /* el("tag.class#id", {attr: v}, children...) */
  function el(spec, attrs) {
    var m = spec.match(/^([a-z0-9]+)((?:[.#][\w-]+)*)$/i);
    var node = document.createElement(m ? m[1] : "div");
    if (m && m[2]) {
      m[2].replace(/([.#])([\w-]+)/g, function (_, kind, name) {
        if (kind === ".") { node.classList.add(name); } else { node.id = name; }
      });
    }
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k === "text") { node.textContent = v; }
      else if (k.indexOf("on") === 0) { node.addEventListener(k.slice(2), v); }
      else { node.setAttribute(k, v === true ? "" : v); }
    });
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function fmtTime(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  /* A list's age to the minute: "45 min", "3 h 12 min", "4 days 2 h". */
  function fmtAge(hours) {
    if (hours === null || hours === undefined) { return "age unknown"; }
    var min = Math.max(0, Math.floor(hours * 60));
    if (min < 60) { return min + " min old"; }
    var h = Math.floor(min / 60), m = min % 60;
    if (h < 48) { return h + " h " + m + " min old"; }
    return Math.floor(h / 24) + " days " + (h % 24) + " h old";
  }

  /* A duration in ms in words: "8 s", "3 min 28 s", "2 h 5 min". */
  function fmtDuration(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) { return s + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min " + (s % 60) + " s"; }
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  var VERDICT_WORDS = { CLEAR: "CLEAR", HIT: "HIT", POSSIBLE_MATCH: "POSSIBLE MATCH", DOCUMENT_INVALID: "DOCUMENT INVALID", READ_ERROR: "READ ERROR" };
  var FIELDS = [["surname", "Surname"], ["given_names", "Given names"], ["document_number", "Document number"],
    ["document_code", "Document type"], ["issuing_state", "Issuing state"], ["nationality", "Nationality"],
    ["birth_date", "Date of birth"], ["sex", "Sex"], ["expiry_date", "Expiry date"], ["format", "MRZ format"]];
  /* What an officer decides on a scan: a list match, a document problem, or lists that cannot clear anyone. */
  function decisionKind(scan) {
    if ((scan.matches || []).length) { return "match"; }
    return scan.decision === "DOCUMENT_INVALID" ? "document" : "lists";
  }
  function matchText(m) {
    var kind = m.kind === "document" ? "document number on " : "name on ";
    return kind + (m.list || m.list_name || "a list") + (m.kind !== "document" && m.score !== undefined ? " (" + Math.round(m.score * 100) + "% alike)" : "") +
      (m.suppressed ? ", suppressed" : "");
  }
  var SOURCES = { serial: "document reader", image: "document image", manual: "typed by hand" };
  function sourceText(s) { return SOURCES[s] || s || "unknown source"; }
  function actionText(d) {
    if (!d) { return ""; }
    return d.action === "confirmed" ? "confirmed" + (d.referred ? ", referred to secondary" : "") :
      "false positive" + (d.reason ? " (" + d.reason + ")" : "");
  }
  /* Reader states in an officer's words: [short word, what to do]. No device paths, no commands. */
  var READER = {
    connected: ["connected", ""],
    disconnected: ["READER NOT CONNECTED", "Documents cannot be scanned on this lane. Type the MRZ (press M) or upload a photo of the document, and tell a technician."],
    error: ["READER NOT WORKING", "Documents cannot be scanned on this lane. Type the MRZ (press M) or upload a photo of the document, and tell a technician."],
    silent: ["READER NOT RESPONDING", "The document reader has stopped reporting. Type the MRZ (press M) or upload a photo of the document, and tell a technician."],
    unknown: ["NO READER REPORTING", "No document reader has reported on this lane. Type the MRZ (press M) or upload a photo of the document, and tell a technician."],
    none: ["no reader", "This lane has no document reader: type the MRZ or upload a photo."]
  };
  function readerText(state) { return READER[state] || READER.unknown; }
  function readerWord(state) {
    return { connected: "connected", disconnected: "not connected", error: "not working", silent: "not responding", unknown: "not reporting", none: "none on this lane" }[state] || state;
  }

  function fmtBytes(n) {
    if (n === null || n === undefined) { return "—"; }
    var units = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  var REASONS = {
    watchlist_hit: "Watchlist hit", watchlist_possible_match: "Possible watchlist match: open the hit card",
    expired: "Document expired", document_invalid: "Document does not validate", lists_missing: "A kind of list is missing on this box: the verdict cannot be CLEAR",
    lists_stale: "A list on this box is out of date: the verdict cannot be CLEAR; a technician must update the lists",
    no_watchlist: "No watchlist loaded", no_document_list: "No lost/stolen document list loaded", not_an_mrz: "Not an MRZ",
    read_error: "The MRZ could not be read", suppressed_false_positive: "Matches suppressed as approved false positives",
    document_listed_person: "Document of a listed person (on the watchlist)",
    binary_input: "Binary data from the reader", empty_input: "Empty read", input_too_large: "Read too long"
  };
  var PREFIXES = { "document_": "Document reported ", "check_digit_failed:": "Wrong check digit: ", "invalid:": "Invalid: ",
    "list_stale:": "Out of date: list ", "list_empty:": "Empty: list ", "read_error:": "Read error: " };
  function reasonText(r) {
    if (r === null || r === undefined) { return ""; }
    if (typeof r !== "string") { return r.message || r.detail || r.code || JSON.stringify(r); }
    if (REASONS[r]) { return REASONS[r]; }
    var keys = Object.keys(PREFIXES);
    for (var i = 0; i < keys.length; i++) {
      if (r.indexOf(keys[i]) === 0) { return PREFIXES[keys[i]] + r.slice(keys[i].length).replace(/_/g, " "); }
    }
    return r.replace(/_/g, " ");
  }

  return { api: api, el: el, append: append, clear: clear, fmtTime: fmtTime, fmtAge: fmtAge, fmtDuration: fmtDuration, fmtBytes: fmtBytes,
           reasonText: reasonText, VERDICT_WORDS: VERDICT_WORDS, FIELDS: FIELDS, sourceText: sourceText, actionText: actionText,
           readerText: readerText, readerWord: readerWord, decisionKind: decisionKind, matchText: matchText };
})();
