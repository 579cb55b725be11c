"""Fixtures of the screening tests: a fictitious watchlist indexed in a fresh database."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date(2026, 11, 27)


def person(entry_id, *names, dobs=(), nationalities=(), sex=None, documents=()):
    """A WatchlistEntry-like dict of a listed person (names: str or (name, kind[, quality]))."""
    out = []
    for i, n in enumerate(names):
        if isinstance(n, str):
            n = (n, "primary" if i == 0 else "alias")
        name, kind, *rest = n
        out.append({"name": name, "kind": kind, "quality": rest[0] if rest else None, "script": None})
    dd = []
    for d in dobs:
        if isinstance(d, int):
            dd.append({"date_from": f"{d}-01-01", "date_to": f"{d}-12-31", "precision": "year", "approximate": False})
        elif isinstance(d, tuple):
            dd.append({"date_from": f"{d[0]}-01-01", "date_to": f"{d[1]}-12-31", "precision": "range", "approximate": False})
        else:
            dd.append({"date_from": d, "date_to": d, "precision": "exact", "approximate": False})
    return {
        "entry_id": entry_id,
        "entity_type": "individual",
        "names": out,
        "dates_of_birth": dd,
        "nationalities": list(nationalities),
        "sex": sex,
        "documents": [
            {"document_type": "P", "number": num, "normalized": "".join(c for c in num if c.isalnum()), "issuing_state": st}
            for num, st in documents
        ],
    }


#: a fictitious watchlist exercising every matching feature (names modelled on real patterns)
WATCHLIST = [
    person("W-001", "Georgios HABBASH", dobs=["1951-08-02"], nationalities=["JOR"], sex="male"),
    person("W-002", "BIN LADEN, Usama", ("Osama bin Laden", "alias", "good"), ("Abu Abdallah", "alias", "low"),
           ("أسامة بن لادن", "original_script"), dobs=["1967-03-10"], nationalities=["SAU"], sex="male"),
    person("W-003", "MÜLLER-GÖẞMANN, Jürgen", dobs=[1961], nationalities=["D"], sex="male"),
    person("W-004", "Mohammed Abdulrahman AL-TIKRITI", dobs=[(1970, 1975)], nationalities=["IRQ"], sex="male"),
    person("W-005", "ЩЕРБАКОВА, Юлия Сергеевна", dobs=["1985-11-04"], nationalities=["RUS"], sex="female"),
    person("W-006", "Ελευθέριος Παπαδόπουλος", dobs=["1979-02-14"], nationalities=["GRC"], sex="male"),
    person("W-007", "ERIC BADEGE", dobs=[1971], nationalities=["COD"], sex="male"),
    person("W-008", "Yusuf Hussein KARIMOV", dobs=["1980-05-01", "1981-05-01"], sex="male",
           documents=[("N1234567", "UZB")]),
    person("W-009", "Muhammad Ali KHAN", dobs=["1975-07-07"], nationalities=["PAK"], sex="male"),
    person("W-010", "Ahmad Zahir QARDASH", ("عبد الله قرداش", "original_script"), dobs=["1976-01-01"], sex="male"),
    person("W-011", "Emma DANIELSSON", dobs=["1990-09-09"], nationalities=["SWE"], sex="female"),
    person("W-012", "Abdul Rahman HADDAD", dobs=["1964-12-03"], nationalities=["LBN"], sex="male"),
]


@pytest.fixture
def index_db(tmp_path):
    """A migrated database holding only the screening index of WATCHLIST (list 'wl')."""
    from appliance.screening.index import index_entries
    from appliance.store.db import connect

    db = connect(tmp_path / "appliance.db")
    with db.conn:
        index_entries(db, "wl", WATCHLIST)
    yield db
    db.conn.close()
