from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import InvalidQueryError
from index.text import regions
from index.text.regions import (
    REGIONS,
    RegionMention,
    aliases,
    canonical_region,
    find_regions,
    region_names,
)


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.canonical) for m in find_regions(text)]


def test_sixteen_canonical_names_match_the_manifest_spelling() -> None:
    assert len(REGIONS) == 16
    assert "Thüringen" in REGIONS and "Nordrhein-Westfalen" in REGIONS


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("Saxony", "Sachsen"),
        ("Freistaat Sachsen", "Sachsen"),
        ("free state of bavaria", "Bayern"),
        ("SN", "Sachsen"),
        ("NRW", "Nordrhein-Westfalen"),
        ("North Rhine-Westphalia", "Nordrhein-Westfalen"),
        ("Lower Saxony", "Niedersachsen"),
        ("THÜRINGEN", "Thüringen"),
        ("Thueringen", "Thüringen"),
        ("Baden-Wuerttemberg", "Baden-Württemberg"),
        ("MV", "Mecklenburg-Vorpommern"),
        ("Mecklenburg-Western Pomerania", "Mecklenburg-Vorpommern"),
        ("Hesse", "Hessen"),
        ("Saxony-Anhalt", "Sachsen-Anhalt"),
        ("Rhineland-Palatinate", "Rheinland-Pfalz"),
    ],
)
def test_canonical_region_accepts_aliases(alias: str, canonical: str) -> None:
    assert canonical_region(alias) == canonical


def test_unknown_region_names_the_accepted_forms() -> None:
    with pytest.raises(InvalidQueryError, match=r"Unknown region 'Atlantis'.*'Saxony', 'SN'"):
        canonical_region("Atlantis")


def test_sachsen_is_not_found_inside_other_laender() -> None:
    assert _found("Sachsen-Anhalt, Niedersachsen und Sachsen") == [
        ("Sachsen-Anhalt", "Sachsen-Anhalt"),
        ("Niedersachsen", "Niedersachsen"),
        ("Sachsen", "Sachsen"),
    ]
    assert _found("Lower Saxony and Saxony-Anhalt, not Saxony") == [
        ("Lower Saxony", "Niedersachsen"),
        ("Saxony-Anhalt", "Sachsen-Anhalt"),
        ("Saxony", "Sachsen"),
    ]


def test_hyphenated_pair_names_both() -> None:
    assert _found("die Region Berlin-Brandenburg") == [
        ("Berlin", "Berlin"),
        ("Brandenburg", "Brandenburg"),
    ]


def test_codes_only_as_whole_upper_case_tokens() -> None:
    assert _found("Clusterportal BW, NRW; nrw, BWX, be, HH") == [
        ("BW", "Baden-Württemberg"),
        ("NRW", "Nordrhein-Westfalen"),
        ("HH", "Hamburg"),
    ]


def test_adjectives_genitives_and_official_names() -> None:
    assert _found(
        "bayerische Firmen, Bayerns Cluster, niedersächsische, Saxon, Freistaat Thüringen"
    ) == [
        ("bayerische", "Bayern"),
        ("Bayerns", "Bayern"),
        ("niedersächsische", "Niedersachsen"),
        ("Saxon", "Sachsen"),
        ("Freistaat Thüringen", "Thüringen"),
    ]


def test_words_glued_to_names_are_not_mentions() -> None:
    assert find_regions("img_bayern Bayernwerk Hessenliga") == ()


def test_mentions_carry_offsets() -> None:
    assert find_regions("In Thuringia.") == (RegionMention(3, 12, "Thüringen"),)


def test_region_names_in_both_languages() -> None:
    assert region_names("SN") == ("Sachsen", "Saxony")
    assert region_names("Hessen") == ("Hessen", "Hesse")


# The oracle: find_regions as one whole-pattern `finditer` per pattern, the plain algorithm
# the fast one (start filters, then the pattern only at candidates) must agree with exactly.
@cache
def _oracle_patterns() -> tuple[re.Pattern[str], list[str], re.Pattern[str], dict[str, str]]:
    forms: list[tuple[str, str]] = []
    for land in regions._LAENDER:
        for name in (land.canonical, *land.names):
            pattern = re.escape(name).replace(r"\ ", r"\s+") + regions._GENITIVE
            forms.append((pattern, land.canonical))
        for adjective in land.adjectives:
            forms.append((re.escape(adjective) + regions._ADJ_ENDINGS, land.canonical))
    forms.sort(key=lambda f: len(f[0]), reverse=True)
    groups = "|".join(f"(?P<g{i}>{pattern})" for i, (pattern, _) in enumerate(forms))
    names = re.compile(rf"(?<![\w])(?:{groups})(?![\w])", re.IGNORECASE)
    codes = {c: land.canonical for land in regions._LAENDER for c in (land.code, *land.extra_codes)}
    alternatives = "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
    code_pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    return names, [canonical for _, canonical in forms], code_pattern, codes


def _oracle(text: str) -> tuple[RegionMention, ...]:
    names, group_region, codes, code_region = _oracle_patterns()
    mentions = [
        RegionMention(m.start(), m.end(), group_region[int(str(m.lastgroup)[1:])])
        for m in names.finditer(text)
    ]
    taken = [(m.start, m.end) for m in mentions]
    for match in codes.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        mentions.append(RegionMention(match.start(), match.end(), code_region[match.group()]))
    return tuple(sorted(mentions, key=lambda m: m.start))


_ALIASES = sorted({a for land in REGIONS for a in aliases(land)} | set(REGIONS))
# Characters `re.IGNORECASE` takes for an ASCII letter, and letters that look alike but are not.
_ODD = {"s": "sSſ", "k": "kKK", "i": "iIıİ", "u": "uUüÜ", "a": "aAäÄ", "o": "oOöÖ"}
_SINGLES = list("ſKİıßẞüÜäÄöÖsSkKiIaAeEnN-_09 \t\n\xa0.,/")


def _spelled(alias: str) -> st.SearchStrategy[str]:
    """`alias` with each character in any case or an odd letter `re` may take for it."""
    options = [_ODD.get(c.lower(), c + c.lower() + c.upper()) for c in alias]
    return st.tuples(*(st.sampled_from(o) for o in options)).map("".join)


def _piece(alias: str) -> st.SearchStrategy[str]:
    """A prefix or suffix of `alias` (or all of it), the near misses of a prefix filter."""
    cut = st.integers(0, len(alias))
    return st.one_of(cut.map(lambda k: alias[:k]), cut.map(lambda k: alias[k:]))


_FRAGMENT = st.one_of(
    st.sampled_from(_ALIASES),
    st.sampled_from(_ALIASES).flatmap(_spelled),
    st.sampled_from(_ALIASES).flatmap(_piece),
    st.sampled_from(_SINGLES),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENT, max_size=12).map("".join))
def test_find_regions_agrees_with_the_whole_pattern_scan(text: str) -> None:
    assert find_regions(text) == _oracle(text)


@pytest.mark.parametrize("alias", _ALIASES)
def test_every_alias_alone_and_in_text_agrees_with_the_oracle(alias: str) -> None:
    for text in (alias, f"({alias})", f"x{alias} {alias.upper()}-{alias.lower()}_"):
        assert find_regions(text) == _oracle(text)
    assert find_regions(alias) != ()


def test_odd_letters_that_re_folds_to_ascii_are_found() -> None:
    assert _found("ſachſen, MECKLENBURG-VORPOMMERN, BERLİN, berlın") == [
        ("ſachſen", "Sachsen"),
        ("MECKLENBURG-VORPOMMERN", "Mecklenburg-Vorpommern"),
        ("BERLİN", "Berlin"),
        ("berlın", "Berlin"),
    ]


def test_names_across_whitespace_and_at_both_ends() -> None:
    assert find_regions("Lower\xa0\n Saxony BY") == (
        RegionMention(0, 14, "Niedersachsen"),
        RegionMention(15, 17, "Bayern"),
    )
    assert find_regions("NRW/Saarlandes") == (
        RegionMention(0, 3, "Nordrhein-Westfalen"),
        RegionMention(4, 14, "Saarland"),
    )


def test_a_code_inside_a_name_is_not_a_second_mention() -> None:
    assert _found("M-V und Mecklenburg-Vorpommern; Sachsen-Anhalt (ST)") == [
        ("M-V", "Mecklenburg-Vorpommern"),
        ("Mecklenburg-Vorpommern", "Mecklenburg-Vorpommern"),
        ("Sachsen-Anhalt", "Sachsen-Anhalt"),
        ("ST", "Sachsen-Anhalt"),
    ]


def test_start_filters_know_every_character_re_takes_for_a_first_letter() -> None:
    firsts = {a[0] for a in _ALIASES}
    every = "".join(map(chr, range(0x110000)))
    taken = set(re.findall(f"[{re.escape(''.join(firsts))}]", every, re.IGNORECASE))
    for first in firsts:
        kin = {c for c in taken if re.fullmatch(re.escape(first), c, re.IGNORECASE)}
        assert kin <= regions._cases(first), first
