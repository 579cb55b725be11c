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
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function fmtAge(hours) {
    if (hours === null || hours === undefined) { return "age unknown"; }
    if (hours < 1) { return Math.round(hours * 60) + " min old"; }
    if (hours < 48) { return Math.round(hours) + " h old"; }
    return Math.round(hours / 24) + " days old";
  }

  function fmtBytes(n) {
    if (n === null || n === undefined) { return "—"; }
    var units = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + units[i];
  }

  var REASONS = {
    watchlist_hit: "Watchlist hit", watchlist_possible_match: "Possible watchlist match: open the hit card",
    expired: "Document expired", document_invalid: "Document does not validate", lists_missing: "A kind of list is missing on this box",
    no_watchlist: "No watchlist loaded", no_document_list: "No lost/stolen document list loaded", not_an_mrz: "Not an MRZ",
    read_error: "The MRZ could not be read", suppressed_false_positive: "Matches suppressed as approved false positives",
    document_listed_person: "Document of a listed person (on the watchlist)",
    binary_input: "Binary data from the reader", empty_input: "Empty read", input_too_large: "Read too long"
  };
  var PREFIXES = { "document_": "Document reported ", "check_digit_failed:": "Wrong check digit: ", "invalid:": "Invalid: ",
    "list_stale:": "List out of date: ", "list_empty:": "List empty: ", "read_error:": "Read error: " };
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

  return { api: api, el: el, clear: clear, fmtTime: fmtTime, fmtAge: fmtAge, fmtBytes: fmtBytes, reasonText: reasonText };
})();
