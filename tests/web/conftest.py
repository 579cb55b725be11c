"""Fixtures of the booth and console tests: a prepared data directory, users per role, tokens, lists."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from appliance.web import accounts

LANE = "lane-1"
OTHER_LANE = "lane-2"
PASSWORDS = {
    "officer": "officer-pass-1",
    "supervisor": "supervisor-pass-1",
    "supervisor2": "supervisor-pass-2",
    "technician": "technician-pass-1",
    "admin": "admin-pass-0001",
}
ROLE_OF = {"officer": "officer", "supervisor": "supervisor", "supervisor2": "supervisor", "technician": "technician", "admin": "admin"}


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2():
    """Real argon2id, with parameters cheap enough for a shared 2-core test machine."""
    previous = accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    accounts.use_hasher(previous)


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory, cheap_argon2) -> tuple[Path, dict]:
    """A data directory made once: demo lists, one user per role, bridge and terminal tokens."""
    from appliance.config import load_config
    from appliance.demo import data
    from appliance.store.db import connect
    from appliance.store.importing import import_list
    from appliance.web.context import Appliance, load_secret

    d = tmp_path_factory.mktemp("template") / "data"
    d.mkdir()
    (d / "appliance.toml").write_text(
        f'[lanes.{LANE}]\nport = ""\ndescription = "test lane"\n[lanes.{OTHER_LANE}]\nport = ""\n', encoding="utf-8")
    ctx = Appliance(load_config(data_dir=d), d)
    load_secret(d)
    wl, docs = data.write_lists(d / "demo-lists")
    db = connect(ctx.db_path)
    import_list(db, data.WATCHLIST_NAME, "csv", [wl], version="t1")
    import_list(db, data.DOCUMENTS_NAME, "documents-csv", [docs], version="t1")
    db.conn.close()
    tokens = {}
    with ctx.write() as wdb:
        for name, pw in PASSWORDS.items():
            accounts.create_user(wdb, name, pw, ROLE_OF[name])
        tokens["bridge"], _ = accounts.create_token(wdb, "bridge", [LANE], label="test bridge")
        tokens["terminal"], _ = accounts.create_token(wdb, "terminal", [LANE], label="test terminal")
        tokens["bridge_all"], _ = accounts.create_token(wdb, "bridge", ["*"], label="all lanes")
        ctx.audit.append(wdb, "test", "init", "template", {})
    ctx.close()
    for suffix in ("-wal", "-shm"):
        Path(str(ctx.db_path) + suffix).unlink(missing_ok=True)
    return d, tokens


@pytest.fixture
def data_copy(template_dir, tmp_path) -> Path:
    """A private copy of the template data directory."""
    src, _ = template_dir
    dst = tmp_path / "data"
    shutil.copytree(src, dst)
    return dst


@pytest.fixture
def tokens(template_dir) -> dict:
    """Raw API tokens: bridge (lane-1), terminal (lane-1), bridge_all ('*')."""
    return template_dir[1]


@pytest.fixture
def app(data_copy, monkeypatch):
    """The Flask app on a private data directory."""
    from appliance.web import create_app

    monkeypatch.setenv("APPLIANCE_DATA_DIR", str(data_copy))
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    application = create_app({"DATA_DIR": data_copy, "TESTING": True})
    yield application
    application.extensions["appliance"].close()


@pytest.fixture
def ctx(app):
    """The service's shared objects."""
    return app.extensions["appliance"]


@pytest.fixture
def client(app):
    """An anonymous test client."""
    return app.test_client()


def csrf_of(client) -> str:
    """The CSRF token of a client's session (from the login page's meta tag)."""
    html = client.get("/login").get_data(as_text=True)
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token on the login page"
    return m.group(1)


def login(client, user: str, password: str | None = None):
    """Log ``user`` in through the form; return the response."""
    token = csrf_of(client)
    return client.post("/login", data={"username": user, "password": password or PASSWORDS[user], "csrf_token": token})


class Session:
    """A logged-in test client that adds the CSRF header to unsafe requests."""

    def __init__(self, client, user: str):
        self.client = client
        self.user = user
        resp = login(client, user)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        self.csrf = client.get("/api/v1/me").get_json()["csrf_token"]

    def get(self, url, **kw):
        """GET."""
        return self.client.get(url, **kw)

    def _unsafe(self, method, url, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        return getattr(self.client, method)(url, headers=headers, **kw)

    def post(self, url, **kw):
        """POST with the CSRF header."""
        return self._unsafe("post", url, **kw)

    def put(self, url, **kw):
        """PUT with the CSRF header."""
        return self._unsafe("put", url, **kw)


@pytest.fixture
def as_user(app):
    """Factory: a logged-in Session for a user name from PASSWORDS."""
    return lambda user: Session(app.test_client(), user)


def bearer(token: str) -> dict:
    """Authorization header for an API token."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def documents():
    """The demo travellers by expected decision (fictitious, composed MRZs)."""
    from appliance.demo.data import travellers

    out: dict[str, list] = {}
    for t in travellers():
        out.setdefault(t.expect, []).append(t.mrz)
    return out


class LiveServer:
    """The app on waitress in a thread (for SSE, browser and bridge tests)."""

    def __init__(self, application):
        import waitress

        self.app = application
        self.server = waitress.create_server(application, host="127.0.0.1", port=0, threads=24)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self):
        """Stop serving (a second call does nothing)."""
        from appliance.cli.service import stop_server

        if getattr(self, "closed", False):
            return
        self.closed = True
        from appliance.web.system import wait_for_streams

        self.app.extensions["appliance"].events.close()
        wait_for_streams(self.app.extensions["appliance"])
        stop_server(self.server)
        self.thread.join(5)


@pytest.fixture
def live(app):
    """A running waitress server for ``app``."""
    server = LiveServer(app)
    yield server
    server.close()


# -- headless Chromium ------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download), with a fresh profile."""
    import tempfile

    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --test")
    profile = tempfile.mkdtemp(prefix="appliance-chromium-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                         viewport={"width": 1280, "height": 800})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    """A fresh tab with no cookies at 1280x800; page errors fail the test."""
    browser.clear_cookies()
    pg = browser.new_page()
    pg.set_viewport_size({"width": 1280, "height": 800})
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    pg.close()
    assert not errors, errors


def start_lane(url: str, token: str, folder: Path, name: str = LANE):
    """A lane read by the bridge's LaneRunner from a virtual scanner, delivered over HTTP to ``url``."""
    from appliance.demo.runner import DemoLane

    settings = {"port": str(folder / f"scanner-{name}"), "profile": "lines", "dedupe_seconds": 0.0}
    return DemoLane(name, settings, url, token, folder / f"queue-{name}", [], 3600.0).start()


@pytest.fixture
def lane(live, tokens, tmp_path):
    """lane-1 read by the bridge's LaneRunner from a virtual scanner, delivered over HTTP to the live server."""
    demo_lane = start_lane(live.url, tokens["bridge"], tmp_path)
    yield demo_lane
    demo_lane.stop()


def log_in(page, base: str, user: str) -> None:
    """Log ``user`` in through the login form."""
    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def open_booth(page, base: str, user: str = "officer", lane: str = LANE) -> None:
    """Log in and open a lane's booth screen; wait until it is connected."""
    log_in(page, base, user)
    page.goto(f"{base}/booth/{lane}")
    page.wait_for_selector("#live-state.ok", timeout=10000)


def render_document(mrz: str) -> bytes:
    """A PNG of a document's MRZ printed in OCR-B (skips when Debian's fonts-ocr-b is missing)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    font_file = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
    if not font_file.exists():
        pytest.skip("the OCR-B font (Debian fonts-ocr-b) is not installed")
    font = ImageFont.truetype(str(font_file), 40)
    img = Image.new("L", (1300, 220), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(mrz.split("\n")):
        draw.text((30, 40 + i * 70), line, font=font, fill=0)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
