"""Name scoring with per-part evidence: token similarity, best-pair alignment, coverage rules.

The name score is a weighted mean over the query's informative tokens of the similarity of
each to its best listed partner (greedy best pairs, so order does not matter), with light
penalties for unmatched parts. Two rules keep noise out: a single shared token never makes
a match on its own, and a name made only of very common tokens must match completely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler, OSA

from .names import COMMON_GIVEN, GROUP_OF, canonical, fold, skeleton, unjoined

#: similarity from which a token pair counts as matched
MATCHED = 0.80
#: score cap when only one informative token matched (a single token never matches alone)
SINGLE_TOKEN_CAP = 0.50
#: score cap when every matched token is a very common one and the names are not complete
COMMON_ONLY_CAP = 0.55


@dataclass
class NameForm:
    """A prepared name: informative tokens (surname ones first), particles, flags."""

    tokens: list[str]
    surname_count: int | None = None  # how many leading tokens are the surname (None: unknown)
    particles: list[str] = field(default_factory=list)
    truncated: bool = False  # MRZ name cut at the field width: the last token may be a prefix
    consonantal: bool = False  # from an Arabic-script spelling: compare skeletons only

    def role(self, i: int) -> str:
        """'surname', 'given' or 'name' for token ``i``."""
        if self.surname_count is None:
            return "name"
        return "surname" if i < self.surname_count else "given"


@lru_cache(maxsize=500_000)
def token_similarity(q: str, t: str, prefix: bool = False, consonantal: bool = False) -> tuple[float, str]:
    """Similarity of query token ``q`` to listed token ``t`` in [0, 1] and how it was found."""
    if q == t:
        return 1.0, "exact"
    if consonantal:
        sq, st = skeleton(q), skeleton(t)
        if sq and sq == st:
            return (0.9 if len(sq) >= 3 else 0.82), "original_script"
        if prefix and len(sq) >= 2 and st.startswith(sq):
            return 0.85, "original_script_prefix"
        if len(sq) >= 3 and len(st) >= 3:
            jw = JaroWinkler.similarity(sq, st)
            if jw >= 0.9:
                return 0.8, "original_script_close"
            return 0.6 * jw, "different"
        return 0.0, "different"
    if prefix and len(q) < len(t) and t.startswith(q):
        return (0.97 if len(q) >= 3 else 0.9), "truncated"
    cq, ct = GROUP_OF.get(q), GROUP_OF.get(t)
    if cq is not None and cq == ct:
        return 0.95, "spelling_variant"
    known_different = cq is not None and ct is not None  # MOHAMMED vs MAHMOUD
    if unjoined(q) == t or unjoined(t) == q:
        return 0.95, "joined_particle"
    fq, ft = fold(q), fold(t)
    if fq == ft and not known_different:
        return 0.94, "transliteration"
    short = min(len(q), len(t))
    d = OSA.distance(q, t, score_cutoff=2)
    if d == 1 and not known_different:
        if short >= 5:
            return 0.9, "one_edit"
        if short == 4:
            return 0.85, "one_edit"
        if short == 3 and len(q) == len(t):
            return 0.8, "one_edit"
    if prefix and len(q) >= 4 and len(q) < len(t) and OSA.distance(q, t[: len(q)], score_cutoff=1) == 1:
        return 0.85, "truncated_one_edit"
    if not known_different:
        sq, st = skeleton(q), skeleton(t)
        if sq == st and q[0] == t[0] and (len(sq) >= 4 or (len(sq) == 3 and abs(len(q) - len(t)) <= 1)):
            return 0.86, "skeleton"
        if short >= 6 and OSA.distance(fq, ft, score_cutoff=1) == 1:
            return 0.85, "transliteration_one_edit"
        if d == 2 and short >= 7:
            return 0.8, "two_edits"
    return 0.7 * JaroWinkler.similarity(q, t), "different"


def is_common(token: str, df: int = 0, total: int = 0) -> bool:
    """True for tokens that say little: common given names, or in more than 1 % of names."""
    if canonical(token) in COMMON_GIVEN:
        return True
    return total >= 2000 and df > total * 0.01


def token_weight(token: str, common: bool) -> float:
    """Weight of a token in the name score: short and common tokens count less."""
    if len(token) <= 2:
        return 0.3
    return 0.5 if common else 1.0


@dataclass
class NameScore:
    """Result of comparing two names: score in [0, 1], matched pairs and the rules applied."""

    score: float
    parts: list[dict]
    unmatched_query: list[str]
    unmatched_listed: list[str]
    matched: int
    strong: int
    common_only: bool
    complete: bool
    rules: list[str]


def compare_names(query: NameForm, listed: NameForm, common=is_common) -> NameScore:
    """Align ``query`` with ``listed`` by greedy best pairs and score them with evidence."""
    qt, lt = query.tokens, listed.tokens
    if not qt or not lt:
        return NameScore(0.0, [], list(qt), list(lt), 0, 0, False, False, ["empty_name"])
    last = len(qt) - 1
    pairs = []
    for i, q in enumerate(qt):
        for j, t in enumerate(lt):
            sim, how = token_similarity(q, t, query.truncated and i == last, listed.consonantal)
            if sim > 0.3:
                pairs.append((sim, -abs(i - j), i, j, how))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_l: set[int] = set()
    parts = []
    for sim, _, i, j, how in pairs:
        if i in used_q or j in used_l or sim < MATCHED:
            continue
        used_q.add(i)
        used_l.add(j)
        parts.append({"role": query.role(i), "query": qt[i], "listed": lt[j], "similarity": round(sim, 3), "how": how})
    num = den = 0.0
    matched = strong = 0
    all_common = True
    for i, q in enumerate(qt):
        c = common(q)
        w = token_weight(q, c)
        if i in used_q:
            sim = next(p["similarity"] for p in parts if p["query"] == q)
            num += w * sim
            den += w
            matched += 1
            if not c and len(q) >= 3:
                strong += 1
                all_common = False
        else:
            # an unmatched query part costs less than a mismatched one: lists often omit names
            trailing_prefix = query.truncated and i == last and len(q) <= 2
            den += 0.0 if trailing_prefix else 0.5 * w
    for j, t in enumerate(lt):
        if j not in used_l:
            # parts cut off a truncated MRZ are expected to be missing
            den += 0.1 * token_weight(t, common(t)) if query.truncated else 0.25 * token_weight(t, common(t))
    score = num / den if den else 0.0
    unmatched_q = [q for i, q in enumerate(qt) if i not in used_q]
    unmatched_l = [t for j, t in enumerate(lt) if j not in used_l]
    complete = not unmatched_l and (not unmatched_q or (query.truncated and unmatched_q == [qt[last]]))
    rules: list[str] = []
    single_names = len(qt) == 1 and len(lt) == 1
    if matched < 2 and not (single_names and matched == 1 and strong == 1 and len(qt[0]) >= 4):
        if score > SINGLE_TOKEN_CAP:
            score = SINGLE_TOKEN_CAP
            rules.append("single_token_never_matches_alone")
    elif matched and all_common and not complete:
        if score > COMMON_ONLY_CAP:
            score = COMMON_ONLY_CAP
            rules.append("common_tokens_only")
    return NameScore(
        round(min(score, 1.0), 4), parts, unmatched_q, unmatched_l, matched, strong,
        matched > 0 and all_common, complete, rules,
    )


def role_similarity(result: NameScore, query: NameForm, role: str) -> float | None:
    """Mean similarity of the query's surname (or given-name) parts, unmatched parts as 0."""
    if query.surname_count is None:
        return None
    idx = range(0, query.surname_count) if role == "surname" else range(query.surname_count, len(query.tokens))
    wanted = [query.tokens[i] for i in idx]
    if not wanted:
        return None
    by_q = {p["query"]: p["similarity"] for p in result.parts}
    return round(sum(by_q.get(t, 0.0) for t in wanted) / len(wanted), 3)
