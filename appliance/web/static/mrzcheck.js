/* Live MRZ check digits (ICAO 9303, weights 7-3-1) for manual entry. Pure functions, no I/O. */
"use strict";
var MRZCheck = (function () {
  function value(ch) {
    if (ch >= "0" && ch <= "9") { return ch.charCodeAt(0) - 48; }
    if (ch >= "A" && ch <= "Z") { return ch.charCodeAt(0) - 55; }
    if (ch === "<") { return 0; }
    return -1;
  }
  function digit(field) {
    var w = [7, 3, 1], total = 0;
    for (var i = 0; i < field.length; i++) {
      var v = value(field[i]);
      if (v < 0) { return null; }
      total += v * w[i % 3];
    }
    return String(total % 10);
  }
  function normalise(text) {
    return text.toUpperCase().replace(/\r/g, "").split("\n").map(function (l) { return l.replace(/\s+$/, "").replace(/ /g, "<"); })
      .filter(function (l) { return l.length > 0; });
  }
  var LAYOUTS = { TD1: [3, 30], TD2: [2, 36], TD3: [2, 44], MRVA: [2, 44], MRVB: [2, 36] };
  function detect(lines) {
    if (!lines.length) { return null; }
    var first = lines[0], len = Math.max.apply(null, lines.map(function (l) { return l.length; }));
    if (first[0] === "P") { return "TD3"; }
    if (first[0] === "V") { return len > 36 ? "MRVA" : "MRVB"; }
    if (lines.length >= 3 || len <= 30) { return "TD1"; }
    return len > 36 ? "TD3" : "TD2";
  }
  function chk(name, line, field, at) {
    if (line === undefined || line.length <= at) { return { name: name, state: "incomplete" }; }
    var want = digit(field), got = line[at];
    if (want === null) { return { name: name, state: "bad", expected: "?", got: got }; }
    if (got === "<" && field.replace(/</g, "") === "" && name === "optional data") { return { name: name, state: "ok", expected: "<", got: got }; }
    return { name: name, state: want === got ? "ok" : "bad", expected: want, got: got };
  }
  /* check(text) -> {format, lines:[{length, expected, badChars:[i]}], checks:[{name, state, expected, got}], complete, valid} */
  function check(text) {
    var lines = normalise(text), fmt = detect(lines), out = { format: fmt, lines: [], checks: [], complete: false, valid: false };
    if (!fmt) { return out; }
    var want = LAYOUTS[fmt];
    for (var i = 0; i < want[0]; i++) {
      var l = lines[i] || "", bad = [];
      for (var j = 0; j < l.length; j++) { if (value(l[j]) < 0) { bad.push(j); } }
      out.lines.push({ text: l, length: l.length, expected: want[1], badChars: bad });
    }
    var a = lines[0] || "", b = lines[1] || "";
    if (fmt === "TD1") {
      out.checks.push(chk("document number", a, a.slice(5, 14), 14));
      out.checks.push(chk("birth date", b, b.slice(0, 6), 6));
      out.checks.push(chk("expiry date", b, b.slice(8, 14), 14));
      out.checks.push(chk("composite", b, a.slice(5, 30) + b.slice(0, 7) + b.slice(8, 15) + b.slice(18, 29), 29));
    } else {
      out.checks.push(chk("document number", b, b.slice(0, 9), 9));
      out.checks.push(chk("birth date", b, b.slice(13, 19), 19));
      out.checks.push(chk("expiry date", b, b.slice(21, 27), 27));
      if (fmt === "TD3") {
        out.checks.push(chk("optional data", b, b.slice(28, 42), 42));
        out.checks.push(chk("composite", b, b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 43), 43));
      } else if (fmt === "TD2") {
        out.checks.push(chk("composite", b, b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 35), 35));
      }
    }
    out.complete = out.lines.every(function (l) { return l.length === l.expected; });
    out.valid = out.complete && out.lines.every(function (l) { return !l.badChars.length; }) &&
      out.checks.every(function (x) { return x.state === "ok"; });
    out.text = lines.slice(0, want[0]).join("\n");
    return out;
  }
  return { check: check, digit: digit, normalise: normalise };
})();
