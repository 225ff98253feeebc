"""Claim checks: generated sentences, their markers, and whether the cited passages support their numbers, dates and names."""

from __future__ import annotations

import pytest

from rag.answer.claims import (Claim, added_speaker, calendar_words, copies, lost_fact, mentions, names, numbers, split_claims,
                               unsupported)

PASSAGE = ("Die Stadt Rheinfeld will bis 2030 rund 1.500 neue Wohnungen bauen. Bürgermeisterin Anna Kowalczyk "
           "nannte am Dienstag Kosten von 1,2 Milliarden Euro. Frankreich beteiligt sich nicht.")


def test_sentences_keep_their_markers():
    claims = split_claims("The town plans 1,500 flats [1]. It will cost 1.2 billion euros [1][2]. No source here.")
    assert [c.markers for c in claims] == [(1,), (1, 2), ()]
    assert claims[1].bare == "It will cost 1.2 billion euros."


@pytest.mark.parametrize("text, value", [
    ("1.500 Wohnungen", 1500), ("1,500 flats", 1500), ("1 500 flats", 1500), ("1,2 Milliarden", 1.2e9),
    ("1.2 billion", 1.2e9), ("3,5 Prozent", 3.5), ("zwei Länder", 2), ("2030", 2030),
])
def test_numbers_in_both_conventions(text, value):
    assert value in numbers(text)


def test_calendar_words_are_language_neutral():
    assert calendar_words("am Dienstag, 6. Januar") == calendar_words("on Tuesday, January 6") == {"d1", "m1"}


def test_names_skip_the_first_word_months_and_ordinary_words():
    found = names("Rheinfeld says Anna Kowalczyk spoke on Tuesday in March", ordinary=lambda w: w == "Anna")
    assert found == ["Kowalczyk"]


def test_mentions_by_spelling_transliteration_and_compound():
    assert mentions("Kowalczyk", PASSAGE) and mentions("Kovalczyk", PASSAGE)
    assert mentions("Wohnung", PASSAGE)  # part of a longer word
    assert not mentions("Schmidt", PASSAGE)


@pytest.mark.parametrize("sentence", [
    "Rheinfeld plans about 1,500 new flats by 2030 [1].",
    "Mayor Kowalczyk put the cost at 1.2 billion euros on Tuesday [1].",
])
def test_supported_sentences_pass(sentence):
    assert unsupported(split_claims(sentence)[0], [PASSAGE]) == ""


@pytest.mark.parametrize("sentence, why", [
    ("Rheinfeld plans about 2,500 new flats [1].", "number 2,500"),
    ("The cost was named on Friday [1].", "date"),
    ("Mayor Schmidt named the cost [1].", "Schmidt"),
    ("Italy takes part [1].", "Italy"),
    ("Rheinfeld plans new flats.", "cites no source"),
])
def test_unsupported_sentences_are_named(sentence, why):
    assert why in unsupported(split_claims(sentence)[0], [PASSAGE])


def test_a_country_the_passage_names_in_german_is_supported():
    assert unsupported(Claim("France does not take part [1].", (1,)), [PASSAGE]) == ""


def test_no_cited_passage_is_unsupported():
    assert "does not exist" in unsupported(Claim("Rheinfeld builds [7].", (7,)), [])


def test_names_from_the_question_and_similar_words_are_accepted():
    claim = Claim("Rheinfeld's mayor Nowak spoke [1].", (1,))
    assert "Nowak" in unsupported(claim, [PASSAGE])
    assert unsupported(claim, [PASSAGE], question="What did Nowak say?") == ""
    assert unsupported(claim, [PASSAGE], similar=lambda name, text: name == "Nowak") == ""


def test_a_numeral_is_supported_by_any_of_its_readings():
    assert unsupported(Claim("It has 1,500 flats [1].", (1,)), ["Es gibt 1500 Wohnungen."]) == ""
    assert unsupported(Claim("Es sind 1,5 Millionen [1].", (1,)), ["It is 1.5 million."]) == ""


def test_names_are_runs_of_capitalized_words():
    assert names("Germany sends soldiers to Eastern Europe and the European Union, said Anna Kowalczyk [1].") == [
        "Eastern Europe", "European Union", "Anna Kowalczyk"]


def test_a_run_is_supported_when_every_word_is_or_when_it_is_similar_as_a_whole():
    assert unsupported(Claim("Mayor Anna Kowalczyk spoke [1].", (1,)), [PASSAGE]) == ""
    claim = Claim("Rheinfeld builds in Eastern Europe [1].", (1,))
    assert "Eastern Europe" in unsupported(claim, [PASSAGE])
    assert unsupported(claim, [PASSAGE], similar=lambda name, text: name == "Eastern Europe") == ""


def test_a_german_date_does_not_end_a_sentence():
    claims = split_claims("Er wird am 6. Jänner teilnehmen [1]. Das Treffen war am 15. Dezember 2025 [2]. Sie wurde 3. [1]. Danach ging sie [2].")
    assert [c.text for c in claims] == ["Er wird am 6. Jänner teilnehmen [1].", "Das Treffen war am 15. Dezember 2025 [2].",
                                        "Sie wurde 3. [1].", "Danach ging sie [2]."]


QUOTE = "Am Dienstag sagte Kanzler Friedrich Merz, Deutschland schicke 1.500 Soldaten nach Litauen."
GERMAN_NOUNS = {"Kanzler", "Soldaten"}


@pytest.mark.parametrize("sentence", [
    "On Tuesday Merz said Germany would send 1,500 soldiers to Lithuania [1].",
    "Friedrich Merz sagte am Dienstag, Deutschland schicke 1500 Soldaten nach Litauen [1].",
])
def test_a_restatement_that_keeps_every_number_date_and_name_loses_nothing(sentence):
    assert lost_fact(Claim(sentence, (1,)), [QUOTE], ordinary=lambda w: w in GERMAN_NOUNS) == ""


@pytest.mark.parametrize("sentence, lost", [
    ("On Tuesday Merz said Germany would send soldiers to Lithuania [1].", "the number 1.500"),
    ("Merz said Germany would send 1,500 soldiers to Lithuania [1].", "a date"),
    ("On Tuesday Merz said 1,500 soldiers would go to Lithuania [1].", "Deutschland"),
    ("On Tuesday the chancellor said Germany would send 1,500 soldiers to Lithuania [1].", "Friedrich Merz"),
])
def test_a_restatement_that_drops_a_fact_of_its_quote_names_it(sentence, lost):
    assert lost_fact(Claim(sentence, (1,)), [QUOTE], ordinary=lambda w: w in GERMAN_NOUNS) == lost


def test_a_name_given_in_another_language_counts_as_kept_when_similar_says_so():
    quote = "Die Europäische Union beschloss Sanktionen."
    claim = Claim("The EU decided on sanctions [1].", (1,))
    assert lost_fact(claim, [quote], ordinary=lambda w: w in {"Sanktionen"}) == "Europäische Union"
    assert lost_fact(claim, [quote], ordinary=lambda w: w in {"Sanktionen"}, similar=lambda name, text: True) == ""


def test_a_country_only_inside_a_compound_is_no_fact_of_its_own_and_an_adjective_can_keep_one():
    quote = "US-Präsident Trump lehnte die Entsendung von Truppen in die Ukraine ab."
    nouns = {"Entsendung", "Truppen"}
    assert lost_fact(Claim("Trump refused to send troops to Ukraine [1].", (1,)), [quote],
                     ordinary=lambda w: w in nouns) == ""  # "US" only qualifies "Präsident"
    assert lost_fact(Claim("Trump refused to send troops [1].", (1,)), [quote], ordinary=lambda w: w in nouns) == "Ukraine"
    adjective = Claim("Trump refused to send troops to the Ukrainian front [1].", (1,))
    assert lost_fact(adjective, [quote], ordinary=lambda w: w in nouns) == "Ukraine"
    assert lost_fact(adjective, [quote], ordinary=lambda w: w in nouns,
                     similar=lambda name, text: name == "Ukraine" and "Ukrainian" in text) == ""


@pytest.mark.parametrize(("sentence", "quote", "flagged"), [
    ("Er sagte, der Bürgermeister baue gern Brücken [1].", "Der Bürgermeister dürfte gern Brücken bauen.", True),
    ("She said the bridge would open in May [1].", "Die Brücke öffnet im Mai.", True),
    ("He also said the bridge would open in May [1].", "Die Brücke öffnet im Mai.", True),
    ("He said the bridge would open in May [1].", "Die Brücke öffne im Mai, sagte der Minister.", False),
    ("He said the bridge would open in May [1].", "Die Brücke werde im Mai öffnen.", False),  # reported speech
    ("Sie sagte, die Brücke öffne im Mai [1].", "„Die Brücke öffnet im Mai“, so die Ministerin.", False),
    ("The minister said the bridge would open in May [1].", "Die Brücke öffnet im Mai.", False),  # a named speaker
    ("The bridge opens in May [1].", "Die Brücke öffnet im Mai.", False),
])
def test_a_pronoun_that_reports_words_needs_a_quote_that_reports_words(sentence, quote, flagged):
    assert bool(added_speaker(split_claims(sentence)[0], [quote])) is flagged


def test_a_quote_s_opening_speaker_is_a_name_the_restatement_must_keep():
    quote = "Merz betonte, dass eine Beteiligung von einer US-Garantie abhänge."
    nouns = {"Beteiligung", "US-Garantie"}
    other = Claim("The regional group objected that a German role depends on a US guarantee [1].", (1,))
    assert lost_fact(other, [quote], ordinary=lambda w: w in nouns) == "Merz"
    kept = Claim("Merz stressed that a German role depends on a US guarantee [1].", (1,))
    assert lost_fact(kept, [quote], ordinary=lambda w: w in nouns) == ""
    assert lost_fact(other, ["Er betonte, dass eine Beteiligung von einer US-Garantie abhänge."],
                     ordinary=lambda w: w in nouns) == ""  # a pronoun names nobody
    assert lost_fact(other, ["Beteiligung sagte man zu."], ordinary=lambda w: w in nouns) == ""  # a noun is no speaker


@pytest.mark.parametrize(("sentence", "copied"), [
    ("Gemeinsam mit der Ministerin habe er den Vertrag am Montag unterzeichnet, sagte er [1].", True),  # verbatim
    ("Gemeinsam mit ihm habe die Ministerin den Vertrag am Montag unterzeichnet, sagte er [1].", True),  # roles swapped
    ("Der Bürgermeister und die Ministerin unterzeichneten den Vertrag am Montag [1].", False),  # reworded
    ("Die Ministerin unterzeichnete [1].", False),  # condensed: much shorter than its quote
    ("He signed the treaty with the minister on Monday [1].", False),  # another language
])
def test_a_sentence_about_as_long_as_its_quote_and_mostly_its_words_copies_it(sentence, copied):
    quote = "Gemeinsam mit der Ministerin habe er den Vertrag am Montag unterzeichnet, sagte er."
    assert copies(split_claims(sentence)[0], [quote]) is copied
    assert copies(split_claims(sentence)[0], ["Ein anderes Zitat.", quote]) is copied  # any one of its quotes
