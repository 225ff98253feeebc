"""The generative answerer with a scripted chat model: checked sentences, renumbered citations, fallbacks."""

from __future__ import annotations

import pytest

from conftest import FakeEmbedder, make_store
from rag.answer.answerability import AnswerabilityCheck
from rag.answer.base import AnswerConfig
from rag.answer.evidence import SentenceScorer
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generative import GenerativeAnswerer, build_messages, within
from rag.errors import LLMError
from rag.retrieve.hybrid import Retrieval
from rag.types import Answer, Article, Citation, Hit, Quoted

BODY = ("Die Stadt Rheinfeld will bis 2030 rund 1.500 neue Wohnungen bauen. "
        "Bürgermeisterin Anna Kowalczyk nannte am Dienstag Kosten von 1,2 Milliarden Euro.")
ARTICLE = Article("a", "Rheinfeld baut", BODY, date="2025-03-04", source="Rheinpost")
EMB = FakeEmbedder()
NOUNS = {"Stadt", "Wohnungen", "Bürgermeisterin", "Kosten", "Euro", "Milliarden"}
CONFIG = AnswerConfig(abstain_below=0.0, check_entities=False, second_within=1.0, continue_within=0.0)


class ScriptedChat:
    """Replies with fixed text, in small pieces, or fails (at once, or after ``fail_after`` characters)."""

    name = "scripted"

    def __init__(self, reply: str = "", error: Exception | None = None, fail_after: int = 0) -> None:
        self.reply, self.error, self.fail_after, self.prompts = reply, error, fail_after, []

    def stream(self, messages, *, max_tokens, temperature=0.0):
        self.prompts.append(messages)
        if self.error and not self.fail_after:
            raise self.error
        for i in range(0, len(self.reply), 7):
            if self.error and i >= self.fail_after:
                raise self.error
            yield self.reply[i:i + 7]


@pytest.fixture(scope="module")
def store():
    return make_store([ARTICLE], EMB)


def retrieval(question: str, language: str = "en") -> Retrieval:
    hit = Hit("a#0", 1.0, BODY, "a", ARTICLE.title, ARTICLE.source, ARTICLE.date, 0, len(BODY))
    return Retrieval(question, language, EMB.encode_queries([question])[0], (hit,))


class ListedEntailment:
    """Rejects the statements it lists; records every (quotes, statement) it was asked about."""

    def __init__(self, rejected: set[str]) -> None:
        self.rejected, self.asked = rejected, []

    def rejects(self, sources, statement):
        self.asked.append((list(sources), statement))
        return "its quote does not state it (entailment -2.0 < 1.1)" if statement in self.rejected else ""


def run(store, reply: str = "", *, error: Exception | None = None, question: str = "How many flats will Rheinfeld build?",
        fail_after: int = 0, entailment: ListedEntailment | None = None, language: str = "en", prompt_chars: int = 320,
        least: int = 2):
    r = retrieval(question, language)
    verdict = AnswerabilityCheck(store, config=CONFIG).check(r, SentenceScorer(store, config=CONFIG).score(r))
    chat = ScriptedChat(reply, error, fail_after)
    writer = GenerativeAnswerer(chat, EMB, extractive=ExtractiveAnswerer(config=CONFIG), min_cosine=-1.0,
                                name_cosine=2.0,  # the fake embedder cannot judge closeness
                                ordinary=lambda word, language: word in NOUNS, entailment=entailment,
                                prompt_chars=prompt_chars, prompt_least=least)
    quoted, *events = list(writer.stream(r, verdict.candidates))
    assert isinstance(quoted, Quoted) and quoted.answer.answerer == "extractive"  # the quotes come first, always
    return events, chat


QUOTE_2 = "„Bürgermeisterin Anna Kowalczyk nannte am Dienstag Kosten von 1,2 Milliarden Euro“ [2]."


KEPT = ("Rheinfeld wants to build about 1,500 new flats by 2030 [1]. "
        "Mayor Anna Kowalczyk put the cost at 1.2 billion euros on Tuesday [2].")


def test_checked_sentences_stream_first_and_markers_point_at_their_quotes(store):
    events, chat = run(store, KEPT)
    *sentences, answer = events
    assert isinstance(answer, Answer) and all(isinstance(s, str) for s in sentences) and len(sentences) == 2
    assert answer.answerer == "generative" and not answer.abstained and answer.dropped == () == answer.requoted
    assert answer.text == KEPT and answer.note == ""
    assert [c.number for c in answer.citations] == [1, 2]
    assert "1.500 neue Wohnungen" in answer.citations[0].quote and "1,2 Milliarden" in answer.citations[1].quote
    prompt = chat.prompts[0][-1]["content"]
    assert "[1] Die Stadt Rheinfeld will bis 2030" in prompt and "Question: How many flats" in prompt
    assert "Rheinpost" not in prompt and "2025-03-04" not in prompt  # bare quotes: fewer tokens to read
    assert "English" in chat.prompts[0][0]["content"]


def test_markers_are_renumbered_in_order_of_use_and_a_fact_left_unwritten_follows_as_its_quote(store):
    *sentences, answer = run(store, "Kowalczyk named a cost of 1.2 billion euros on Tuesday [2].")[0]
    quote_1 = "„Die Stadt Rheinfeld will bis 2030 rund 1.500 neue Wohnungen bauen“ [2]."
    assert sentences == ["Kowalczyk named a cost of 1.2 billion euros on Tuesday [1].", quote_1]
    assert answer.text == " ".join(sentences) and answer.answerer == "generative"
    assert "1,2 Milliarden" in answer.citations[0].quote and "1.500 neue Wohnungen" in answer.citations[1].quote
    assert answer.note == "1 quoted fact(s) the written answer did not restate: shown as quotes."


def test_a_marker_without_a_source_is_left_out_and_one_without_any_source_is_dropped(store):
    *_, answer = run(store, "Rheinfeld builds 1,500 flats by 2030 [1][9]. The cost is 1.2 billion euros [7].")[0]
    assert answer.text == f"Rheinfeld builds 1,500 flats by 2030 [1]. {QUOTE_2}" and len(answer.citations) == 2
    assert len(answer.dropped) == 1 and "does not exist" in answer.dropped[0]


def test_an_unsupported_sentence_is_dropped_counted_and_noted(store):
    *_, answer = run(store, "Rheinfeld builds 1,500 flats by 2030 [1]. Mayor Schmidt pays 3 billion euros [2].")[0]
    assert answer.text == f"Rheinfeld builds 1,500 flats by 2030 [1]. {QUOTE_2}" and len(answer.dropped) == 1
    assert "number 3" in answer.dropped[0] and "1 generated sentence(s) left out" in answer.note
    assert "1 quoted fact(s) the written answer did not restate" in answer.note


def test_a_sentence_that_loses_a_fact_of_a_quote_in_another_language_is_followed_by_that_quote_once(store):
    reply = ("Rheinfeld wants to build about 1,500 new flats by 2030 [1]. It costs 1.2 billion euros [2]. "
             "The mayor presented it [2].")
    *sentences, answer = run(store, reply)[0]
    assert sentences == ["Rheinfeld wants to build about 1,500 new flats by 2030 [1].",
                         f"It costs 1.2 billion euros [2]. {QUOTE_2}", "The mayor presented it [2]."]
    assert answer.text == " ".join(sentences) and answer.answerer == "generative" and answer.dropped == ()
    assert [r.split(" (lost ")[1] for r in answer.requoted] == ["a date)", "the number 1,2)"]
    assert "2 generated sentence(s) lost a number, date or name of their source; its quote is shown." in answer.note


def test_in_the_quote_s_own_language_a_sentence_that_loses_a_fact_is_replaced_by_the_quote(store):
    reply = "Rheinfeld will bis 2030 rund 1.500 Wohnungen bauen [2]. Die Kosten liegen bei 1,2 Milliarden Euro [1]."
    *sentences, answer = run(store, reply, question="Was plant Rheinfeld?", language="de")[0]
    assert sentences == ["Rheinfeld will bis 2030 rund 1.500 Wohnungen bauen [1].", QUOTE_2]
    assert answer.answerer == "generative" and [r.split(" (lost ")[1] for r in answer.requoted] == ["a date)"]
    assert "das Zitat wird gezeigt" in answer.note


def test_when_no_sentence_stays_in_the_model_s_words_the_quoted_answer_is_given(store):
    reply = "Die Kosten liegen bei 1,2 Milliarden Euro [1]."
    *sentences, answer = run(store, reply, question="Was plant Rheinfeld?", language="de")[0]
    assert sentences == [QUOTE_2.replace("[2]", "[1]")]  # shown while it wrote, then the quoted answer replaces it
    assert answer.answerer == "extractive" and answer.text.startswith("Laut Rheinpost (2025-03-04) [1]:")
    assert "Kein erzeugter Satz behielt die Fakten seiner Quelle" in answer.note and len(answer.requoted) == 1


def test_a_sentence_its_quote_does_not_entail_is_dropped_and_counted(store):
    reply = ("Rheinfeld wants to build about 1,500 new flats by 2030 [1]. Anna Kowalczyk won 1.2 billion euros on Tuesday [2]. "
             "It costs 1.2 billion euros [2].")
    entailment = ListedEntailment({"Anna Kowalczyk won 1.2 billion euros on Tuesday."})
    *sentences, answer = run(store, reply, entailment=entailment)[0]
    assert sentences == ["Rheinfeld wants to build about 1,500 new flats by 2030 [1].",
                         f"It costs 1.2 billion euros [2]. {QUOTE_2}"]
    assert answer.dropped == ("Anna Kowalczyk won 1.2 billion euros on Tuesday [2]. (its quote does not state it (entailment -2.0 < 1.1))",)
    assert answer.written == 3  # every sentence the model wrote, whatever became of it
    assert "1 generated sentence(s) left out" in answer.note and len(answer.requoted) == 1
    asked = [statement for _, statement in entailment.asked]
    assert asked == ["Rheinfeld wants to build about 1,500 new flats by 2030.", "Anna Kowalczyk won 1.2 billion euros on Tuesday.",
                     "It costs 1.2 billion euros."]
    assert "1.500 neue Wohnungen" in entailment.asked[0][0][0]  # asked against the cited quote, without markers


def test_a_rejected_sentence_that_lost_a_fact_gives_way_to_its_quote(store):
    entailment = ListedEntailment({"It costs 1.2 billion euros."})
    reply = "Rheinfeld wants to build about 1,500 new flats by 2030 [1]. It costs 1.2 billion euros [2]."
    *sentences, answer = run(store, reply, entailment=entailment)[0]
    assert sentences == ["Rheinfeld wants to build about 1,500 new flats by 2030 [1].", QUOTE_2]
    assert answer.dropped == () and len(answer.requoted) == 1 and answer.answerer == "generative"


def test_when_nothing_survives_the_quotes_are_shown_with_a_note(store):
    *_, answer = run(store, "Rheinfeld builds 9,999 flats [1].")[0]
    assert answer.answerer == "extractive" and answer.dropped
    assert "No generated sentence passed the checks against its source" in answer.note
    assert answer.text.startswith("According to Rheinpost (2025-03-04) [1]:")


def test_an_unreachable_model_falls_back_to_quotes(store):
    events, _ = run(store, error=LLMError("cannot reach the language model at http://127.0.0.1:9/v1; start it"))
    assert len(events) == 1 and events[0].answerer == "extractive" and "could not answer" in events[0].note


@pytest.mark.parametrize("error, cause", [
    (TypeError("Invalid timeout: expected a number, got <class 'httpx.Timeout'>"), "TypeError: Invalid timeout"),
    (KeyError("choices"), "KeyError: 'choices'"),
    (RuntimeError(""), "RuntimeError"),
])
def test_any_failure_of_the_client_gives_the_quotes_with_a_note_naming_it_logged_once(store, caplog, error, cause):
    with caplog.at_level("WARNING", logger="rag"):
        events, _ = run(store, error=error)
    (answer,) = events
    assert answer.answerer == "extractive" and answer.citations and "[1]" in answer.text
    assert f"could not answer ({cause}" in answer.note and "quotes the articles" in answer.note
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[1] is error and cause in record.getMessage()


def test_a_stream_cut_off_after_a_checked_sentence_ends_in_the_quotes(store, caplog):
    reply = "Rheinfeld wants to build about 1,500 new flats by 2030 [1]. It costs 1.2 billion euros [2]."
    with caplog.at_level("WARNING", logger="rag"):
        events, _ = run(store, reply, error=ConnectionResetError("peer closed connection"), fail_after=70)
    *sentences, answer = events
    assert sentences == ["Rheinfeld wants to build about 1,500 new flats by 2030 [1]."]  # shown while it wrote
    assert answer.answerer == "extractive" and "ConnectionResetError: peer closed connection" in answer.note
    assert len([r for r in caplog.records if r.exc_info]) == 1


def test_a_refusal_by_the_model_becomes_an_abstention(store):
    *_, answer = run(store, "The sources do not say how many flats there are.")[0]
    assert answer.abstained and "no answer" in answer.reason and answer.answerer == "generative"


def test_the_prompt_names_the_language_and_lists_every_source():
    r = retrieval("Wie viel kostet es?", "de")
    quoted = Answer("q", "x", ())
    messages = build_messages(r.question, "de", quoted.citations)
    assert "German" in messages[0]["content"]
    assert messages[-1]["content"].endswith("Question: Wie viel kostet es?\nAnswer in German.")
    assert messages[2]["content"].startswith("Die Stadt will")  # the worked example answers in German too
    assert build_messages("How much?", "en", ())[2]["content"].startswith("The city wants")


def test_a_sentence_that_makes_a_quote_someone_s_words_is_dropped(store):
    reply = "He said Rheinfeld wants to build about 1,500 new flats by 2030 [1]. It costs 1.2 billion euros on Tuesday [2]."
    *_, answer = run(store, reply)[0]
    assert len(answer.dropped) == 1 and "reports words as someone's" in answer.dropped[0]
    assert answer.text.startswith("It costs 1.2 billion euros on Tuesday [1].")


def test_a_sentence_that_copies_its_quote_is_shown_as_that_quote_unjudged(store):
    reply = ("Die Kosten liegen bei 1,2 Milliarden Euro, sagte Kowalczyk am Dienstag [1]. "
             "Die Stadt Rheinfeld will bis 2030 rund 1.500 Wohnungen neu bauen [2].")  # for German, [1] is the cost
    entailment = ListedEntailment(set())
    *sentences, answer = run(store, reply, question="Was plant Rheinfeld?", language="de", entailment=entailment)[0]
    assert sentences == ["Die Kosten liegen bei 1,2 Milliarden Euro, sagte Kowalczyk am Dienstag [1].",
                         "„Die Stadt Rheinfeld will bis 2030 rund 1.500 neue Wohnungen bauen“ [2]."]
    assert answer.answerer == "generative" and answer.requoted == (
        "Die Stadt Rheinfeld will bis 2030 rund 1.500 Wohnungen neu bauen [2]. (copies its quote)",)
    assert "1 erzeugte(r) Satz/Sätze übernahm(en) die Quelle fast wörtlich" in answer.note
    assert [s for _, s in entailment.asked] == ["Die Kosten liegen bei 1,2 Milliarden Euro, sagte Kowalczyk am Dienstag."]


def test_when_the_model_only_copies_the_quoted_answer_is_given(store):
    reply = "Die Stadt Rheinfeld will bis 2030 rund 1.500 neue Wohnungen bauen [2]."
    *_, answer = run(store, reply, question="Was plant Rheinfeld?", language="de")[0]
    assert answer.answerer == "extractive" and "Die erzeugten Sätze übernahmen nur ihre Quellen" in answer.note
    assert answer.written == 1 and len(answer.requoted) == 1


def test_the_prompt_holds_the_two_leading_quotes_then_those_that_fit_its_budget():
    sources = [Citation(n, f"id{n}", "t", "s", "d", "x" * size, "x" * size, 0, size, 0, size, 1.0)
               for n, size in ((1, 200), (2, 100), (3, 10), (4, 5))]
    assert [c.number for c in within(sources, 320)] == [1, 2, 3, 4]
    assert [c.number for c in within(sources, 312)] == [1, 2, 3]
    assert [c.number for c in within(sources, 305)] == [1, 2]
    assert [c.number for c in within(sources, 50)] == [1, 2]  # the two best always
    assert [c.number for c in within(sources, 50, least=1)] == [1]
    assert [c.number for c in within(sources[:1], 50)] == [1]


def test_a_quote_left_out_of_the_prompt_follows_the_written_answer_verbatim(store):
    events, chat = run(store, "Rheinfeld wants to build about 1,500 new flats by 2030 [1].", prompt_chars=10, least=1)
    *sentences, answer = events
    prompt = chat.prompts[0][-1]["content"]
    assert "[1] Die Stadt Rheinfeld" in prompt and "[2]" not in prompt and "Kowalczyk" not in prompt
    assert sentences == ["Rheinfeld wants to build about 1,500 new flats by 2030 [1].", QUOTE_2]
