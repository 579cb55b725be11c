"""Turn a parsed document into scored, explained watchlist matches (pure logic over the index)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from . import evidence as ev
from .names import tokens_of
from .score import NameForm, compare_names, is_common, role_similarity
from .search import Candidate, entries_by_document, find_candidates, load_features, names_of_entries, total_names

#: weight of a name by its kind (weak aliases count less)
KIND_WEIGHT = {"primary": 1.0, "alias": 1.0, "original_script": 1.0, "weak_alias": 0.85}
#: a name this similar counts as "matching on name" for the qualifier gate
NAME_OK = 0.75


@dataclass
class QueryDocument:
    """What screening needs from a parsed MRZ."""

    surname: str
    given_names: str
    birth_date: str | None
    nationality: str | None
    sex: str | None
    document_number: str | None
    issuing_state: str | None
    truncated: bool

    @classmethod
    def from_mrz(cls, doc: dict) -> "QueryDocument":
        """Build from the MRZ engine's ``to_dict()``."""
        return cls(
            surname=doc.get("surname") or "",
            given_names=doc.get("given_names") or "",
            birth_date=doc.get("birth_date"),
            nationality=(doc.get("nationality") or "").replace("<", "") or None,
            sex=(doc.get("sex") or "").upper() or None,
            document_number=(doc.get("document_number") or "").replace("<", "") or None,
            issuing_state=(doc.get("issuing_state") or "").replace("<", "") or None,
            truncated=bool(doc.get("name_truncated")),
        )

    def name_form(self) -> NameForm:
        """The MRZ name as a NameForm (surname tokens first)."""
        st, sp = tokens_of(self.surname.replace("<", " "))
        gt, gp = tokens_of(self.given_names.replace("<", " "))
        return NameForm(st + gt, len(st), sp + gp, truncated=self.truncated)


def _listed_form(c: Candidate) -> NameForm:
    """A candidate name as a NameForm."""
    return NameForm(c.tokens, c.surname_count, consonantal=c.consonantal)


def best_name(qform: NameForm, names: list[Candidate], common, memo: dict | None = None):
    """(weighted score, NameScore, candidate) of an entry's best-matching name, or None."""
    best = None
    for c in names:
        key = (tuple(c.tokens), c.consonantal)
        ns = memo.get(key) if memo is not None else None
        if ns is None:
            ns = compare_names(qform, _listed_form(c), common)
            if memo is not None:
                memo[key] = ns
        weighted = ns.score * KIND_WEIGHT.get(c.kind, 1.0)
        if best is None or weighted > best[0]:
            best = (weighted, ns, c)
    return best


def could_reach(weighted: float, floor: float) -> bool:
    """True when a name score could reach ``floor`` with the best other evidence."""
    return ev.NAME_WEIGHT * weighted + max(ev.DOB_WEIGHTS.values()) + ev.NATIONALITY_MATCH >= floor


def score_entry(query: QueryDocument, qform: NameForm, names: list[Candidate], features: dict,
                today: dt.date, common, doc_hit: bool = False, floor: float = 0.0, best=None) -> dict | None:
    """Best match of a query against one listed entry, with evidence; None when nothing matches."""
    best = best or best_name(qform, names, common)
    if best is None:
        return None
    weighted, ns, cand = best
    if not doc_hit and not could_reach(weighted, floor):
        return None  # cannot reach the floor whatever the other evidence says
    dob = ev.dob_evidence(query.birth_date, features.get("dobs", []), today)
    doc = ev.document_evidence(query.document_number, query.issuing_state, features.get("documents", []))
    document_match = doc["result"] == "match"
    name_ok = ns.score >= NAME_OK
    allowed = ev.qualifiers_allowed(name_ok, dob["result"], document_match)
    nat = ev.nationality_evidence(query.nationality, features.get("nationalities", []), allowed)
    sex = ev.sex_evidence(query.sex, features.get("sex"), allowed)
    name_part = ev.NAME_WEIGHT * weighted
    score = name_part + dob["adjustment"] + nat["adjustment"] + sex["adjustment"]
    rules = list(ns.rules)
    if ns.common_only and dob["result"] not in ev.DOB_CONSISTENT and not document_match:
        # a name of common tokens only needs a date of birth (or document) to back it
        score = min(score, 0.6)
        rules.append("common_name_needs_date_of_birth")
    doc_part = 0.0
    if document_match:
        doc_part = max(0.0, 0.75 + 0.25 * ns.score - score)
        score += doc_part
    elif doc["result"] == "match_other_state":
        doc_part = 0.05
        score += doc_part
    score = round(max(0.0, min(1.0, score)), 4)
    evidence = {
        "name": {
            "score": ns.score,
            "listed_kind": cand.kind,
            "weight": KIND_WEIGHT.get(cand.kind, 1.0),
            "parts": ns.parts,
            "unmatched_query": ns.unmatched_query,
            "unmatched_listed": ns.unmatched_listed,
            "query_particles": qform.particles,
            "truncated_query": qform.truncated,
            "rules": rules,
        },
        "surname": role_similarity(ns, qform, "surname"),
        "given_names": role_similarity(ns, qform, "given"),
        "date_of_birth": dob,
        "nationality": nat,
        "sex": sex,
        "document_number": doc,
        "score_parts": {
            "name": round(name_part, 4),
            "date_of_birth": dob["adjustment"],
            "nationality": nat["adjustment"],
            "sex": sex["adjustment"],
            "document": round(doc_part, 4),
        },
    }
    return {"list": cand.list_name, "kind": "watchlist", "entry_id": cand.entry_id, "score": score,
            "matched_name": cand.display, "evidence": evidence}


def match_watchlists(conn, query: QueryDocument, *, today: dt.date, max_candidates: int,
                     report_threshold: float) -> tuple[list[dict], int]:
    """Scored watchlist matches at or above ``report_threshold`` (best first) and candidates scored."""
    qform = query.name_form()
    total = total_names(conn)
    candidates, df_of = ([], {})
    if qform.tokens:
        years = sorted({d.year for d in ev.birth_candidates(query.birth_date, today)})
        candidates, df_of = find_candidates(conn, qform.tokens, qform.truncated, max_candidates, years)

    def common(token: str) -> bool:
        """True for a very common name part (list frequency or the common-names table)."""
        return is_common(token, df_of.get(token, 0), total)

    by_entry: dict[tuple[str, str], list[Candidate]] = {}
    for c in candidates:
        by_entry.setdefault((c.list_name, c.entry_id), []).append(c)
    doc_entries = set(entries_by_document(conn, query.document_number or ""))
    for key in doc_entries - set(by_entry):
        by_entry[key] = names_of_entries(conn, [key])
    memo: dict = {}
    bests = {}
    for key, names in by_entry.items():
        b = best_name(qform, names, common, memo)
        if b is not None and (key in doc_entries or could_reach(b[0], report_threshold)):
            bests[key] = b
    features = load_features(conn, list(bests))
    out = []
    for key, b in bests.items():
        feats = json.loads(features.get(key, "{}"))
        m = score_entry(query, qform, by_entry[key], feats, today, common, key in doc_entries, report_threshold, b)
        if m and m["score"] >= report_threshold:
            out.append(m)
    out.sort(key=lambda m: (-m["score"], m["list"], m["entry_id"]))
    return out, len(candidates)
