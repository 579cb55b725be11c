"""Authorisation matrix: every role, both token kinds and no credentials against every endpoint and page."""

from __future__ import annotations

import pytest

from .conftest import LANE, bearer

PEOPLE = ("officer", "supervisor", "technician", "admin")
TOKENS = ("bridge", "terminal")
EVERYONE = set(PEOPLE) | set(TOKENS)
BOOTH = {"officer", "supervisor"}
TECH = {"technician", "admin"}

#: (method, path, JSON body, who may) -- bodies are deliberately invalid so nothing changes
API = [
    ("GET", "/api/v1/health", None, EVERYONE | {"none"}),
    ("GET", "/api/v1/openapi.json", None, EVERYONE | {"none"}),
    ("GET", "/api/v1/me", None, EVERYONE),
    ("GET", "/api/v1/status", None, TECH),
    ("POST", "/api/v1/scans", {"lane": LANE, "mrz": 5}, BOOTH | {"bridge", "terminal"}),
    ("POST", "/api/v1/scans/image", None, BOOTH | {"bridge", "terminal"}),
    ("GET", f"/api/v1/scans?lane={LANE}", None, BOOTH | {"terminal"}),
    ("GET", "/api/v1/scans/999", None, BOOTH | {"terminal"}),
    ("GET", "/api/v1/scans/999/hitcard", None, BOOTH),
    ("GET", "/api/v1/scans/999/image", None, BOOTH),
    ("POST", "/api/v1/scans/999/disposition", {"action": "nope"}, BOOTH),
    ("GET", "/api/v1/suppressions", None, {"supervisor"}),
    ("POST", "/api/v1/suppressions/999/decision", {"approve": "x"}, {"supervisor"}),
    ("GET", "/api/v1/lanes", None, BOOTH | TECH | {"terminal"}),
    ("POST", f"/api/v1/lanes/{LANE}/status", {"state": "x"}, {"bridge"}),
    ("GET", f"/api/v1/lanes/{LANE}/events", None, BOOTH | {"terminal"}),
    ("GET", f"/api/v1/lanes/{LANE}/queue", None, BOOTH | {"terminal"}),
    ("GET", "/api/v1/supervisor", None, {"supervisor"}),
    ("POST", "/api/v1/lanes/bad lane/selftest", {}, TECH),
    ("POST", "/api/v1/mrz/check", {}, BOOTH | {"bridge", "terminal"}),
    ("GET", "/api/v1/lists", None, BOOTH | TECH),
    ("GET", "/api/v1/stats?hours=0", None, TECH),
    ("GET", "/api/v1/logs?limit=0", None, TECH),
    ("GET", "/api/v1/config", None, TECH),
    ("PUT", "/api/v1/config", {"settings": 1}, TECH),
    ("POST", "/api/v1/config/test-port", {}, TECH),
    ("GET", "/api/v1/users", None, {"admin"}),
    ("POST", "/api/v1/users", {}, {"admin"}),
    ("POST", "/api/v1/users/nobody/disable", {}, {"admin"}),
    ("GET", "/api/v1/tokens", None, {"admin"}),
    ("POST", "/api/v1/tokens", {}, {"admin"}),
    ("POST", "/api/v1/tokens/999/revoke", {}, {"admin"}),
    ("GET", "/api/v1/audit?limit=0", None, {"supervisor", "admin"}),
    ("GET", "/api/v1/audit/verify", None, {"supervisor", "admin"}),
]

PAGES = [
    ("/booth?choose=1", BOOTH),
    (f"/booth/{LANE}", BOOTH),
    ("/console", TECH),
    ("/supervisor", {"supervisor"}),
]


@pytest.fixture
def callers(app, as_user, tokens):
    """who -> function(method, path, body) -> response."""
    out = {}
    for role in PEOPLE:
        sess = as_user(role)
        out[role] = (lambda s: lambda m, p, b: (s.get(p, buffered=False) if m == "GET" else
                                                  s._unsafe(m.lower(), p, json=b) if b is not None else s._unsafe(m.lower(), p)))(sess)
    for kind in TOKENS:
        c = app.test_client()
        out[kind] = (lambda c, h: lambda m, p, b: c.open(p, method=m, json=b, headers=h, buffered=False))(c, bearer(tokens[kind]))
    anon = app.test_client()
    out["none"] = lambda m, p, b: anon.open(p, method=m, json=b, buffered=False)
    return out


def test_every_api_route_is_in_the_matrix(app):
    covered = {(m, p.split("?")[0]) for m, p, _, _ in API}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and _matches(rule.rule, p) for m, p in covered), f"{method} {rule.rule} missing from the matrix"


def _matches(rule: str, path: str) -> bool:
    a, b = rule.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("<") for x, y in zip(a, b))


@pytest.mark.parametrize("method,path,body,allowed", API, ids=[f"{m} {p}" for m, p, _, _ in API])
def test_api_matrix(callers, method, path, body, allowed):
    for who, call in callers.items():
        resp = call(method, path, body)
        try:
            data = resp.get_json(silent=True) or {}
        finally:
            if resp.mimetype == "text/event-stream":
                resp.close()
        assert resp.status_code != 500, (who, method, path)
        if who in allowed:
            assert resp.status_code != 401 and not (resp.status_code == 403 and data.get("error") == "forbidden"), (who, path, resp.status_code, data)
        elif who == "none":
            assert resp.status_code == 401 and data.get("error") == "unauthorized", (who, path, resp.status_code)
        else:
            assert resp.status_code == 403 and data.get("error") == "forbidden", (who, path, resp.status_code, data)


@pytest.mark.parametrize("path,allowed", PAGES, ids=[p for p, _ in PAGES])
def test_page_matrix(callers, path, allowed):
    for who, call in callers.items():
        resp = call("GET", path, None)
        if who in allowed:
            assert resp.status_code == 200 and resp.mimetype == "text/html", (who, path, resp.status_code)
        elif who == "none":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], (who, path)
        elif path == "/console" and who == "supervisor":  # sent to the page made for them
            assert resp.status_code == 302 and resp.headers["Location"].endswith("/supervisor"), (who, path)
        else:
            assert resp.status_code == 403, (who, path, resp.status_code)


def test_start_page_sends_each_role_to_its_screen(callers):
    where = {role: callers[role]("GET", "/", None).headers["Location"] for role in PEOPLE}
    assert where["officer"].endswith("/booth") and where["supervisor"].endswith("/booth")
    assert where["technician"].endswith("/console") and where["admin"].endswith("/console")
    assert "/login" in callers["none"]("GET", "/", None).headers["Location"]


def test_a_booth_for_a_lane_that_does_not_exist_says_so(callers):
    resp = callers["officer"]("GET", "/booth/lane-99", None)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert "no lane “lane-99”" in page and f"/booth/{LANE}" in page
