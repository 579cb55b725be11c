"""The Screener over a real store: verdicts, lists (stale, missing, empty), bad input, threads."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from appliance.screening import DECISIONS, Screener
from appliance.store.changes import apply_changes
from appliance.store.db import connect, database_path
from firmware_bridge.mrz import compose

from .conftest import WATCHLIST

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
PUBLISHED = (NOW - dt.timedelta(hours=2)).isoformat()
KEYS = {"decision", "reasons", "document", "matches", "lists", "stale", "elapsed_ms"}


def mrz(surname, given, birth, *, number="X12345678", state="UTO", nat="UTO", sex="M", expiry="2031-01-01", fmt="TD3"):
    """A valid MRZ for a fictitious traveller."""
    return compose(fmt, issuing_state=state, surname=surname, given_names=given, document_number=number,
                   nationality=nat, birth_date=birth, sex=sex, expiry_date=expiry)


@pytest.fixture
def store(data_dir):
    """A data directory with the fixture watchlist and a stolen-documents list."""
    db = connect(database_path(data_dir))
    apply_changes(db, "wl", kind="watchlist", version="2026-11-27", upserts=WATCHLIST, full=True,
                  published_at=PUBLISHED, source="test", format="ndjson")
    apply_changes(db, "sltd", kind="documents", version="7", full=True, published_at=PUBLISHED, source="test",
                  format="documents-csv", hashing=False,
                  upserts=[{"issuing_state": "UTO", "document_type": "P", "document_number": "L898902C3",
                            "status": "stolen", "reference": "SLTD-1"}])
    db.conn.close()
    return data_dir


def screener(data_dir, **policy):
    """A Screener over the data directory's database."""
    return Screener(database_path(data_dir), {"screening": policy})


def test_clear_traveller(store):
    r = screener(store).screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=NOW)
    d = r.to_dict()
    assert set(d) == KEYS and d["decision"] == "CLEAR" and d["matches"] == [] and d["stale"] is False
    assert d["document"]["surname"] == "OTHERSON"
    assert {x["name"] for x in d["lists"]} == {"wl", "sltd"}
    assert all(x["age_seconds"] == 7200 for x in d["lists"])
    assert d["elapsed_ms"] > 0


def test_listed_person_is_a_hit_with_evidence(store):
    d = screener(store).screen(mrz("BIN LADEN", "USAMA", "1967-03-10", nat="SAU"), now=NOW).to_dict()
    assert d["decision"] == "HIT" and "watchlist_hit" in d["reasons"]
    m = d["matches"][0]
    assert (m["list"], m["kind"], m["entry_id"]) == ("wl", "watchlist", "W-002")
    assert m["evidence"]["date_of_birth"]["result"] == "exact"
    assert m["evidence"]["nationality"]["result"] == "match"


def test_weaker_match_is_possible_match(store):
    d = screener(store).screen(mrz("SHCHERBAKOVA", "YULIA", "1985-11-04", sex="F"), now=NOW).to_dict()
    assert d["decision"] == "POSSIBLE_MATCH" and "watchlist_possible_match" in d["reasons"]
    assert d["matches"][0]["entry_id"] == "W-005"


def test_thresholds_come_from_the_configuration(store):
    text = mrz("SHCHERBAKOVA", "YULIA", "1985-11-04", sex="F")
    assert screener(store, hit_threshold=0.8).screen(text, now=NOW).decision == "HIT"
    assert screener(store, review_threshold=0.95, hit_threshold=0.99).screen(text, now=NOW).decision == "CLEAR"


def test_stolen_document_is_a_hit(store):
    d = screener(store).screen(mrz("ERIKSSON", "ANNA MARIA", "1974-08-12", number="L898902C3", sex="F"), now=NOW).to_dict()
    assert d["decision"] == "HIT" and "document_stolen" in d["reasons"]
    assert d["matches"][0]["kind"] == "document" and d["matches"][0]["list"] == "sltd"


def test_bad_check_digit_is_document_invalid(store):
    good = mrz("OTHERSON", "PETRUS", "1975-07-07")
    l1, l2 = good.split("\n")
    bad = l1 + "\n" + l2[:9] + str((int(l2[9]) + 1) % 10) + l2[10:]
    d = screener(store).screen(bad, now=NOW).to_dict()
    assert d["decision"] in ("DOCUMENT_INVALID", "READ_ERROR")
    if d["decision"] == "DOCUMENT_INVALID":
        assert any(r.startswith("check_digit_failed") or r.startswith("invalid") for r in d["reasons"])


def test_expired_document_is_invalid_unless_configured(store):
    text = mrz("OTHERSON", "PETRUS", "1975-07-07", expiry="2020-01-01")
    d = screener(store).screen(text, now=NOW).to_dict()
    assert d["decision"] == "DOCUMENT_INVALID" and "expired" in d["reasons"]
    assert screener(store, expired_is_invalid=False).screen(text, now=NOW).decision == "CLEAR"


def test_listed_person_with_invalid_document_is_still_a_hit(store):
    text = mrz("BIN LADEN", "USAMA", "1967-03-10", expiry="2020-01-01")
    d = screener(store).screen(text, now=NOW).to_dict()
    assert d["decision"] == "HIT" and "expired" in d["reasons"]


@pytest.mark.parametrize("text", ["", "   ", "hello world", "x" * 100_000, b"\xff\xfe\x00binary", None, "P<" * 3000])
def test_bad_input_is_a_read_error(store, text):
    d = screener(store).screen(text, now=NOW).to_dict()
    assert d["decision"] == "READ_ERROR" and d["reasons"] and d["matches"] == []


def test_stale_lists_turn_clear_into_possible_match(store):
    later = NOW + dt.timedelta(days=10)
    d = screener(store).screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=later).to_dict()
    assert d["decision"] == "POSSIBLE_MATCH" and d["stale"] is True and "lists_stale" in d["reasons"]
    d = screener(store, stale_action="ignore").screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=later).to_dict()
    assert d["decision"] == "CLEAR" and d["stale"] is True and "lists_stale" in d["reasons"]
    d = screener(store, max_list_age_hours=24 * 30).screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=later).to_dict()
    assert d["decision"] == "CLEAR" and d["stale"] is False


def test_missing_lists_are_reported(data_dir):
    connect(database_path(data_dir)).conn.close()
    d = screener(data_dir).screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=NOW).to_dict()
    assert d["decision"] == "POSSIBLE_MATCH" and "lists_missing" in d["reasons"]
    assert "no_watchlist" in d["reasons"] and "no_document_list" in d["reasons"] and d["lists"] == []
    d = screener(data_dir, missing_list_action="ignore").screen(mrz("OTHERSON", "PETRUS", "1975-07-07"), now=NOW).to_dict()
    assert d["decision"] == "CLEAR" and "lists_missing" in d["reasons"]


def test_empty_list_is_reported(store):
    db = connect(database_path(store))
    apply_changes(db, "wl", kind="watchlist", version="empty", upserts=[], full=True, published_at=PUBLISHED)
    db.conn.close()
    d = screener(store).screen(mrz("BIN LADEN", "USAMA", "1967-03-10"), now=NOW).to_dict()
    assert d["decision"] == "POSSIBLE_MATCH" and "list_empty:wl" in d["reasons"] and "lists_missing" in d["reasons"]
    assert d["matches"] == []


def test_index_follows_change_sets(store):
    s = screener(store)
    newcomer = {"entry_id": "W-100", "entity_type": "individual",
                "names": [{"name": "Zebulon QUIXOTEWORTH", "kind": "primary"}],
                "dates_of_birth": [{"date_from": "1990-02-02", "date_to": "1990-02-02", "precision": "exact"}]}
    text = mrz("QUIXOTEWORTH", "ZEBULON", "1990-02-02")
    assert s.screen(text, now=NOW).decision == "CLEAR"
    db = connect(database_path(store))
    apply_changes(db, "wl", kind="watchlist", version="v2", upserts=[newcomer], published_at=PUBLISHED)
    assert s.screen(text, now=NOW).decision == "HIT"
    apply_changes(db, "wl", kind="watchlist", version="v3", removals=["W-100"], published_at=PUBLISHED)
    db.conn.close()
    assert s.screen(text, now=NOW).decision == "CLEAR"
    assert s.screen(mrz("BIN LADEN", "USAMA", "1967-03-10"), now=NOW).decision == "HIT"


def test_index_is_rebuilt_when_missing(store):
    db = connect(database_path(store))
    with db.conn:
        for t in ("screening_names", "screening_postings", "screening_entries"):
            db.conn.execute(f"DELETE FROM {t}")
    db.conn.close()
    assert screener(store).screen(mrz("BIN LADEN", "USAMA", "1967-03-10"), now=NOW).decision == "HIT"


def test_screener_is_thread_safe(store):
    s = screener(store)
    texts = [mrz("BIN LADEN", "USAMA", "1967-03-10"), mrz("OTHERSON", "PETRUS", "1975-07-07")]
    results, errors = [], []

    def work(i):
        try:
            for _ in range(15):
                results.append((i % 2, s.screen(texts[i % 2], now=NOW).decision))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 60
    assert {d for i, d in results if i == 0} == {"HIT"} and {d for i, d in results if i == 1} == {"CLEAR"}
    assert set(DECISIONS) >= {d for _, d in results}


def test_policy_from_a_loaded_configuration(store):
    from appliance.config import load_config

    (store / "appliance.toml").write_text("[screening]\nhit_threshold = 0.8\n")
    s = Screener(database_path(store), load_config(data_dir=store))
    assert s.policy["hit_threshold"] == 0.8
    assert s.screen(mrz("SHCHERBAKOVA", "YULIA", "1985-11-04", sex="F"), now=NOW).decision == "HIT"


def test_arbitrary_text_never_raises(store):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    s = screener(store)
    line = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=30, max_size=44)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.text(max_size=200), st.lists(line, min_size=2, max_size=3).map("\n".join)))
    def check(text):
        d = s.screen(text, now=NOW).to_dict()
        assert d["decision"] in DECISIONS

    check()


def test_truncated_td1_name_from_the_mrz_engine(store):
    text = mrz("AL TIKRITI", "MOHAMMED ABDULRAHMAN", "1972-01-01", fmt="TD1", nat="IRQ")
    d = screener(store).screen(text, now=NOW).to_dict()
    assert d["document"]["name_truncated"] is True
    assert d["decision"] == "HIT" and d["matches"][0]["entry_id"] == "W-004"
    assert d["matches"][0]["evidence"]["name"]["truncated_query"] is True


def test_removed_list_leaves_the_index(store):
    from appliance.store.lists import remove_list

    db = connect(database_path(store))
    remove_list(db, "wl")
    assert db.conn.execute("SELECT COUNT(*) FROM screening_names WHERE list_name = 'wl'").fetchone()[0] == 0
    db.conn.close()
    d = screener(store).screen(mrz("BIN LADEN", "USAMA", "1967-03-10"), now=NOW).to_dict()
    assert d["matches"] == [] and "no_watchlist" in d["reasons"] and d["decision"] == "POSSIBLE_MATCH"


def test_lists_held_from_the_hub_are_fresh_until_their_manifest_expires(store):
    """A hub list stays fresh while the hub keeps confirming it, and goes stale when cut off."""
    db = connect(database_path(store))
    with db.conn:
        for name in ("wl", "sltd"):
            db.execute("INSERT INTO sync_lists (list_name, version, fresh_until) VALUES (?, 1, ?)",
                       [name, (NOW + dt.timedelta(days=20)).isoformat()])
    db.conn.close()
    traveller = mrz("OTHERSON", "PETRUS", "1975-07-07")
    d = screener(store).screen(traveller, now=NOW + dt.timedelta(days=10)).to_dict()
    assert d["decision"] == "CLEAR" and d["stale"] is False  # published 10 days ago, but confirmed
    d = screener(store).screen(traveller, now=NOW + dt.timedelta(days=21)).to_dict()
    assert d["decision"] == "POSSIBLE_MATCH" and d["stale"] is True and "lists_stale" in d["reasons"]
