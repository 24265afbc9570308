from __future__ import annotations

import pytest

from index.errors import InvalidQueryError
from index.text.regions import REGIONS, RegionMention, canonical_region, find_regions, region_names


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
