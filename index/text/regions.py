"""A gazetteer of the 16 German Länder: canonical names, aliases, and mentions in text.

Canonical names are the German ones the corpus manifest uses ("Bayern", "Thüringen").
Every Land is known by its German name (also in ASCII spelling, "Thueringen"), its
official name ("Freistaat Bayern"), its English names ("Bavaria", "Free State of
Bavaria"), common adjectives ("bayerisch", "Bavarian") and its two-letter code ("BY").

Matching rules, so that one Land is never found inside another's name:

* names and adjectives match case-insensitively, as whole words: a match may not be
  preceded or followed by a letter, digit or underscore ("Niedersachsen" is not
  "Sachsen", "img_bayern" is nothing);
* at any position the longest alias wins ("Sachsen-Anhalt" before "Sachsen",
  "Lower Saxony" before "Saxony"); a hyphen ends a name otherwise, so
  "Berlin-Brandenburg" names both Berlin and Brandenburg;
* codes ("NRW", "BW", "SN", ...) match only as whole upper-case tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from index.errors import InvalidQueryError

__all__ = [
    "REGIONS",
    "RegionMention",
    "aliases",
    "canonical_region",
    "find_regions",
    "is_region_alias",
    "region_names",
    "regions_in",
]


@dataclass(frozen=True, slots=True)
class _Land:
    canonical: str
    code: str
    names: tuple[str, ...]  # case-insensitive names (German, official, English)
    adjectives: tuple[str, ...] = ()  # stems; German/English endings are added
    extra_codes: tuple[str, ...] = ()


_LAENDER: tuple[_Land, ...] = (
    _Land(
        "Baden-Württemberg",
        "BW",
        (
            "Baden-Württemberg",
            "Baden Württemberg",
            "Baden-Wuerttemberg",
            "Baden-Wurttemberg",
            "Baden Wuerttemberg",
            "Land Baden-Württemberg",
        ),
        ("baden-württembergisch", "baden-wuerttembergisch"),
        ("BaWü",),
    ),
    _Land(
        "Bayern",
        "BY",
        ("Bayern", "Freistaat Bayern", "Bavaria", "Free State of Bavaria"),
        ("bayerisch", "bavarian"),
    ),
    _Land("Berlin", "BE", ("Berlin", "Land Berlin"), ("berliner",)),
    _Land("Brandenburg", "BB", ("Brandenburg", "Land Brandenburg"), ("brandenburgisch",)),
    _Land(
        "Bremen",
        "HB",
        ("Bremen", "Freie Hansestadt Bremen", "Free Hanseatic City of Bremen", "Land Bremen"),
        ("bremisch", "bremer"),
    ),
    _Land(
        "Hamburg",
        "HH",
        ("Hamburg", "Freie und Hansestadt Hamburg", "Free and Hanseatic City of Hamburg"),
        ("hamburgisch", "hamburger"),
    ),
    _Land("Hessen", "HE", ("Hessen", "Land Hessen", "Hesse"), ("hessisch", "hessian")),
    _Land(
        "Mecklenburg-Vorpommern",
        "MV",
        (
            "Mecklenburg-Vorpommern",
            "Mecklenburg Vorpommern",
            "Mecklenburg-Western Pomerania",
            "Mecklenburg-West Pomerania",
            "Mecklenburg Western Pomerania",
        ),
        ("mecklenburg-vorpommersch",),
        ("M-V",),
    ),
    _Land(
        "Niedersachsen",
        "NI",
        ("Niedersachsen", "Land Niedersachsen", "Lower Saxony", "Lower-Saxony"),
        ("niedersächsisch", "niedersaechsisch", "lower saxon"),
    ),
    _Land(
        "Nordrhein-Westfalen",
        "NW",
        (
            "Nordrhein-Westfalen",
            "Nordrhein Westfalen",
            "Land Nordrhein-Westfalen",
            "North Rhine-Westphalia",
            "North Rhine Westphalia",
            "North-Rhine Westphalia",
            "North-Rhine-Westphalia",
        ),
        ("nordrhein-westfälisch", "nordrhein-westfaelisch"),
        ("NRW",),
    ),
    _Land(
        "Rheinland-Pfalz",
        "RP",
        ("Rheinland-Pfalz", "Rheinland Pfalz", "Rhineland-Palatinate", "Rhineland Palatinate"),
        ("rheinland-pfälzisch", "rheinland-pfaelzisch"),
        ("RLP",),
    ),
    _Land("Saarland", "SL", ("Saarland", "Saarlandes"), ("saarländisch", "saarlaendisch")),
    _Land(
        "Sachsen",
        "SN",
        ("Sachsen", "Freistaat Sachsen", "Saxony", "Free State of Saxony"),
        ("sächsisch", "saechsisch", "saxon"),
    ),
    _Land(
        "Sachsen-Anhalt",
        "ST",
        ("Sachsen-Anhalt", "Sachsen Anhalt", "Saxony-Anhalt", "Saxony Anhalt"),
        ("sachsen-anhaltisch",),
        ("LSA",),
    ),
    _Land(
        "Schleswig-Holstein",
        "SH",
        ("Schleswig-Holstein", "Schleswig Holstein", "Land Schleswig-Holstein"),
        ("schleswig-holsteinisch",),
    ),
    _Land(
        "Thüringen",
        "TH",
        (
            "Thüringen",
            "Thueringen",
            "Thuringen",
            "Freistaat Thüringen",
            "Thuringia",
            "Free State of Thuringia",
        ),
        ("thüringisch", "thueringisch", "thuringian"),
    ),
)

REGIONS: tuple[str, ...] = tuple(land.canonical for land in _LAENDER)
_BY_CANONICAL = {land.canonical: land for land in _LAENDER}
_ENGLISH = {
    "Baden-Württemberg": "Baden-Württemberg",
    "Bayern": "Bavaria",
    "Berlin": "Berlin",
    "Brandenburg": "Brandenburg",
    "Bremen": "Bremen",
    "Hamburg": "Hamburg",
    "Hessen": "Hesse",
    "Mecklenburg-Vorpommern": "Mecklenburg-Western Pomerania",
    "Niedersachsen": "Lower Saxony",
    "Nordrhein-Westfalen": "North Rhine-Westphalia",
    "Rheinland-Pfalz": "Rhineland-Palatinate",
    "Saarland": "Saarland",
    "Sachsen": "Saxony",
    "Sachsen-Anhalt": "Saxony-Anhalt",
    "Schleswig-Holstein": "Schleswig-Holstein",
    "Thüringen": "Thuringia",
}
# German adjective endings (bayerisch/-e/-en/-er/-es/-em) and English ones (Bavarian/-s).
_ADJ_ENDINGS = r"(?:e|en|er|es|em|s)?"
# German genitive: "Bayerns", "Brandenburgs", "Thüringens".
_GENITIVE = r"s?"


@dataclass(frozen=True, slots=True)
class RegionMention:
    """A Land named in a text: `text[start:end]` names the Land `canonical`."""

    start: int
    end: int
    canonical: str


def _fold(value: str) -> str:
    """Case-fold and spell out umlauts/ß for alias lookup ("Thüringen" = "THUERINGEN")."""
    value = unicodedata.normalize("NFC", value).casefold().strip()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        value = value.replace(src, dst)
    return re.sub(r"[\s\-_]+", " ", value)


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for land in _LAENDER:
        for name in (land.canonical, *land.names, *land.adjectives):
            table[_fold(name)] = land.canonical
        for code in (land.code, *land.extra_codes):
            table[_fold(code)] = land.canonical
    return table


def aliases(canonical: str) -> tuple[str, ...]:
    """Every name, adjective stem and code of the Land `canonical` (canonical name first)."""
    land = _BY_CANONICAL[canonical_region(canonical)]
    return (land.canonical, *land.names[1:], *land.adjectives, land.code, *land.extra_codes)


def region_names(canonical: str) -> tuple[str, str]:
    """The plain German and English names of a Land ("Sachsen", "Saxony")."""
    land = _BY_CANONICAL[canonical_region(canonical)]
    return land.canonical, _ENGLISH[land.canonical]


def is_region_alias(name: str) -> bool:
    """Whether `name` is a name, adjective stem or code of a Land (any case or spelling)."""
    return _fold(name) in _lookup()


def canonical_region(name: str) -> str:
    """The canonical German name of the Land called `name` (any accepted alias or code).

    Raises `InvalidQueryError` listing the accepted forms when `name` names no Land.
    """
    found = _lookup().get(_fold(name))
    if found is None:
        raise InvalidQueryError(
            f"Unknown region {name!r}. Give one of the 16 Länder by its German or English "
            f"name or its code, e.g. 'Sachsen', 'Saxony', 'SN' or 'NRW'. Accepted: "
            f"{', '.join(REGIONS)}."
        )
    return found


@cache
def _name_forms() -> tuple[tuple[str, str, str], ...]:
    """(alias, its pattern, canonical) of every name and adjective, longest pattern first.

    Longest first, so that "Sachsen-Anhalt" wins over "Sachsen" at one position.
    """
    forms: list[tuple[str, str, str]] = []
    for land in _LAENDER:
        for name in (land.canonical, *land.names):
            pattern = re.escape(name).replace(r"\ ", r"\s+") + _GENITIVE
            forms.append((name, pattern, land.canonical))
        for adjective in land.adjectives:
            forms.append((adjective, re.escape(adjective) + _ADJ_ENDINGS, land.canonical))
    forms.sort(key=lambda f: len(f[1]), reverse=True)
    return tuple(forms)


@cache
def _name_pattern(first: str | None = None) -> re.Pattern[str]:
    """All names and adjectives, or only those that can begin with the character `first`.

    A cut pattern keeps the order and group names of the whole one, so at a position whose
    character is `first` both find the same match; it only skips the alternatives that
    would fail on their first letter.
    """
    forms = _name_forms()
    _GROUP_REGION.update({f"g{i}": canonical for i, (_, _, canonical) in enumerate(forms)})
    groups = "|".join(
        f"(?P<g{i}>{pattern})"
        for i, (alias, pattern, _) in enumerate(forms)
        if first is None or first in _cases(alias[0])
    )
    return re.compile(rf"(?<![\w])(?:{groups or '(?!)'})(?![\w])", re.IGNORECASE)


_GROUP_REGION: dict[str, str] = {}


@cache
def _code_pattern() -> re.Pattern[str]:
    codes = {code: land.canonical for land in _LAENDER for code in (land.code, *land.extra_codes)}
    _CODE_REGION.update(codes)
    alternatives = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


_CODE_REGION: dict[str, str] = {}

# How many leading characters of an alias the start filters compare.
_PREFIX = 4
# The characters besides its two cases that `re.IGNORECASE` takes for an ASCII letter
# (tests check this against every code point).
_CASE_KIN = {"i": "\u0131\u0130", "k": "\u212a", "s": "\u017f"}


def _cases(char: str) -> set[str]:
    """Every character `re.IGNORECASE` may take for `char` (a superset is harmless)."""
    lower = char.lower()
    found = {char, lower, char.upper(), *_CASE_KIN.get(lower, "")}
    return {c for c in found if len(c) == 1}


def _starts_pattern(aliases: Iterable[str], boundary: str, ignore_case: bool) -> re.Pattern[str]:
    """Where one of `aliases` may begin: a superset of the starts of their whole-word matches.

    The pattern opens with a case-sensitive class of first characters, so `search` skips to
    the next candidate in C instead of trying the full alternation at every position; then
    the character before must not be `boundary`, and the alias's next characters (up to
    `_PREFIX`, never past a space, which names match as any whitespace) must follow.
    """
    tails: dict[str, set[str]] = {}
    for alias in aliases:
        prefix = alias[:_PREFIX].split(" ")[0]
        tails.setdefault(prefix[0], set()).add(prefix[1:])
    firsts = {c for first in tails for c in (_cases(first) if ignore_case else {first})}
    chars = "".join(re.escape(c) for c in sorted(firsts))
    follows = "|".join(
        rf"(?<={re.escape(first)})(?:{'|'.join(re.escape(t) for t in sorted(rest))})"
        for first, rest in sorted(tails.items())
    )
    case = "i" if ignore_case else ""
    return re.compile(rf"[{chars}](?<!{boundary}[{chars}])(?{case}:{follows})")


@cache
def _name_starts() -> re.Pattern[str]:
    return _starts_pattern((alias for alias, _, _ in _name_forms()), r"\w", ignore_case=True)


@cache
def _code_starts() -> re.Pattern[str]:
    codes = (code for land in _LAENDER for code in (land.code, *land.extra_codes))
    return _starts_pattern(codes, r"[\w-]", ignore_case=False)


def _scan(
    starts: re.Pattern[str], match: Callable[[str, int], re.Match[str] | None], text: str
) -> Iterator[re.Match[str]]:
    """The matches a pattern's `finditer(text)` finds, trying `match` (that pattern's
    `match` at a position) only where `starts` finds a candidate (`starts` must find every
    position where the pattern can match)."""
    search = starts.search
    position = 0
    while (candidate := search(text, position)) is not None:
        found = match(text, candidate.start())
        if found is None:
            position = candidate.start() + 1
        else:
            yield found
            position = found.end()


def _match_name(text: str, at: int) -> re.Match[str] | None:
    return _name_pattern(text[at]).match(text, at)


def find_regions(text: str) -> tuple[RegionMention, ...]:
    """Every mention of a Land in `text`, in order of position (overlaps resolved longest-first)."""
    mentions: list[RegionMention] = []
    for match in _scan(_name_starts(), _match_name, text):
        group = match.lastgroup
        assert group is not None
        mentions.append(RegionMention(match.start(), match.end(), _GROUP_REGION[group]))
    taken = [(m.start, m.end) for m in mentions]
    for match in _scan(_code_starts(), _code_pattern().match, text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        mentions.append(RegionMention(match.start(), match.end(), _CODE_REGION[match.group()]))
    return tuple(sorted(mentions, key=lambda m: m.start))


def regions_in(text: str) -> tuple[str, ...]:
    """The distinct Länder `text` names, canonical, in order of first mention."""
    return _unique(m.canonical for m in find_regions(text))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
