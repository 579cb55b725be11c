"""Every setting of the appliance, declared once.

Each area owns its section; add an option here (with a one-line doc) and document it in
``docs/`` — the docs test fails on an undocumented setting.
"""

from __future__ import annotations

from pathlib import Path

from .schema import Option, Section

APPLIANCE = Section(
    "appliance",
    "Where the box keeps its data and how it names itself.",
    (
        Option("data_dir", Path, "", "Data directory (database, keys, queues); empty means /var/lib/border-appliance."),
        Option("site_name", str, "Border post", "Name of the post, shown on screens and sent to the hub."),
        Option("log_level", str, "INFO", "Log level of the services.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    ),
)

SERVER = Section(
    "server",
    "The booth and console web service (waitress).",
    (
        Option("host", str, "127.0.0.1", "Address the web service listens on."),
        Option("port", int, 8080, "TCP port of the web service.", min=1, max=65535),
        Option("threads", int, 32, "Worker threads of the WSGI server (each open booth screen holds one).", min=2, max=256),
        Option("secure_cookies", bool, False, "Mark session cookies Secure (set when served behind TLS)."),
    ),
)

SECURITY = Section(
    "security",
    "Sessions, login throttling and false-positive suppression.",
    (
        Option("session_hours", float, 8.0, "Idle lifetime of a login session, in hours.", min=0.1, max=72),
        Option("login_max_failures", int, 5, "Failed logins before an account is locked.", min=1, max=100),
        Option("lockout_minutes", float, 15.0, "How long a locked account stays locked.", min=1, max=10080),
        Option("suppression_max_days", int, 30, "Longest a supervisor may suppress a false positive.", min=1, max=365),
    ),
)

SCREENING = Section(
    "screening",
    "Verdict policy of the screening engine.",
    (
        Option("review_threshold", float, 0.75, "Score from which a watchlist match is a POSSIBLE_MATCH.", min=0.0, max=1.0),
        Option("hit_threshold", float, 0.90, "Score from which a watchlist match is a HIT.", min=0.0, max=1.0),
        Option("max_list_age_hours", float, 72.0, "A list older than this is stale.", min=0.1, max=87600),
        Option(
            "stale_action",
            str,
            "possible_match",
            "What a stale list does to a CLEAR verdict: possible_match or ignore.",
            choices=("possible_match", "ignore"),
        ),
        Option(
            "missing_list_action",
            str,
            "possible_match",
            "What a missing or empty list kind does to a CLEAR verdict: possible_match or ignore.",
            choices=("possible_match", "ignore"),
        ),
        Option("expired_is_invalid", bool, True, "Treat an expired document as DOCUMENT_INVALID."),
        Option("max_candidates", int, 100, "Upper bound on listed names scored per screening.", min=10, max=100000),
    ),
)

STORE = Section(
    "store",
    "The local SQLite store.",
    (
        Option("document_hashing", bool, False, "Keep lost/stolen document numbers only as keyed hashes (HMAC)."),
        Option("busy_timeout_ms", int, 5000, "SQLite busy timeout in milliseconds.", min=100, max=600000),
    ),
)

RETENTION = Section(
    "retention",
    "How long encounter records are kept on the box.",
    (
        Option("encounter_days", int, 90, "Encounters older than this and delivered to the hub are purged.", min=1, max=3650),
    ),
)

SYNC = Section(
    "sync",
    "Synchronisation with the central hub.",
    (
        Option("hub_url", str, "", "Base URL of the central hub (set by `appliance sync enroll`)."),
        Option("interval_seconds", int, 300, "Pause between exchanges in `appliance sync --loop`.", min=5, max=86400),
        Option("batch_size", int, 500, "Outbox records sent per request.", min=1, max=10000),
        Option("connect_timeout", float, 10.0, "Seconds to wait for a connection to the hub.", min=0.5, max=300),
        Option("read_timeout", float, 60.0, "Seconds to wait for the hub to answer.", min=1, max=3600),
        Option("max_backoff_seconds", float, 900.0, "Longest pause between retries while the hub is unreachable.", min=1, max=86400),
    ),
)

BRIDGE = Section(
    "bridge",
    "How the firmware bridge delivers reads to the appliance.",
    (
        Option("appliance_url", str, "http://127.0.0.1:8080", "Base URL of the appliance API."),
        Option("token", str, "", "Bridge API token (prefer token_file)."),
        Option("token_file", Path, "", "File holding the bridge API token."),
        Option("queue_dir", Path, "", "Directory of the on-disk delivery queue; empty means <data_dir>/bridge-queue."),
        Option("queue_max", int, 10000, "Reads kept while the appliance is unreachable.", min=10, max=10_000_000),
        Option("raw_log", bool, False, "Log raw wire bytes (masked) at DEBUG for diagnosis."),
    ),
)

LANES = Section(
    "lanes",
    "One table per booth lane: [lanes.<name>] with its reader settings.",
    (
        Option("port", str, "", "Serial URL or by-id device path of the reader (empty for an image-only lane)."),
        Option(
            "profile",
            str,
            "auto",
            "Wire profile of the reader.",
            choices=("auto", "lines", "access-is", "desko-cute", "rte", "idbox"),
        ),
        Option("baud", int, 9600, "Baud rate.", choices=(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)),
        Option("bytesize", int, 8, "Data bits.", choices=(5, 6, 7, 8)),
        Option("parity", str, "N", "Parity: N, E, O, M or S.", choices=("N", "E", "O", "M", "S")),
        Option("stopbits", float, 1.0, "Stop bits: 1, 1.5 or 2.", choices=(1.0, 1.5, 2.0)),
        Option("dtr", bool, True, "Assert DTR when the port opens."),
        Option("rts", bool, True, "Assert RTS when the port opens."),
        Option("frame_timeout_ms", int, 200, "Inter-byte silence that closes an unframed read.", min=20, max=5000),
        Option("dedupe_seconds", float, 2.0, "Identical reads within this window are delivered once.", min=0.0, max=600),
        Option("reconnect_max_seconds", float, 30.0, "Longest pause between reconnection attempts.", min=0.5, max=3600),
        Option("watch_dir", Path, "", "Folder an image scanner drops files into (image lanes)."),
        Option("description", str, "", "Free text shown on the console (booth, direction)."),
    ),
    repeated=True,
    instance_pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
    instance_rule="1-64 letters, digits, dot, dash or underscore, starting with a letter or digit",
)

BOOTH = Section(
    "booth",
    "The booth screen: officers' decisions, late reads and what a hit card tells the officer to do.",
    (
        Option("decision_change_minutes", int, 10,
               "Minutes after the first decision on a scan during which an officer may change it (with a reason); later only a supervisor.",
               min=0, max=10080),
        Option("late_read_seconds", int, 10, "A read delivered this many seconds after it was made is shown as late (a backlog).",
               min=1, max=86400),
        Option("watchlist_handling", str,
               "Do not tell the traveller about the match. Keep the document, ask the traveller to wait, and call your "
               "supervisor. Compare the traveller with the listed entry below before you decide.",
               "Handling instructions shown first on a hit card for a watchlist match (a list's own [lists.<name>] handling wins)."),
        Option("documents_handling", str,
               "Keep the document and do not hand it back. Ask the traveller to wait and call your supervisor; the document "
               "is reported lost, stolen or revoked.",
               "Handling instructions shown first on a hit card for a lost/stolen document match (a list's own handling wins)."),
    ),
)

LIST_SETTINGS = Section(
    "lists",
    "One table per list: [lists.<name>] with what officers see and do when it matches.",
    (
        Option("title", str, "", "Plain name of the list shown to officers (empty: the list's name)."),
        Option("handling", str, "", "Handling instructions shown first on the hit card of a match on this list (empty: the [booth] default)."),
    ),
    repeated=True,
    instance_pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
    instance_rule="a list name: 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit",
)

METRICS = Section(
    "metrics",
    "The Prometheus /metrics endpoint of the web service (deployment and operations).",
    (
        Option("enabled", bool, True, "Serve /metrics."),
        Option("allow_from", list, [], "Networks (CIDR) allowed to scrape /metrics without a login, besides loopback."),
        Option("audit_verify_seconds", int, 300, "How often /metrics re-verifies the audit chain.", min=10, max=86400),
        Option("backup_dir", Path, "/var/backups/border-appliance", "Folder of the nightly backups whose age /metrics reports."),
    ),
)

SCHEMA: dict[str, Section] = {
    s.name: s for s in (APPLIANCE, SERVER, SECURITY, SCREENING, STORE, RETENTION, SYNC, BRIDGE, LANES, METRICS, BOOTH, LIST_SETTINGS)
}

# -- the central hub's own file (``<hub data dir>/hub.toml``), owned by hub and sync ------------
HUB = Section(
    "hub",
    "The central hub service (`screening-hub`): database, signed manifests, uploads.",
    (
        Option("database", str, "", "Database URL (postgresql://... or a SQLite path); empty means <data dir>/hub.db."),
        Option("manifest_ttl_hours", float, 168.0, "How long a signed manifest or list index stays valid.", min=0.01, max=8760),
        Option("enrollment_token_hours", float, 72.0, "Lifetime of a one-time enrollment token.", min=0.01, max=8760),
        Option("max_body_mb", float, 16.0, "Largest request body accepted (413 beyond).", min=0.01, max=1024),
        Option("max_batch_records", int, 5000, "Most records in one upload batch.", min=1, max=100000),
        Option("full_snapshot_ratio", float, 0.5, "Share of a list changed beyond which a box gets a full snapshot.", min=0.0, max=1.0),
        Option("payload_cache_mb", int, 256, "Memory each hub process uses to cache payloads.", min=0, max=65536),
        Option("threads", int, 16, "Waitress worker threads of `screening-hub serve` (each open hit desk holds one).", min=1, max=512),
    ),
)

HUB_CONSOLE = Section(
    "console",
    "The hub's web console: hit desk, fleet, lists, users.",
    (
        Option("session_idle_minutes", float, 30.0, "A console session ends after this long without a request.", min=1, max=1440),
        Option("session_max_hours", float, 12.0, "A console session ends this long after login, whatever happens.", min=0.1, max=168),
        Option("login_max_failures", int, 5, "Failed logins before a console account is locked.", min=1, max=100),
        Option("lockout_minutes", float, 15.0, "How long a locked console account stays locked.", min=1, max=10080),
        Option("secure_cookies", bool, False, "Mark the session cookie Secure (set it when TLS is in front of the hub)."),
        Option("silent_minutes", float, 30.0, "A box not heard from for this long is shown as SILENT.", min=1, max=100000),
        Option("feed_poll_seconds", float, 0.5, "How often each hub process looks for new hit desk events.", min=0.05, max=30),
        Option("public_url", str, "", "Address of the console as operators reach it (used for links in notifications)."),
    ),
)

HUB_NOTIFY = Section(
    "notify",
    "Notifications when a hit reaches the hub: a signed webhook and e-mail.",
    (
        Option("decisions", list, ["HIT"], "Verdicts that notify: any of HIT and POSSIBLE_MATCH."),
        Option("lists", list, [], "Only hits on these lists notify; empty means every list."),
        Option("personal_data", str, "references", "What a notification says of the people: references only, or names too.",
               choices=("references", "names")),
        Option("webhook_url", str, "", "URL that receives a signed JSON POST per hit; empty turns the webhook off."),
        Option("webhook_secret", str, "", "HMAC-SHA256 key for the X-Hub-Signature-256 header (prefer webhook_secret_file)."),
        Option("webhook_secret_file", str, "", "File holding the webhook secret."),
        Option("timeout_seconds", float, 10.0, "Seconds to wait for a webhook receiver or the SMTP relay.", min=0.5, max=300),
        Option("retry_base_seconds", float, 2.0, "First retry pause; it doubles per attempt, with full jitter.", min=0.01, max=3600),
        Option("retry_max_seconds", float, 600.0, "Longest pause between two delivery attempts.", min=0.1, max=86400),
        Option("smtp_host", str, "", "SMTP relay for e-mail notifications; empty turns e-mail off."),
        Option("smtp_port", int, 25, "TCP port of the SMTP relay.", min=1, max=65535),
        Option("smtp_starttls", bool, False, "Upgrade the SMTP connection with STARTTLS."),
        Option("smtp_user", str, "", "SMTP login, if the relay needs one."),
        Option("smtp_password_file", str, "", "File holding the SMTP password."),
        Option("mail_from", str, "screening-hub@localhost", "Sender address of notification e-mails."),
        Option("mail_to", list, [], "Recipients of notification e-mails."),
    ),
)

#: The hub's ``hub.toml`` (not part of the box's appliance.toml).
HUB_SCHEMA: dict[str, Section] = {s.name: s for s in (HUB, HUB_CONSOLE, HUB_NOTIFY)}
