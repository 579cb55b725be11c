"""Sessions, cookies, CSRF, lockout, throttling, tokens."""

from __future__ import annotations

from .conftest import LANE, PASSWORDS, bearer, csrf_of, login


def _cookie_header(resp) -> str:
    return "; ".join(v for k, v in resp.headers.items() if k.lower() == "set-cookie")


def test_login_sets_a_hardened_session_cookie(app):
    client = app.test_client()
    resp = login(client, "officer")
    assert resp.status_code == 302
    cookie = _cookie_header(resp)
    assert "appliance_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie


def test_cookie_is_secure_under_tls(app):
    client = app.test_client()
    import re

    first = client.get("/login", base_url="https://booth.example")
    assert "Secure" in _cookie_header(first)
    token = re.search(r'name="csrf-token" content="([^"]+)"', first.get_data(as_text=True)).group(1)
    resp = client.post("/login", base_url="https://booth.example",
                       data={"username": "officer", "password": PASSWORDS["officer"], "csrf_token": token})
    assert "Secure" in _cookie_header(resp)


def test_secure_cookies_setting(data_copy):
    from appliance.web import create_app

    app = create_app({"DATA_DIR": data_copy, "SETTINGS": {"server": {"secure_cookies": True}}})
    try:
        resp = login(app.test_client(), "officer")
        assert "Secure" in _cookie_header(resp)
    finally:
        app.extensions["appliance"].close()


def test_login_form_needs_its_csrf_token(client):
    client.get("/login")
    resp = client.post("/login", data={"username": "officer", "password": PASSWORDS["officer"]})
    assert resp.status_code == 403 and "CSRF" in resp.get_data(as_text=True)


def test_unsafe_requests_from_a_session_need_the_csrf_header(as_user, tokens):
    officer = as_user("officer")
    no_header = officer.client.post("/api/v1/scans", json={"lane": LANE, "mrz": "x", "source": "manual"})
    assert no_header.status_code == 403 and no_header.get_json()["error"] == "csrf_failed"
    wrong = officer.client.post("/api/v1/scans", json={"lane": LANE, "mrz": "x", "source": "manual"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    right = officer.post("/api/v1/scans", json={"lane": LANE, "mrz": "x", "source": "manual"})
    assert right.status_code == 201
    # bearer tokens carry no ambient authority: no CSRF token needed
    assert officer.client.application.test_client().post(
        "/api/v1/scans", json={"lane": LANE, "mrz": "x"}, headers=bearer(tokens["bridge"])).status_code == 201
    logout = officer.client.post("/logout")
    assert logout.status_code == 403


def test_wrong_passwords_lock_the_account(app, ctx):
    client = app.test_client()
    for _ in range(4):
        resp = login(client, "officer", "wrong-password")
        assert resp.status_code == 401 and "wrong user name or password" in resp.get_data(as_text=True)
    locked = login(client, "officer", "wrong-password")
    assert locked.status_code == 423 and "locked" in locked.get_data(as_text=True)
    assert "for 15 minutes" in locked.get_data(as_text=True)  # security.lockout_minutes, said plainly
    still = login(client, "officer")  # the right password does not open a locked account
    assert still.status_code == 423 and "try again in 15 minutes or ask an administrator" in still.get_data(as_text=True)
    actions = [r[0] for r in ctx.reader().execute("SELECT action FROM audit_log WHERE actor = 'officer'")]
    assert actions.count("login.failed") == 4 and actions.count("login.locked") == 2
    with ctx.write() as db:
        from appliance.web.accounts import set_disabled

        set_disabled(db, "officer", False)  # an admin's "enable" clears the lockout
    assert login(client, "officer").status_code == 302


def test_lockout_expires(app, ctx):
    client = app.test_client()
    for _ in range(5):
        login(client, "technician", "wrong-password")
    assert login(client, "technician").status_code == 423
    with ctx.write() as db:
        db.execute("UPDATE users SET locked_until = '2000-01-01T00:00:00+00:00' WHERE username = 'technician'")
    assert login(client, "technician").status_code == 302


def test_many_failures_from_one_address_are_throttled(app):
    client = app.test_client()
    codes = [login(client, f"ghost{i}", "wrong-password").status_code for i in range(21)]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429


def test_unknown_user_and_good_login_are_audited(app, ctx):
    client = app.test_client()
    assert login(client, "nobody", "whatever-pass").status_code == 401
    assert login(client, "admin").status_code == 302
    rows = ctx.reader().execute("SELECT actor, action FROM audit_log WHERE action LIKE 'login%' ORDER BY seq").fetchall()
    assert ("nobody", "login.failed") in rows and ("admin", "login") in rows


def test_disabling_a_user_ends_their_session(as_user, ctx):
    officer = as_user("officer")
    assert officer.get("/api/v1/me").status_code == 200
    admin = as_user("admin")
    assert admin.post("/api/v1/users/officer/disable", json={}).status_code == 200
    assert officer.get("/api/v1/me").status_code == 401
    assert login(officer.client.application.test_client(), "officer").status_code == 401
    assert admin.post("/api/v1/users/admin/disable", json={}).status_code == 400


def test_password_change_ends_sessions(as_user):
    officer = as_user("officer")
    admin = as_user("admin")
    assert admin.post("/api/v1/users/officer/password", json={"password": "short"}).status_code == 400
    assert admin.post("/api/v1/users/officer/password", json={"password": "a-new-password-1"}).status_code == 200
    assert officer.get("/api/v1/me").status_code == 401


def test_tokens_bad_unknown_and_revoked(app, as_user):
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).get_json()["error"] == "bad_authorization"
    assert client.get("/api/v1/me", headers=bearer("bsa_unknown")).get_json()["error"] == "bad_token"
    admin = as_user("admin")
    made = admin.post("/api/v1/tokens", json={"role": "terminal", "lanes": [LANE], "label": "booth 3"})
    assert made.status_code == 201
    raw, tid = made.get_json()["token"], made.get_json()["id"]
    assert client.get("/api/v1/me", headers=bearer(raw)).get_json()["role"] == "terminal"
    listed = admin.get("/api/v1/tokens").get_json()["tokens"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert admin.post(f"/api/v1/tokens/{tid}/revoke", json={}).get_json()["active"] is False
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    assert admin.post("/api/v1/tokens", json={"role": "god", "lanes": [LANE]}).status_code == 400
    assert admin.post("/api/v1/tokens", json={"role": "bridge", "lanes": []}).status_code == 400


def test_tokens_are_stored_hashed(ctx, tokens):
    stored = [r[0] for r in ctx.reader().execute("SELECT token_hash FROM api_tokens")]
    assert tokens["bridge"] not in stored and all(len(h) == 64 for h in stored)
    hashes = [r[0] for r in ctx.reader().execute("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_login_redirect_stays_on_this_site(app):
    client = app.test_client()
    token = csrf_of(client)
    resp = client.post("/login?next=https://evil.example/", data={"username": "officer", "password": PASSWORDS["officer"], "csrf_token": token})
    assert resp.headers["Location"] == "/"
    client2 = app.test_client()
    token = csrf_of(client2)
    resp = client2.post("/login?next=/booth/lane-1", data={"username": "officer", "password": PASSWORDS["officer"], "csrf_token": token})
    assert resp.headers["Location"] == "/booth/lane-1"


def test_pages_carry_security_headers_and_no_external_assets(as_user):
    officer = as_user("officer")
    resp = officer.get(f"/booth/{LANE}")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = resp.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("app.css", "common.js", "mrzcheck.js", "booth.js", "charts.js", "console.js"):
        with officer.get(f"/static/{asset}") as r:
            body = r.get_data(as_text=True)
        assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body, asset
