"""Bad input from a bridge, a terminal or a person: always a JSON 4xx (or a stored READ_ERROR), never a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import LANE, bearer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
FIELDS = st.fixed_dictionaries({}, optional={
    "lane": st.one_of(st.just(LANE), st.text(max_size=70), JSON),
    "mrz": st.one_of(st.text(max_size=120), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<\n", max_size=100), JSON),
    "source": st.one_of(st.sampled_from(["serial", "image", "manual"]), JSON),
    "read_id": st.one_of(st.text(max_size=140), JSON),
    "extra": JSON,
})
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(body=FIELDS)
def test_scan_posts_never_fail_inside(client, tokens, body):
    resp = client.post("/api/v1/scans", data=json.dumps(body), headers={**bearer(tokens["bridge"]), "Content-Type": "application/json"})
    assert resp.status_code in (200, 201, 400, 403, 409), (body, resp.status_code)
    data = resp.get_json()
    if resp.status_code >= 400:
        assert data["error"] and data["message"]
    else:
        assert data["decision"] in ("CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID", "READ_ERROR")


@FAST
@given(raw=st.binary(max_size=200))
def test_raw_bytes_are_refused_cleanly(client, tokens, raw):
    resp = client.post("/api/v1/scans", data=raw, headers={**bearer(tokens["bridge"]), "Content-Type": "application/json"})
    assert resp.status_code in (200, 201, 400, 403, 409)
    assert resp.is_json


@FAST
@given(body=JSON)
def test_reports_checks_dispositions_and_config_refuse_nonsense(app, tokens, as_user, documents, body):
    client = app.test_client()
    payload = json.dumps(body)
    r1 = client.post(f"/api/v1/lanes/{LANE}/status", data=payload, headers={**bearer(tokens["bridge"]), "Content-Type": "application/json"})
    assert r1.status_code in (200, 400), r1.status_code
    r2 = client.post("/api/v1/mrz/check", data=payload, headers={**bearer(tokens["terminal"]), "Content-Type": "application/json"})
    assert r2.status_code in (200, 400, 422), r2.status_code
    sessions = _sessions(app, as_user, tokens, documents)
    r3 = sessions["officer"].post(f"/api/v1/scans/{sessions['hit']}/disposition", data=payload, content_type="application/json")
    assert r3.status_code in (201, 400), r3.status_code
    r4 = sessions["technician"].put("/api/v1/config", data=json.dumps({"settings": body}), content_type="application/json")
    assert r4.status_code in (200, 400), r4.status_code


_CACHE: dict = {}


def _sessions(app, as_user, tokens, documents) -> dict:
    """Logged-in sessions and a HIT scan, made once per app (hypothesis reuses the fixtures)."""
    if _CACHE.get("app") is not app:
        hit = app.test_client().post("/api/v1/scans", json={"lane": LANE, "mrz": documents["HIT"][0]}, headers=bearer(tokens["bridge"]))
        _CACHE.clear()
        _CACHE.update(app=app, officer=as_user("officer"), technician=as_user("technician"), hit=hit.get_json()["id"])
    return _CACHE
