from __future__ import annotations

from index.answering.question import (
    ASKED_FOR,
    Expectation,
    evidence,
    expectation,
    is_phone_number,
    is_question_word,
    translated,
)


def test_expectation_kinds() -> None:
    assert expectation("How much money does BioCon Valley have per year?").kind == "amount"
    assert expectation("Wie viel Geld steht zur Verfügung?").kind == "amount"
    assert expectation("Wie hoch ist das Förderbudget für Cluster in Bayern?").kind == "amount"
    assert expectation("What share of gross value added does it have?").kind == "share"
    assert expectation("Welchen Anteil hat die Gesundheitswirtschaft?").kind == "share"
    assert expectation("Wann wurde der Cluster-Dialog gegründet?").kind == "date"
    assert expectation("When was the Cluster Dialogue initiated?").kind == "date"
    assert expectation("Seit wann gibt es das Optik-Cluster?").kind == "duration"
    assert expectation("How long has BioCon Valley existed?").kind == "duration"
    assert expectation("Which state has Silicon Saxony?") == Expectation("land")
    assert expectation("In welchem Bundesland liegt Jena?") == Expectation("land")
    assert expectation("Which cluster has the silver label?") == Expectation("none")
    assert expectation("Welche Förderquote gilt dort?").kind == "share"
    assert expectation("An wie vielen Verbünden sind sie beteiligt?").kind == "count"
    count = expectation("Wie viele Mitarbeiter hat BioCon Valley?")
    assert count.kind == "count"
    # the counted word in both languages, with the stems of its translation
    assert {"mitarbeit", "employe"} <= count.counted
    assert "network" in expectation("How many networks does HTAI look after?").counted


def test_evidence_for_each_kind() -> None:
    count = expectation("How many employees work there?")
    assert evidence("16 employees work in two offices.", count) == 1.0
    assert evidence("Die HTAI betreut ca. 40 Netzwerke.", count) == 0.2  # a number, other noun
    assert evidence("It has many employees.", count) == 0.0
    amount = Expectation("amount")
    assert evidence("Every year 1,2 mio. euros are available.", amount) == 1.0
    assert evidence("16 employees work there.", amount) == 0.2
    assert evidence("No figures here.", amount) == 0.0
    share = Expectation("share")
    assert evidence("a share of 14.7 % of the total", share) == 1.0
    assert evidence("14 partners", share) == 0.3
    date = Expectation("date")
    assert evidence("in mid-2007, the ministry initiated it", date) == 1.0
    assert evidence("seit dem 19. Jahrhundert gewachsen", date) == 1.0
    assert evidence("Start Date\nJanuary 2000", date) == 1.0
    assert evidence("a long time ago", date) == 0.0
    # "when" wants a point in time: a span of years is not one, but answers "how long"
    assert evidence("For more than fifteen years now it has pooled forces.", date) == 0.0
    duration = Expectation("duration")
    assert evidence("For more than fifteen years now it has pooled forces.", duration) == 1.0
    assert evidence("seit dem 19. Jahrhundert gewachsen", duration) == 1.0
    assert evidence("since mid-2007", duration) == 1.0
    assert evidence("It has grown steadily.", duration) == 0.0
    land = Expectation("land")
    assert evidence("Der Freistaat Sachsen fördert Netzwerke.", land, "de") == 1.0
    assert (
        evidence("In Baden-Wuerttemberg the Cluster Dialogue is the umbrella brand.", land) == 1.0
    )
    assert evidence("The cluster combines a Ltd and an association.", land) == 0.0
    phone = expectation("What is the phone number of the cluster policy unit?")
    assert phone.kind == "phone" and expectation("Wie lautet die Telefonnummer?") == phone
    assert evidence("Edith Köchel\n+49 (0) 711 123-2240", phone) == 1.0
    assert evidence("70174 Stuttgart", phone) == 0.0  # a postcode is no phone number
    address = expectation("What is the street address of the unit?")
    assert address.kind == "address" and expectation("Wie ist die Anschrift?") == address
    assert evidence("Theodor-Heuss-Straße 4", address) == 1.0
    assert evidence("Regional Economic Policy\n70174 Stuttgart", address, "en") == 1.0
    assert evidence("Ministry of Economic Affairs, Labour and Housing", address) == 0.0
    assert expectation("Where is BioCon Valley located?").kind == "none"  # a town may do
    assert evidence("anything", Expectation("none")) == 1.0


def test_who_questions_want_a_name_in_english_text() -> None:
    who = expectation("Who is the managing director of BioCon Valley?")
    assert who.kind == "who" and expectation("Wer leitet das Cluster?").kind == "who"
    assert evidence("Main shareholder of the Ltd is the Ministry of Economics.", who) == 1.0
    assert evidence("It certainly makes sense to establish a cluster.", who) == 0.0
    assert evidence("Building trust with stakeholders is crucial", who, "en") == 0.0
    # German capitalises every noun: not checked there
    assert evidence("Bei Ausschreibungen ist ein Bestandteil wichtig.", who, "de") == 1.0


def test_question_words_are_matched_folded_in_both_languages() -> None:
    assert all(is_question_word(w) for w in ("How", "WELCHES", "heisst", "Heißt", "Worüber"))
    assert not any(is_question_word(w) for w in ("cluster", "Mitarbeiter", "Bayern", "wieso?"))


def test_translated_adds_the_other_languages_stems_of_question_word_pairs() -> None:
    # "Mitarbeiter" pairs with "employees" and "staff", "Mitarbeitende" (German stem
    # "mitarbeit", English "mitarbeitend") with "employees"; pairs are not chained, so
    # "Beschäftigte" (also "employees") does not come along.
    assert translated(frozenset({"mitarbeit"})) == {"mitarbeit", "mitarbeitend", "employe", "staff"}
    # a side of several words adds each word's stems
    assert {"manag", "director"} <= translated(frozenset({"geschaeftsfuehr"}))
    assert translated(frozenset({"cluster"})) == {"cluster"}  # in no pair: unchanged


def test_phone_numbers_and_what_null_answers_say_was_asked_for() -> None:
    assert is_phone_number("  +49 (0) 711 123-2240 ")
    assert not is_phone_number("Tel. +49 (0) 711 123-2240")
    assert not is_phone_number("70174")
    assert ASKED_FOR["amount"] == "an amount" and "none" not in ASKED_FOR
