"""Helpers of the hub console tests: users, logins, and encounter records shaped like the booth's."""

from __future__ import annotations

import re

import requests

PASSWORDS = {"oper": "operator-pass-1", "anna": "analyst-pass-1", "root": "admin-pass-0001"}
ROLES = {"oper": "operator", "anna": "analyst", "root": "admin"}


def add_users(hub) -> None:
    """One console user per role."""
    from sync.hub import accounts

    with hub.db.tx(write=True) as cur:
        for name, pw in PASSWORDS.items():
            accounts.create_user(cur, name, pw, ROLES[name])


def login(client, user: str, password: str | None = None):
    """Log in through the form with a Flask test client; return the response."""
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post("/login", data={"username": user, "password": password or PASSWORDS[user], "csrf_token": token})


class Console:
    """A logged-in test client that sends the CSRF header on unsafe requests."""

    def __init__(self, client, user: str):
        self.client = client
        resp = login(client, user)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        self.csrf = client.get("/console/api/me").get_json()["csrf_token"]

    def get(self, url, **kw):
        """GET."""
        return self.client.get(url, **kw)

    def post(self, url, **kw):
        """POST with the CSRF header."""
        headers = dict(kw.pop("headers", {}) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.post(url, headers=headers, **kw)


def http_login(base: str, user: str) -> requests.Session:
    """A requests session logged in to a served hub; ``.csrf`` holds its CSRF token."""
    s = requests.Session()
    html = s.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = s.post(base + "/login", data={"username": user, "password": PASSWORDS[user], "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    s.csrf = s.get(base + "/console/api/me", timeout=10).json()["csrf_token"]
    return s


def encounter(read_id: str, decision: str = "HIT", *, lane: str = "lane-1", scan_id: int = 1, matches=None, read_at=None,
              surname: str = "ERIKSSON", list_name: str = "wl", entry_id: str = "T-1", score: float = 0.97) -> dict:
    """One outbox record as the booth writes it (kind ``encounter``, payload ``{scan, doc_key}``), fictitious."""
    if matches is None:
        matches = [] if decision == "CLEAR" else [{
            "list": list_name, "kind": "watchlist", "entry_id": entry_id, "score": score, "matched_name": f"{surname} Anna 1",
            "evidence": {"date_of_birth": {"result": "match", "adjustment": 0.1}, "name": {"score": 0.95}}}]
    scan = {"id": scan_id, "read_id": read_id, "lane": lane, "source": "serial", "created_at": "2030-01-01T08:00:00+00:00",
            "decision": decision, "reasons": ["watchlist_match"] if matches else [],
            "document": {"surname": surname, "given_names": "ANNA", "document_number": "ZX0000001", "issuing_state": "UTO",
                         "nationality": "UTO", "birth_date": "1980-01-02", "sex": "F", "document_code": "P"},
            "matches": matches, "lists": [{"name": list_name, "version": "1", "age_seconds": 60}], "stale": False, "elapsed_ms": 12.0}
    if read_at:
        scan["read_at"] = read_at
    return {"key": f"encounter/{read_id}", "kind": "encounter", "priority": 10 if decision != "CLEAR" else 0,
            "created_at": "2030-01-01T08:00:00+00:00", "payload": {"scan": scan, "doc_key": "k" + read_id}}


def disposition(read_id: str, n: int = 1, action: str = "confirmed", officer: str = "officer") -> dict:
    """An officer's disposition record as the booth writes it."""
    return {"key": f"disposition/{read_id}/{n}", "kind": "disposition", "priority": 10, "created_at": "2030-01-01T08:01:00+00:00",
            "payload": {"read_id": read_id, "scan_id": 1, "action": action, "referred": action == "confirmed",
                        "reason": "checked", "by": officer, "at": "2030-01-01T08:01:00+00:00"}}
