"""Name tokens in MRZ space: particles, compounds, spelling-variant groups and match keys.

A name becomes a list of tokens (A-Z words). Particles (AL, BIN, VAN, DE ...) are kept
apart: they are shown but never used to find or make a match. ``ABD``-compounds are split
the same way whatever the spelling (ABDUL RAHMAN, ABD AL RAHMAN, ABDEL RAHMAN and ABDULRAHMAN
all become ABD + RAHMAN), so they match across the surname/given-name boundary. Each token has
*keys* used to find it in the vocabulary: itself, its one-letter deletions (single OCR or
typing errors), its consonant skeleton (transliteration variants), its spelling-variant
group (MOHAMMED/MUHAMMAD) and a folded form (MUELLER/MULLER).
"""

from __future__ import annotations

import re
from functools import lru_cache

PARTICLES = frozenset(
    """AL EL UL ALE BIN IBN BEN BINT BT ABU ABOU BU OULD ULD WULD BINTI BINTE
    DE DA DI DO DU DEL DELA DELLA DELLE DEI DOS DAS LA LE LES VAN VON DER DEN TER TEN
    Y E MC""".split()
)

#: Spelling variants of the same name (first item is the group's canonical form).
VARIANT_GROUPS = [
    "MUHAMMAD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMED MUHAMAD MUHAMED  MOHD MEHMET MEHMED MAHOMED MOUHAMED MOUHAMMAD MOUHAMMED MOHAMADOU MAMADOU MOHAMEED MUHAMMET MUHAMEDI MOHAMMAED",
    "AHMAD AHMED AHMET AHMAT AHMID EHMED",
    "MAHMUD MAHMOUD MAHMOOD MEHMUD MAHAMUD MAHMOUDOU",
    "YUSUF YOUSEF YOUSSEF YUSEF YOUSUF YUSOF YOUSOUF YUSUPH JUSUF YOSEF YOUCEF YUSSUF",
    "HUSAYN HUSSEIN HUSEIN HUSSAIN HUSAIN HOSSEIN HUSEYIN HUSSIEN HOSEIN HUSSEYN",
    "HASAN HASSAN HASSANE HASAAN",
    "ALI ALY ALIY",
    "UMAR OMAR OMER OUMAR UMER",
    "USAMA OSAMA OUSSAMA USAMAH OSSAMA",
    "IBRAHIM EBRAHIM IBRAHEEM IBRAGIM IBROHIM IBRAHIMA BRAHIM",
    "ABDALLAH ABDULLAH ABDULLA ABDELLAH ABDOULLAH ABDALLA ABDULAH ABDOULAYE",
    "KHALID KHALED HALID CHALID KHALIDE",
    "MUSTAFA MOSTAFA MUSTAPHA MUSTAFAH MOUSTAFA MUSTAFE",
    "YAHYA YAHIA YEHIA YAHIYA YAHIAOUI",
    "YUNUS YOUNES YOUNIS YOUNUS YUNIS YOUNESS",
    "SULAYMAN SULEIMAN SULAIMAN SOLIMAN SULEYMAN SLIMANE SOULEYMANE SULEMAN SOLEIMAN",
    "ABUBAKAR ABUBAKR ABOUBAKAR ABUBAKER ABOUBACAR",
    "HAMZA HAMZAH HAMSA",
    "QASIM KASSEM QASSEM KASIM QASEM QASSIM KACEM",
    "QADHAFI GADDAFI QADDAFI KADHAFI GADHAFI KADDAFI QATHAFI",
    "JAFAR JAAFAR JAFFAR DJAFAR",
    "SAID SAEED SAYED SAYYID SAYID SEYED SAIED",
    "MUSA MOUSSA MOUSA MUSAH",
    "ISA ISSA EISA",
    "ZAKARIYA ZAKARIA ZAKARIYYA ZAKARIAH ZAKARIYA",
    "ABBAS ABAS",
    "FAISAL FAYSAL FEISAL",
    "HAJJI HAJI HADJI",
    "OTHMAN OSMAN UTHMAN OUSMANE USMAN",
    "ALEKSANDR ALEXANDER ALEKSANDER OLEKSANDR ALEXANDR ALEKSANDAR ALEXANDRE",
    "SERGEI SERGEY SERHII SERHIY SERGIY SERGEJ",
    "YURI YURIY IURII JURIJ YURIJ YOURI",
    "DMITRI DMITRY DMITRII DMYTRO DMITRIJ",
    "ANDREI ANDREY ANDRII ANDRIY ANDREJ",
    "MIKHAIL MYKHAILO MICHAIL MIKHAYL",
    "ALEKSEI ALEXEY ALEKSEY OLEKSII ALEXEI ALEKSEJ",
    "EVGENY YEVGENY EVGENII YEVHEN EVGENIY YEVGENIY EVGENIJ",
    "NIKOLAI NIKOLAY MYKOLA NIKOLAJ",
    "VIKTOR VICTOR WIKTOR",
    "VLADIMIR VOLODYMYR WLADIMIR",
    "GEORGII GEORGIY GEORGY HEORHII",
    "ILYA ILIA ILJA ILLIA",
    "MAKSIM MAXIM MAKSYM",
    "MARIIA MARIYA MARIJA",
    "IULIIA YULIYA YULIA JULIJA IULIA",
    "NATALIA NATALIYA NATALYA NATALIIA",
    "TATIANA TATYANA TATIANA TETIANA",
    "ELENA YELENA OLENA JELENA",
    "KIM GIM",
    "JONG JONGH CHONG",
]

#: Given names so frequent that sharing one says nothing on its own.
COMMON_GIVEN = frozenset(
    """MUHAMMAD AHMAD ALI HASAN HUSAYN ABDALLAH UMAR YUSUF IBRAHIM KHALID MAHMUD MUSTAFA SAID
    ABD JOHN JAMES DAVID MICHAEL ROBERT WILLIAM JOSEPH GEORGE THOMAS CHARLES MARY MARIA JOSE
    JUAN CARLOS LUIS ANTONIO FRANCISCO MANUEL PEDRO ANA ALEKSANDR SERGEI VLADIMIR DMITRI
    ANDREI NIKOLAI IVAN OLGA ELENA NATALIA WEI LI WANG ZHANG CHEN KIM LEE PARK NGUYEN SINGH
    KUMAR KHAN RAM MOHAN PETER PAUL JEAN PIERRE MARIE ANNA""".split()
)

#: particles that are often written joined to the next name (BINLADEN, ALTIKRITI, VANDERBERG)
JOINABLE = ("ABOU", "OULD", "ABU", "BIN", "IBN", "BEN", "VAN", "VON", "DEL", "AL", "EL", "UL", "DE", "DI", "DA", "LA", "LE", "MC")

_ABD_WORDS = frozenset(("ABD", "ABDUL", "ABDEL", "ABDOUL", "ABDAL", "ABDUR", "ABDOL", "ABDU", "EBD"))
_ABD_PREFIX = re.compile(r"^ABD(?:UL|EL|AL|OUL|OL|U|I)?(?=[A-Z]{3,}$)")
_VOWELS_ETC = re.compile(r"[AEIOUYW]")
_DOUBLE = re.compile(r"(.)\1+")


def _group_map() -> dict[str, str]:
    """Token -> canonical form of its spelling-variant group."""
    out: dict[str, str] = {}
    for line in VARIANT_GROUPS:
        words = line.upper().split()
        for w in words:
            out.setdefault(w, words[0])
    return out


GROUP_OF = _group_map()


def canonical(token: str) -> str:
    """Canonical form of a token: its variant group's first spelling, else the token."""
    return GROUP_OF.get(token, token)


def tokens_of(text: str) -> tuple[list[str], list[str]]:
    """Split MRZ-space text into (informative tokens, particles), splitting ABD-compounds."""
    words = [w for w in text.replace("<", " ").split() if w]
    tokens: list[str] = []
    particles: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in GROUP_OF:  # a known name (ABDULLAH) is never split
            tokens.append(w)
            i += 1
            continue
        if w in _ABD_WORDS and i + 1 < len(words) and words[i + 1] in ("ALLAH", "ALLH", "ALLA", "LLAH", "ULLAH", "ELLAH"):
            tokens.append("ABDALLAH")  # ABD ALLAH, عبد الله
            i += 2
            continue
        if w in _ABD_WORDS:
            tokens.append("ABD")
            j = i + 1
            if j + 1 < len(words) and words[j] in ("AL", "EL", "UL", "ER", "AR", "AS", "AZ", "AN", "AD"):
                j += 1  # ABD AL RAHMAN: the article goes with ABD
            if j < len(words) and len(words[j]) > 4 and words[j][:2] in ("AL", "EL", "UL") and words[j] not in GROUP_OF:
                tokens.append(words[j][2:])  # ABD ALRAHMAN
                j += 1
            i = j
            continue
        m = _ABD_PREFIX.match(w)
        if m and len(w) - m.end() >= 3:
            tokens.extend(("ABD", w[m.end():]))
            i += 1
            continue
        if w in PARTICLES:
            particles.append(w)
        elif len(w) >= 1:
            tokens.append(w)
        i += 1
    return tokens, particles


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Consonant skeleton: drop AL-/EL- articles, vowels, W and Y; Q->K; collapse doubles."""
    t = token
    if len(t) > 5 and t[:2] in ("AL", "EL", "UL"):
        t = t[2:]
    t = t.replace("Q", "K").replace("PH", "F").replace("CK", "K").replace("KH", "K")
    t = t.replace("OU", "U").replace("DH", "D").replace("TH", "T").replace("GH", "G")
    head, rest = t[:1], t[1:]
    if head in "AEIOUYW":
        head = ""
    return _DOUBLE.sub(r"\1", head + _VOWELS_ETC.sub("", rest))


@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """Folded spelling: ICAO digraphs and common alternations reduced (MUELLER -> MULER)."""
    t = token
    for a, b in (("AE", "A"), ("OE", "O"), ("UE", "U"), ("AA", "A"), ("SS", "S"), ("KH", "H"),
                 ("PH", "F"), ("TH", "T"), ("SCH", "SH"), ("TSCH", "CH"), ("TS", "C"), ("TZ", "C"),
                 ("IE", "I"), ("IU", "U"), ("IA", "A"), ("YU", "U"), ("YA", "A"), ("OU", "U"),
                 ("EE", "I"), ("OO", "U"), ("Y", "I"), ("W", "V"), ("Q", "K"), ("C", "K"),
                 ("J", "I"), ("X", "KS"), ("Z", "S")):
        t = t.replace(a, b)
    return _DOUBLE.sub(r"\1", t)


@lru_cache(maxsize=200_000)
def unjoined(token: str) -> str | None:
    """The token without a joined leading particle (BINLADEN -> LADEN), or None."""
    for p in JOINABLE:
        if token.startswith(p) and len(token) - len(p) >= 4:
            rest = token[len(p):]
            if rest[:3] in ("DER", "DEN") and len(rest) >= 7:  # VANDERBERG -> BERG
                rest = rest[3:]
            return rest
    return None


def deletes(token: str) -> set[str]:
    """The token's one-letter deletions (SymSpell keys); none for tokens under 3 letters."""
    if len(token) < 3:
        return set()
    return {token[:i] + token[i + 1:] for i in range(len(token))}


def index_keys(token: str) -> set[str]:
    """Keys under which a listed token is found (exact, deletions, skeleton, group, fold)."""
    keys = {"T:" + token}
    keys.update("D:" + d for d in deletes(token))
    if len(token) >= 3:
        keys.add("D:" + token)
    sk = skeleton(token)
    if len(sk) >= 3:
        keys.add("S:" + sk)
    keys.add("G:" + canonical(token))
    fo = fold(token)
    if len(fo) >= 3:
        keys.add("F:" + fo)
    rest = unjoined(token)
    if rest:
        keys.add("T:" + rest)
        keys.add("D:" + rest)
    return keys


def query_keys(token: str) -> set[str]:
    """Keys a query token looks up: itself and its deletions (both ways), skeleton, group, fold."""
    keys = {"T:" + token, "G:" + canonical(token)}
    if len(token) >= 3:
        keys.add("D:" + token)
        keys.update("D:" + d for d in deletes(token))
    sk = skeleton(token)
    if len(sk) >= 3:
        keys.add("S:" + sk)
    fo = fold(token)
    if len(fo) >= 3:
        keys.add("F:" + fo)
    rest = unjoined(token)
    if rest:
        keys.update(("T:" + rest, "D:" + rest))
    return keys
