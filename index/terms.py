"""A small, explicit German ↔ English map of the domain's vocabulary.

It serves two purposes: a query in one language also looks for the other language's
words in BM25 (an English question about a German passage), and a passage's words are
highlighted when they translate a query word. It is deliberately short and generic to
regional innovation policy — the words the corpus and its users share — not tuned to
single questions. Land names are not here: the gazetteer (`index.regions`) covers them.
"""

from __future__ import annotations

__all__ = ["TERM_PAIRS"]

# (German, English) surface forms; matching happens on stems, so one form per word suffices.
TERM_PAIRS: tuple[tuple[str, str], ...] = (
    ("Cluster", "cluster"),
    ("Clusterpolitik", "cluster policy"),
    ("Politik", "policy"),
    ("Innovation", "innovation"),
    ("Innovationsstrategie", "innovation strategy"),
    ("Strategie", "strategy"),
    ("Netzwerk", "network"),
    ("Netzwerkbildung", "networking"),
    ("Förderung", "funding"),
    ("Förderung", "support"),
    ("fördern", "promote"),
    ("unterstützen", "support"),
    ("Unterstützung", "support"),
    ("Wissenschaft", "science"),
    ("Wirtschaft", "industry"),
    ("Wirtschaft", "economy"),
    ("Wirtschaft", "business"),
    ("Industrie", "industry"),
    ("Forschung", "research"),
    ("Entwicklung", "development"),
    ("Unternehmen", "companies"),
    ("Unternehmen", "company"),
    ("Hochschulen", "universities"),
    ("Universität", "university"),
    ("Gesundheitswirtschaft", "health economy"),
    ("Gesundheit", "health"),
    ("Projekte", "projects"),
    ("Ministerium", "ministry"),
    ("Zusammenarbeit", "cooperation"),
    ("Vernetzung", "networking"),
    ("Wissenstransfer", "knowledge transfer"),
    ("Wissen", "knowledge"),
    ("Land", "state"),
    ("Bundesland", "federal state"),
    ("Länder", "states"),
    ("Landesregierung", "state government"),
    ("Region", "region"),
    ("regional", "regional"),
    ("Ziel", "goal"),
    ("Ziele", "aims"),
    ("Partner", "partners"),
    ("Ansprechpartner", "contact person"),
    ("Budget", "budget"),
    ("Wettbewerbsfähigkeit", "competitiveness"),
    ("Initiative", "initiative"),
    ("Jahr", "year"),
)
