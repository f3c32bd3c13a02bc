"""Name screening of investors, their parents and ultimate owners against a sanctions list.

The list is a CSV in OpenSanctions' ``targets.simple.csv`` form (columns ``id, schema,
name, aliases, birth_date, countries, addresses, identifiers, sanctions, phones,
emails, dataset, first_seen, last_seen, last_change``; multi-valued cells separated by
``;``). A small synthetic sample ships as ``stateside/data/sanctions_sample.csv``; to use
the real list, download it (see docs/security.md) and pass its path.

Scoring is transparent, in the spirit of nomenklatura's ``logic_v2`` (score = the best
main feature + qualifiers), and every feature's contribution is reported:

* names are normalised: Cyrillic transliterated (a table written here), every other
  script transliterated with ``anyascii`` (Han characters one syllable a token, so 中原
  gives ``zhong yuan``; Arabic without its unwritten vowels), accents removed
  (``unicodedata``), case folded, punctuation dropped, legal forms removed (Holding, LLC,
  PJSC, GmbH, Ltd, Co., Inc, JSC, …); generic words (group, capital, investment, …) weigh
  less. A name in another script than Latin or Cyrillic is screened in its
  transliteration and reported (:func:`script_note`): a list that spells the name by
  translation ("Aviation Industry Corporation of China") is not found that way. A name
  with nothing left to compare is reported as not screenable;
* entity types are compared first (FollowTheMoney schemata, as nomenklatura does): a
  person is never scored against a company or another organisation;
* ``name_string``: difflib ratio of the normalised names, also with the spaces removed
  (so "Rosoboronexport" meets "Rosoboron Export") and with the tokens sorted;
* ``name_tokens``: weighted token overlap (Dice), tokens matching when equal, close in
  spelling, or phonetically equal and close, an initial matching a name at 0.7;
  adjacent tokens may join into one;
* ``name_phonetic``: overlap of phonetic keys (a Metaphone-like key written here:
  Muhammad and Mohammed both give ``MT``);
* name score = 0.5 · name_string + 0.25 · name_tokens + 0.25 · name_phonetic;
* ``identifier``: 0.95 when a strong identifier (LEI, OGRN, INN, BIC, IMO, UEI) is shared,
  0.85 for another shared identifier; the main score is the larger of name and identifier;
* ``country``: +0.05 if the countries overlap, −0.2 if both are known and disjoint;
* ``unmatched_tokens``: −0.25 × the larger share (by weight) of one name's distinctive
  tokens that match nothing in the other — "Kestrel Aviation" is not "Kestrel Avionics",
  nor "Volkov Export" "Volkovoboronexport" — so a shared word and a similar spelling
  alone stay below the threshold.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from anyascii import anyascii

from stateside.security.errors import SecurityDataError
from stateside.security.profiles import SecurityContext

SANCTIONS_COLUMNS: tuple[str, ...] = (
    "id",
    "schema",
    "name",
    "aliases",
    "birth_date",
    "countries",
    "addresses",
    "identifiers",
    "sanctions",
    "phones",
    "emails",
    "dataset",
    "first_seen",
    "last_seen",
    "last_change",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name")

LEGAL_FORMS: frozenset[str] = frozenset(
    [
        "holding",
        "holdings",
        "llc",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "cos",
        "plc",
        "pjsc",
        "jsc",
        "ojsc",
        "cjsc",
        "pao",
        "oao",
        "zao",
        "ooo",
        "gmbh",
        "ag",
        "kg",
        "kgaa",
        "mbh",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "lp",
        "llp",
        "lllp",
        "kk",
        "kabushiki",
        "kaisha",
        "godo",
        "fzco",
        "fze",
        "fzc",
        "fzllc",
        "pte",
        "pty",
        "bhd",
        "sdn",
        "tbk",
        "oy",
        "oyj",
        "ab",
        "asa",
        "se",
        "sro",
        "doo",
        "dd",
        "ltda",
        "eirl",
        "wll",
        "spc",
        "psc",
        "qpsc",
        "saog",
        "saoc",
    ]
)
STOPWORDS: frozenset[str] = frozenset({"the", "and", "of", "for", "und", "et", "de", "du", "des", "la", "le"})
WEAK_TOKENS: frozenset[str] = frozenset(
    [
        "group",
        "international",
        "investment",
        "investments",
        "invest",
        "capital",
        "fund",
        "funds",
        "partners",
        "global",
        "trading",
        "industries",
        "industrial",
        "enterprise",
        "enterprises",
        "technology",
        "technologies",
        "energy",
        "systems",
        "services",
        "management",
        "bank",
        "national",
        "state",
        "general",
        "public",
        "joint",
        "stock",
        "open",
        "closed",
        "venture",
        "ventures",
        "family",
        "office",
    ]
)
WEAK_WEIGHT = 0.3
STRONG_IDENTIFIER_SCHEMES: frozenset[str] = frozenset({"lei", "ogrn", "inn", "bic", "swift", "imo", "uei"})

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "yi",
            "ye",
            "g",
        ],
        strict=True,
    )
)
_SPECIAL = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}


@dataclass(frozen=True)
class ScreeningConfig:
    """Weights and threshold of the score (all shown in the output)."""

    threshold: float = 0.7
    near_miss: float = 0.15
    w_string: float = 0.5
    w_tokens: float = 0.25
    w_phonetic: float = 0.25
    strong_identifier: float = 0.95
    other_identifier: float = 0.85
    country_match: float = 0.05
    country_mismatch: float = -0.2
    unmatched_tokens: float = -0.25


@dataclass(frozen=True)
class SanctionsTarget:
    """One row of the sanctions list."""

    id: str
    schema: str
    name: str
    aliases: tuple[str, ...]
    countries: frozenset[str]
    identifiers: tuple[str, ...]
    sanctions: str
    dataset: str
    last_change: str

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class SanctionsList:
    """A loaded list with its provenance."""

    targets: tuple[SanctionsTarget, ...]
    source: str
    sha256: str
    last_change: str

    @property
    def version(self) -> str:
        """Short provenance string for the audit trail."""
        return f"{self.source} (sha256 {self.sha256[:12]}, last change {self.last_change or 'n/a'})"


@dataclass(frozen=True)
class Subject:
    """Someone to screen: an investor or one of its holders (``schema``: its FollowTheMoney type)."""

    key: str
    name: str
    countries: frozenset[str]
    identifiers: tuple[str, ...]
    roles: tuple[str, ...]
    schema: str = "LegalEntity"


#: FollowTheMoney schemata by the kind of party they are; LegalEntity (and anything unknown) may be either
_PERSON_SCHEMATA = frozenset({"Person"})
_ORGANISATION_SCHEMATA = frozenset({"Company", "Organization", "PublicBody", "Fund"})
_NOT_A_PARTY = frozenset({"Vessel", "Airplane", "Vehicle", "Address", "CryptoWallet", "Security"})


def _kind(schema: str) -> str:
    if schema in _PERSON_SCHEMATA:
        return "person"
    if schema in _ORGANISATION_SCHEMATA:
        return "organisation"
    if schema in _NOT_A_PARTY:
        return schema.lower()
    return "any"


def schemata_match(a: str, b: str) -> bool:
    """Whether entities of FtM schemata ``a`` and ``b`` can be the same party (a Person never a Company)."""
    ka, kb = _kind(a), _kind(b)
    return ka == kb or "any" in (ka, kb)


@dataclass(frozen=True)
class MatchResult:
    """The score of one subject against one list entry, feature by feature."""

    subject: Subject
    target: SanctionsTarget
    score: float
    matched_name: str
    features: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)

    def explain(self) -> str:
        """Each feature with its value and contribution."""
        parts = [f"{k} {self.features[k]:.2f} → {self.contributions.get(k, 0.0):+.3f}" for k in self.features]
        parts += [f"{k} {v:+.3f}" for k, v in self.contributions.items() if k not in self.features]
        return "; ".join(parts)


# -- normalisation and phonetics ------------------------------------------------------


#: scripts written without spaces between syllables or words: each character becomes its own token
_SYLLABIC = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN", "YI ")


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ('LATIN', 'CYRILLIC', 'CJK', 'ARABIC', …)."""
    name = unicodedata.name(ch, "")
    return name.split(" ")[0] if name else ""


def _ascii_fold(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        else:
            out.append(ch)
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    kept = []
    for c in decomposed:
        if unicodedata.combining(c):
            continue
        if c.isascii():
            kept.append(c)
        elif unicodedata.name(c, "").startswith(_SYLLABIC):
            kept.append(" " + anyascii(c).lower() + " ")
        else:
            kept.append(anyascii(c).lower())
    return "".join(kept)


def script_note(name: str) -> str | None:
    """What a reader should know about screening ``name``: transliterated from which script (and how),
    or not screenable at all; None for Latin (and Cyrillic, transliterated by the table) names."""
    scripts = sorted(
        {_script(c) for c in name if c.isalpha() and not c.isascii()} - {"LATIN", "CYRILLIC", ""}
    )
    tokens = normalise_name(name)
    if not tokens:
        return f"{name!r}: not screenable — nothing is left to compare after transliteration"
    if not scripts:
        return None
    shown = " ".join(tokens)
    extra = (
        " Arabic and Hebrew scripts leave vowels unwritten, so matches against Latin spellings are weak;"
        if {"ARABIC", "HEBREW"} & set(scripts)
        else ""
    )
    return (
        f"{name!r} is in {', '.join(s.title() for s in scripts)} script: screened as its transliteration "
        f"{shown!r} (anyascii).{extra} A list entry spelled by translation, or only in another script, is not "
        "found this way: screen the name's official Latin form too."
    )


@lru_cache(maxsize=200_000)
def normalise_name(name: str) -> tuple[str, ...]:
    """Tokens of a name: transliterated, accent-free, lower case, no legal forms."""
    text = _ascii_fold(name)
    text = text.replace("&", " and ").replace(".", "").replace("'", "").replace("’", "")
    tokens = [t for t in re.split(r"[^a-z0-9]+", text) if t]
    kept = [t for t in tokens if t not in LEGAL_FORMS and t not in STOPWORDS]
    return tuple(kept or tokens)


def _weight(token: str) -> float:
    return WEAK_WEIGHT if token in WEAK_TOKENS else 1.0


@lru_cache(maxsize=200_000)
def phonetic_key(word: str) -> str:
    """A Metaphone-like key of one word (vowels dropped except a leading 'A')."""
    w = "".join(c for c in _ascii_fold(word).upper() if "A" <= c <= "Z")
    if not w:
        return ""
    for pre, rep in (
        ("KN", "N"),
        ("GN", "N"),
        ("PN", "N"),
        ("WR", "R"),
        ("PS", "S"),
        ("GH", "G"),
        ("WH", "W"),
    ):
        if w.startswith(pre):
            w = rep + w[2:]
            break
    if w[0] == "X":
        w = "S" + w[1:]
    w = re.sub(r"(.)\1+", r"\1", w)  # double letters
    for a, b in (
        ("SCH", "SK"),
        ("TCH", "X"),
        ("SH", "X"),
        ("CH", "X"),
        ("ZH", "J"),
        ("KH", "K"),
        ("PH", "F"),
        ("TH", "0"),
        ("CK", "K"),
        ("DG", "J"),
        ("GH", ""),
        ("TS", "S"),
        ("TZ", "S"),
    ):
        w = w.replace(a, b)
    vowels = set("AEIOUY")
    out: list[str] = []
    for i, c in enumerate(w):
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if c in vowels:
            code = "A" if i == 0 else ""
        elif c == "C":
            code = "S" if nxt in ("E", "I", "Y") else "K"
        elif c == "G":
            code = "J" if nxt in ("E", "I", "Y") else "K"
        elif c == "D":
            code = "T"
        elif c == "Q":
            code = "K"
        elif c == "V":
            code = "F"
        elif c == "Z":
            code = "S"
        elif c == "X":
            code = "KS"
        elif c == "H":
            code = ""
        elif c == "W":
            code = "W" if nxt in vowels else ""
        else:
            code = c
        out.append(code)
    return re.sub(r"(.)\1+", r"\1", "".join(out))


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _tokens_close(a: str, b: str) -> float:
    """Similarity of two tokens (0 if they do not match)."""
    if a == b:
        return 1.0
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return 0.7  # an initial against a full name
    r = _ratio(a, b)
    if r >= 0.85:
        return r
    if len(a) > 2 and len(b) > 2 and phonetic_key(a) == phonetic_key(b) and r >= 0.6:
        return 0.9
    return 0.0


def name_features(a: Sequence[str], b: Sequence[str]) -> tuple[float, float, float]:
    """(name_string, name_tokens, name_phonetic) of two normalised token lists."""
    if not a or not b:
        return 0.0, 0.0, 0.0
    string = max(
        _ratio(" ".join(a), " ".join(b)),
        _ratio("".join(a), "".join(b)),
        _ratio(" ".join(sorted(a)), " ".join(sorted(b))),
    )
    tokens = _token_overlap(list(a), list(b))
    pa = [phonetic_key(t) for t in a]
    pb = [phonetic_key(t) for t in b]
    compact = 1.0 if phonetic_key("".join(a)) == phonetic_key("".join(b)) else 0.0
    phon = max(_dice([x for x in pa if x], [x for x in pb if x]), compact)
    return string, tokens, phon


def _dice(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return 0.0
    rest = list(b)
    hits = 0
    for x in a:
        if x in rest:
            rest.remove(x)
            hits += 1
    return 2.0 * hits / (len(a) + len(b))


def _token_overlap(a: list[str], b: list[str]) -> float:
    """Weighted Dice overlap with fuzzy token matches and joined adjacent tokens."""
    return _token_match(a, b)[0]


def unmatched_share(a: Sequence[str], b: Sequence[str]) -> float:
    """The larger share (by weight) of either name's distinctive tokens that match nothing in the other."""
    return _token_match(list(a), list(b))[1]


def _token_match(a: list[str], b: list[str]) -> tuple[float, float]:
    """(weighted Dice overlap, larger share of unmatched distinctive tokens)."""
    wa = [_weight(t) for t in a]
    wb = [_weight(t) for t in b]
    total = sum(wa) + sum(wb)
    matched_a = [0.0] * len(a)
    matched_b = [0.0] * len(b)
    for i in sorted(range(len(a)), key=lambda k: -len(a[k])):
        best, best_j = 0.0, -1
        for j, tb in enumerate(b):
            if matched_b[j]:
                continue
            s = _tokens_close(a[i], tb)
            if s > best:
                best, best_j = s, j
        if best_j >= 0:
            matched_a[i] = best
            matched_b[best_j] = best
    # Adjacent unmatched tokens on one side joined into one token of the other.
    for xs, ys, mx, my in ((a, b, matched_a, matched_b), (b, a, matched_b, matched_a)):
        for i in range(len(xs) - 1):
            if mx[i] or mx[i + 1]:
                continue
            joined = xs[i] + xs[i + 1]
            for j, y in enumerate(ys):
                if not my[j] and _ratio(joined, y) >= 0.9:
                    s = _ratio(joined, y)
                    mx[i] = mx[i + 1] = my[j] = s
                    break
    got = sum(w * m for w, m in zip(wa, matched_a, strict=True)) + sum(
        w * m for w, m in zip(wb, matched_b, strict=True)
    )

    def unmatched(ws: list[float], ms: list[float], toks: list[str]) -> float:
        strong = [(w, m) for w, m, t in zip(ws, ms, toks, strict=True) if w >= 1.0 and len(t) > 1]
        total_w = sum(w for w, _ in strong)
        return sum(w for w, m in strong if not m) / total_w if total_w else 0.0

    share = max(unmatched(wa, matched_a, a), unmatched(wb, matched_b, b))
    return (got / total if total else 0.0), share


def _identifier_values(values: Iterable[str]) -> dict[str, str]:
    """Normalised identifier value → scheme ('' if unknown)."""
    out: dict[str, str] = {}
    for raw in values:
        raw = raw.strip()
        if not raw:
            continue
        scheme, _, value = raw.rpartition(":")
        norm = re.sub(r"[^A-Z0-9]", "", value.upper())
        if len(norm) >= 6:
            out[norm] = scheme.strip().lower()
    return out


def score_match(
    subject: Subject, target: SanctionsTarget, config: ScreeningConfig | None = None
) -> MatchResult:
    """Score one subject against one list entry, with each feature's contribution."""
    cfg = config or ScreeningConfig()
    sub_tokens = normalise_name(subject.name)
    best = (-1.0, 0.0, 0.0, 0.0, target.name, 0.0)
    for candidate in target.names:
        cand_tokens = normalise_name(candidate)
        s, t, p = name_features(sub_tokens, cand_tokens)
        miss = unmatched_share(sub_tokens, cand_tokens) if sub_tokens and cand_tokens else 0.0
        value = cfg.w_string * s + cfg.w_tokens * t + cfg.w_phonetic * p + cfg.unmatched_tokens * miss
        if value > best[0]:
            best = (value, s, t, p, candidate, miss)
    name_score, s, t, p, matched, miss = best
    ids_sub = _identifier_values(subject.identifiers)
    ids_tgt = _identifier_values(target.identifiers)
    shared = set(ids_sub) & set(ids_tgt)
    ident = 0.0
    if shared:
        strong = any((ids_sub[k] or ids_tgt[k]) in STRONG_IDENTIFIER_SCHEMES for k in shared)
        ident = cfg.strong_identifier if strong else cfg.other_identifier
    if subject.countries and target.countries:
        country = cfg.country_match if subject.countries & target.countries else cfg.country_mismatch
        country_value = 1.0 if subject.countries & target.countries else -1.0
    else:
        country, country_value = 0.0, 0.0
    features = {
        "name_string": s,
        "name_tokens": t,
        "name_phonetic": p,
        "unmatched_tokens": miss,
        "identifier": ident,
        "country": country_value,
    }
    if ident > name_score:
        contributions = {
            "name_string": 0.0,
            "name_tokens": 0.0,
            "name_phonetic": 0.0,
            "unmatched_tokens": 0.0,
            "identifier": ident,
        }
    else:
        contributions = {
            "name_string": cfg.w_string * s,
            "name_tokens": cfg.w_tokens * t,
            "name_phonetic": cfg.w_phonetic * p,
            "unmatched_tokens": cfg.unmatched_tokens * miss,
            "identifier": 0.0,
        }
    contributions["country"] = country
    raw = max(name_score, ident) + country
    score = min(max(raw, 0.0), 1.0)
    if score != raw:
        contributions["clipped to 0..1"] = score - raw
    return MatchResult(subject, target, score, matched, features, contributions)


# -- the list ---------------------------------------------------------------------------


def sample_list_path() -> Path:
    """Path of the packaged synthetic sample list."""
    return Path(str(resources.files("stateside").joinpath("data", "sanctions_sample.csv")))


def _split(value: object) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and value != value):
        return ()
    return tuple(p.strip() for p in str(value).split(";") if p.strip())


def load_sanctions_list(path: Path | str | None = None) -> SanctionsList:
    """Read a ``targets.simple.csv``-style file (default: the packaged synthetic sample)."""
    path = Path(path) if path is not None else sample_list_path()
    if not path.is_file():
        raise SecurityDataError(f"{path}: sanctions list not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SecurityDataError(f"{path}: not a readable CSV: {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SecurityDataError(
            f"{path}: missing columns {missing}; expected the OpenSanctions targets.simple.csv columns "
            f"{', '.join(SANCTIONS_COLUMNS)}"
        )
    for col in SANCTIONS_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    targets = tuple(
        SanctionsTarget(
            id=str(r["id"]),
            schema=str(r["schema"]),
            name=str(r["name"]),
            aliases=_split(r["aliases"]),
            countries=frozenset(c.upper() for c in _split(r["countries"])),
            identifiers=_split(r["identifiers"]),
            sanctions=str(r["sanctions"]),
            dataset=str(r["dataset"]),
            last_change=str(r["last_change"]),
        )
        for r in frame.to_dict("records")
        if str(r["name"]).strip()
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    last = max((t.last_change for t in targets if t.last_change), default="")
    return SanctionsList(targets, str(path), digest, last)


class _Index:
    """Blocking: which list entries share a token key, a compact key or an identifier."""

    def __init__(self, targets: Sequence[SanctionsTarget]) -> None:
        self.by_key: dict[str, set[int]] = {}
        for i, t in enumerate(targets):
            for key in self._keys_of_names(t.names):
                self.by_key.setdefault(key, set()).add(i)
            for ident in _identifier_values(t.identifiers):
                self.by_key.setdefault("id:" + ident, set()).add(i)

    @staticmethod
    def _keys_of_names(names: Iterable[str]) -> set[str]:
        keys: set[str] = set()
        for name in names:
            tokens = normalise_name(name)
            keys.add("c:" + phonetic_key("".join(tokens)))
            for tok in tokens:
                if tok not in WEAK_TOKENS and len(tok) > 1:
                    keys.add("p:" + phonetic_key(tok))
                    keys.add("t:" + tok[:4])
        return keys

    def candidates(self, subject: Subject) -> set[int]:
        keys = self._keys_of_names([subject.name])
        keys |= {"id:" + i for i in _identifier_values(subject.identifiers)}
        out: set[int] = set()
        for k in keys:
            out |= self.by_key.get(k, set())
        return out


def screen_subjects(
    subjects: Sequence[Subject], sanctions: SanctionsList, config: ScreeningConfig | None = None
) -> list[MatchResult]:
    """Every (subject, list entry) pair scoring at least threshold − near_miss, best first."""
    cfg = config or ScreeningConfig()
    index = _Index(sanctions.targets)
    floor = cfg.threshold - cfg.near_miss
    results: list[MatchResult] = []
    for subject in subjects:
        for i in index.candidates(subject):
            if not schemata_match(subject.schema, sanctions.targets[i].schema):
                continue  # a person is not a company (FollowTheMoney schemata, as nomenklatura)
            result = score_match(subject, sanctions.targets[i], cfg)
            if result.score >= floor:
                results.append(result)
    results.sort(key=lambda r: (-r.score, r.subject.key, r.target.id))
    return results


def scenario_subjects(ctx: SecurityContext) -> list[Subject]:
    """Investors, their entities, and every parent and ultimate owner, once each."""
    subjects: dict[str, dict[str, Any]] = {}

    def add(
        key: str,
        name: str,
        countries: set[str],
        identifiers: Iterable[str],
        role: str,
        schema: str = "LegalEntity",
    ) -> None:
        entry = subjects.setdefault(
            key, {"name": name, "countries": set(), "identifiers": [], "roles": [], "schema": schema}
        )
        entry["countries"] |= countries
        entry["identifiers"] += [i for i in identifiers if i not in entry["identifiers"]]
        if role not in entry["roles"]:
            entry["roles"].append(role)

    for inv in ctx.investors.values():
        node = ctx.graph.nodes.get(inv.entity)
        ids = node.identifiers if node else ()
        kind = node.schema if node and node.schema else "LegalEntity"
        add(inv.entity, inv.name, {inv.country}, ids, f"investor {inv.investor}", kind)
        if node and node.name != inv.name:
            add(
                inv.entity + "#entity",
                node.name,
                {node.country},
                ids,
                f"legal entity of investor {inv.investor}",
                kind,
            )
        ultimate = set(ctx.graph.ultimate_owners(inv.entity))
        for h in inv.holders:
            n = ctx.graph.nodes[h.holder]
            if n.note.startswith("synthetic"):
                continue
            kind = "ultimate owner" if h.holder in ultimate else ("parent" if h.controls else "owner")
            role = f"{kind} of {inv.investor} ({h.voting_pct:.2f} % voting, {h.economic_pct:.2f} % economic)"
            add(h.holder, n.name, {n.country}, n.identifiers, role, n.schema or "LegalEntity")
    return [
        Subject(
            k, v["name"], frozenset(v["countries"]), tuple(v["identifiers"]), tuple(v["roles"]), v["schema"]
        )
        for k, v in subjects.items()
    ]


def screening_notes(subjects: Sequence[Subject]) -> list[str]:
    """One line per subject whose name was transliterated from another script, or is not screenable."""
    notes = []
    for sub in subjects:
        note = script_note(sub.name)
        if note is not None:
            notes.append(f"{sub.key}: {note}")
    return notes


SCREENING_COLUMNS: list[str] = [
    "subject",
    "subject_name",
    "roles",
    "list_id",
    "list_name",
    "matched_name",
    "dataset",
    "sanctions",
    "score",
    "match",
    "features",
    "threshold",
    "list_version",
]


def screen_scenario(
    ctx: SecurityContext,
    sanctions: SanctionsList | Path | str | None = None,
    config: ScreeningConfig | None = None,
) -> pd.DataFrame:
    """Screen a scenario's investors and owners; one row per candidate match (best first)."""
    cfg = config or ScreeningConfig()
    lst = sanctions if isinstance(sanctions, SanctionsList) else load_sanctions_list(sanctions)
    subjects = scenario_subjects(ctx)
    rows = [
        {
            "subject": r.subject.key,
            "subject_name": r.subject.name,
            "roles": "; ".join(r.subject.roles),
            "list_id": r.target.id,
            "list_name": r.target.name,
            "matched_name": r.matched_name,
            "dataset": r.target.dataset,
            "sanctions": r.target.sanctions,
            "score": round(r.score, 3),
            "match": r.score >= cfg.threshold,
            "features": r.explain(),
            "threshold": cfg.threshold,
            "list_version": lst.version,
        }
        for r in screen_subjects(subjects, lst, cfg)
    ]
    out = pd.DataFrame(rows, columns=SCREENING_COLUMNS)
    # names transliterated from another script, or not screenable at all (say so, never silently skip)
    out.attrs["notes"] = screening_notes(subjects)
    return out
