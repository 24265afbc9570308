"""What a question asks for, and whether a span of text holds it.

`expectation(question)` tells the kind of answer a question wants from its wording: a
count for "how many"/"wie viele(n)" (with the counted word, in both languages), an amount
for "how much"/"wie viel"/"budget", a percentage for "what share"/"Anteil"/"…quote", a date
for "when"/"wann", a date or a span of years for "how long"/"seit wann", a Land for "which
state"/"welches Bundesland", a phone number or a street/postcode when asked for, a name for
"who"; "none" otherwise. `evidence(span, expected)` is 1.0 when a span holds that kind of
thing, less (down to 0.0) when it plainly does not.

The question words themselves ("how", "welche", …) and the German ↔ English words of
questions about facts are data (`index.answering.vocabulary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from index.answering.vocabulary import question_pairs, question_words
from index.text.analysis import fold, query_analysis, stem
from index.text.regions import find_regions

__all__ = [
    "ASKED_FOR",
    "Expectation",
    "Kind",
    "evidence",
    "expectation",
    "is_phone_number",
    "is_question_word",
    "translated",
]

Kind = Literal[
    "count", "amount", "share", "date", "duration", "who", "land", "phone", "address", "none"
]

# What a null answer says was asked for and not found, by kind.
ASKED_FOR: dict[Kind, str] = {
    "count": "a number of them",
    "amount": "an amount",
    "share": "a percentage",
    "date": "a date",
    "duration": "a date or a span of time",
    "who": "a name",
    "land": "a Land",
    "phone": "a phone number",
    "address": "an address",
}


@dataclass(frozen=True, slots=True)
class Expectation:
    """What kind of answer a question asks for; `counted` is the word after "how many"."""

    kind: Kind
    counted: frozenset[str] = frozenset()


# --- how questions ask -------------------------------------------------------------------

_COUNT = re.compile(
    r"\b(how\s+many|wie\s*viele[n]?|number\s+of|anzahl\s+(?:der|an|von))\s+(\w+)", re.I
)
_AMOUNT = re.compile(
    r"\b(how\s+much|wie\s*viel(?!e)|wie\s+hoch|budget\w*|\w*budget|money|geld|funding\s+amount"
    r"|fördersumme|fördervolumen|volumen|volume|cost\w*|kosten)\b",
    re.I,
)
_SHARE = re.compile(
    r"\b(what\s+share|which\s+share|\w*anteil\w*|percent\w*|prozent\w*|rate|\w*quote)\b", re.I
)
# "Which state …", "Welches Bundesland …", "In which Land …": the answer names a Land.
_LAND = re.compile(
    r"\b(which|what|welche[smnr]?)\s+(?:german\s+|federal\s+)?(states?|länder|land|bundesl\w+"
    r"|regions?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(when|wann|what\s+year|which\s+year|in\s+welchem\s+jahr|seit\s+welchem\s+jahr)\b",
    re.I,
)
# A span of time, or the date it started: "for more than fifteen years", "seit 2007".
_DURATION = re.compile(
    r"\b(since\s+when|seit\s+wann|how\s+long|wie\s+lange|for\s+how\s+many\s+years)\b", re.I
)
_WHO = re.compile(r"(who|whom|wer|wen|wem)\b", re.I)
# Contact details: a phone number, or where an office is (street, postcode and town).
_PHONE_ASKED = re.compile(r"\b(phone|telephone|telefon\w*|fax|rufnummer|durchwahl)\b", re.I)
_ADDRESS_ASKED = re.compile(
    r"\b(address|adresse|anschrift|street|straße|postcode|postal\s+code|postleitzahl)\b", re.I
)

# --- what answers hold -------------------------------------------------------------------

_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()/\-]{6,}\d")
_ADDRESS = re.compile(
    r"\b[\w\-]*(?:straße|strasse|str\.|weg|platz|allee|ring|damm|street|road)\s+\d+\w?\b"
    r"|\b\d{5}\s+[A-ZÄÖÜ][\w\-]+",
    re.I,
)
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-ZÄÖÜ][\w\-]+|[A-Z]{2,})", re.M)
_NUMBER = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|fifty|hundred|dozen|ein|eine|zwei|drei|vier|fünf|sechs"
    r"|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert)(?![\w])",
    re.I,
)
_MONEY = re.compile(
    r"(€|\beur\b|\beuro\w*|\bmio\b|\bmrd\b|\bmillion\w*|\bbillion\w*|\$|\bdollar)", re.I
)
_PERCENT = re.compile(r"(%|\bpercent\b|\bprozent\b|\bper\s+cent\b)", re.I)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_MONTHS = re.compile(
    r"\b(januar|january|februar|february|märz|march|april|mai|may|juni|june|juli|july|august"
    r"|september|oktober|october|november|dezember|december|jahrhundert\w*|century|centuries)\b",
    re.I,
)
_PERIOD = re.compile(
    r"\b(jahr\w*|years?|monat\w*|months?|jahrzehnt\w*|decades?|jahrhundert\w*|century|centuries)\b",
    re.I,
)
_TOKEN = re.compile(r"[^\W_]+|[%€$]")


def expectation(question: str) -> Expectation:
    """The kind of answer `question` asks for ("how many" → count, "wann" → date, …)."""
    if _PHONE_ASKED.search(question):
        return Expectation("phone")
    if _ADDRESS_ASKED.search(question):
        return Expectation("address")
    if _DURATION.search(question):
        return Expectation("duration")
    count = _COUNT.search(question)
    if count:
        return Expectation("count", _counted_terms(count.group(2)))
    if _SHARE.search(question):
        return Expectation("share")
    if _AMOUNT.search(question):
        return Expectation("amount")
    if _DATE.search(question):
        return Expectation("date")
    if _WHO.match(question.strip()):
        return Expectation("who")
    if _LAND.search(question):
        return Expectation("land")
    return Expectation("none")


def evidence(span: str, expected: Expectation, lang: str = "en") -> float:
    """1.0 when `span` holds what `expected` asks for, 0.0 when it plainly does not.

    For "who"/"wer" a name is wanted: in English text, a capitalised word that does not
    start a line or sentence ("the Ministry of …", "Edith Köchel"); German capitalises
    every noun, so there a "who" question is not checked (1.0).
    """
    if expected.kind == "none":
        return 1.0
    if expected.kind == "who":
        return 1.0 if lang != "en" or _NAME.search(span) else 0.0
    if expected.kind == "land":
        return 1.0 if find_regions(span) else 0.0
    if expected.kind == "phone":
        return 1.0 if _PHONE.search(span) else 0.0
    if expected.kind == "address":
        return 1.0 if _ADDRESS.search(span) else 0.0
    numbers = list(_NUMBER.finditer(span))
    if expected.kind == "date":
        return 1.0 if _YEAR.search(span) or (_MONTHS.search(span) and numbers) else 0.0
    if expected.kind == "duration":
        return 1.0 if _YEAR.search(span) or (_PERIOD.search(span) and numbers) else 0.0
    if not numbers:
        return 0.0
    if expected.kind == "share":
        return 1.0 if _PERCENT.search(span) else 0.3
    if expected.kind == "amount":
        return 1.0 if _MONEY.search(span) else 0.2
    # count: the counted word within a few words after the number.
    for number in numbers:
        following = _TOKEN.findall(span[number.end() :])[:5]
        if any(_word_stems(w) & expected.counted for w in following):
            return 1.0
    return 0.2


def is_phone_number(text: str) -> bool:
    """Whether `text` is a phone number and nothing else ("+49 (0) 711 123-2240")."""
    return _PHONE.fullmatch(text.strip()) is not None


def is_question_word(word: str) -> bool:
    """Whether `word` only makes the question a question ("how", "welches", "seit")."""
    return fold(word) in question_words()


def translated(terms: frozenset[str]) -> frozenset[str]:
    """`terms` plus the other language's stems of the question word pairs they hold."""
    out = set(terms)
    for pair in question_pairs():
        de = _phrase_stems(pair.german)
        en = _phrase_stems(pair.english)
        if terms & de or terms & en:
            out |= de | en
    return frozenset(out)


def _word_stems(word: str) -> set[str]:
    folded = fold(word)
    return {stem(folded, "de"), stem(folded, "en")}


@lru_cache(maxsize=256)
def _phrase_stems(phrase: str) -> frozenset[str]:
    return frozenset(t for word in phrase.split() for t in _word_stems(word))


def _counted_terms(word: str) -> frozenset[str]:
    terms = set(_word_stems(word))
    for analysed in query_analysis(word):
        terms |= analysed.terms
    return translated(frozenset(terms))
