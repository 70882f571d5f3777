"""The answer, not just the sentence: the asked type from the question's wording, the span of that
type in a sentence, and the key-content support score (core/answer_types.py, core/extract.py)."""

from __future__ import annotations

import math

import pytest

from shipcall.core.answer_types import answer_type, asks_for_several, interrogative, typed_spans
from shipcall.core.extract import (
    VALUE_TERM,
    Question,
    numeric_match,
    numeric_ranges,
    numeric_values,
    pick_span,
    relevance,
    support,
    variant_hits,
)


@pytest.mark.parametrize(("question", "kind"), [
    ("How many days of paid time off do employees get?", "duration"),
    ("How many laptops can an engineer have?", "number"),
    ("What percentage of the per diem is paid on travel days?", "number"),
    ("How much does a Canadian eTA cost?", "money"),
    ("home office stipend Lisbon", "money"),
    ("How long does a VPN session last?", "duration"),
    ("How often does the guest Wi-Fi password change?", "duration"),
    ("When do salary increases take effect?", "date"),
    ("December expenses submission deadline", "date"),
    ("How big can a file be when I share it in chat?", "number"),  # the first question word decides
    ("Who approves a travel card?", "person"),
    ("Which team owns the billing service?", "person"),
    ("What is the email address of the help desk?", "contact"),
    ("security hotline phone number", "contact"),
    ("Can I bring my dog to the office?", "yesno"),
    ("Is there company parking at the Toronto office?", "yesno"),
    ("What is a hot desk?", "definition"),
    ("Why do we rotate on-call weekly?", "definition"),
    ("How do I request a new laptop?", "procedure"),
    ("What program do I start before printing from home?", "other"),
    ("I'm on call this week but I've got the flu. Who takes over my pager?", "person"),
])
def test_the_asked_type_comes_from_the_wording(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_the_asking_part_of_a_long_question() -> None:
    assert interrogative("I'm in Toronto. If I work late, how much can I expense?") == "how much can I expense?"


SENTENCE = ("Full-time employees in Toronto receive 20 days of paid time off per calendar year, from 1 January "
            "2024, and CAD 1,500 for equipment; ask the People team or write to people@example.com.")


@pytest.mark.parametrize(("kind", "expected"), [
    ("money", "CAD 1,500"),
    ("duration", "20 days"),
    ("date", "1 January 2024"),
    ("contact", "people@example.com"),
    ("person", "the People team"),
])
def test_spans_of_each_type(kind: str, expected: str) -> None:
    assert expected in [SENTENCE[a:b] for a, b in typed_spans(SENTENCE, kind)]


def stem(w: str) -> str:
    return w.rstrip("s") if len(w) > 3 else w


def idf(counts: dict[str, float]):  # noqa: ANN201
    return lambda t: counts.get(t, 10.0)  # a word the corpus never uses weighs the most


def test_the_span_near_the_question_words_is_the_answer() -> None:
    q = Question.of("How many days of paid time off do full-time employees in Toronto get?", stem, idf({}))
    s = "Lisbon staff receive 25 working days; full-time employees in Toronto receive 20 days of paid time off."
    a, b = pick_span(s, answer_type("How many days of paid time off do employees get?"), q, stem)  # type: ignore[misc]
    assert s[a:b] == "20 days of paid time off" or s[a:b].startswith("20 days")


def test_a_span_that_only_repeats_the_question_is_no_answer() -> None:
    q = Question.of("What happens after five years of service?", stem, idf({}))
    s = "After five years of service, the allowance rises by three days."
    span = pick_span(s, "duration", q, stem)
    assert span is not None and s[span[0]:span[1]] == "three days"


def test_support_weighs_the_rarest_words_and_phrases() -> None:
    weights = idf({"bring": 1.0, "office": 0.5, "dog": 4.0, "company": 1.0, "car": 2.0, "rental": 2.0})
    q = Question.of("Can I bring my dog to the office?", stem, weights)
    with_dog = support(q, frozenset({"dog"}), frozenset(), ("dog",))
    without = support(q, frozenset({"bring", "office"}), frozenset(), ("bring", "office"))
    assert with_dog > 0.9 > 0.1 > without  # key content decides, not the number of common words
    car = Question.of("Does the company give employees a company car?", stem, weights)
    apart = support(car, frozenset({"company", "car"}), frozenset(),
                    ("the", "company", "recommend", "a", "local", "firm", "for", "car", "rental"))
    together = support(car, frozenset({"company", "car"}), frozenset(), ("a", "company", "car", "is", "provided"))
    assert together > apart
    assert math.isclose(support(q, frozenset(), frozenset({"dog"}), ()), 0.8 * (1 - 0.25), rel_tol=0.05) or \
        support(q, frozenset(), frozenset({"dog"}), ()) < with_dog  # context counts, less than the sentence


def test_numbers_match_by_value_and_range() -> None:
    values = numeric_values("Who approves an operating expense of EUR 150,000?")
    assert values == (150000.0,)
    assert numeric_match(values, numeric_ranges("EUR 100,000 to EUR 500,000 | CFO"))
    assert not numeric_match(values, numeric_ranges("EUR 25,000 to EUR 100,000 | VP of the department"))
    assert numeric_match(values, numeric_ranges("Above EUR 100,000"))
    assert not numeric_match(values, numeric_ranges("Up to EUR 2,500"))
    assert numeric_values("Can I take 3 days off?") == ()  # small counts match everything: ignored


# --- spans that make sense: of the asked type, or none (then the sentence answers) ---------------


def row(cells: list[tuple[str, str]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A table row as the generator shows it ("Header: cell; Header: cell") with its cell spans."""
    text, spans = "", []
    for label, value in cells:
        text += ("; " if text else "") + f"{label}: "
        spans.append((len(text), len(text) + len(value)))
        text += value
    return text, tuple(spans)


@pytest.mark.parametrize("kind", ["person", "other"])
def test_a_table_header_label_is_never_the_answer(kind: str) -> None:
    text, cells = row([("Total value", "EUR 25,000 to EUR 100,000"), ("Quotes required", "3 quotes")])
    q = Question.of("Who approves a EUR 60,000 purchase?", stem, idf({}))
    span = pick_span(text, kind, q, stem, cells=cells)
    assert span is None or any(a <= span[0] and span[1] <= b for a, b in cells), text[span[0]:span[1]]
    named, cells2 = row([("Spend", "EUR 25,000 to EUR 100,000"), ("Approver", "VP of the department")])
    span = pick_span(named, "person", q, stem, cells=cells2)
    assert span is not None and named[span[0]:span[1]] in "VP of the department"


@pytest.mark.parametrize("sentence", [
    "Never pay a vendor whose bank details changed by email.",
    "Two AI assistants are approved for work.",
    "Both offices close at 18:00.",
    "Only the approver can sign.",
    "Rule: cap per person.",
])
@pytest.mark.parametrize("kind", ["person", "other"])
def test_a_word_capitalised_only_where_a_sentence_starts_is_no_name(sentence: str, kind: str) -> None:
    q = Question.of("Who decides?", stem, idf({}))
    span = pick_span(sentence, kind, q, stem)
    first = sentence.split()[0].rstrip(":")
    assert span is None or sentence[span[0]:span[1]] != first, sentence[span[0]:span[1]]


def test_a_sentence_start_name_counts_when_the_chunk_writes_it_as_a_name() -> None:
    q = Question.of("Which tool signs you in?", stem, idf({}))
    s = "Okta signs you in to every application."
    assert pick_span(s, "other", q, stem, names=lambda w: w == "Okta") == (0, 4)
    assert pick_span(s, "other", q, stem, names=lambda w: False) != (0, 4)
    s2 = "Use the Google Meet hardware in the room."  # an imperative is not part of the name after it
    assert [s2[a:b] for a, b in typed_spans(s2, "other")] == ["Google Meet"]


def test_the_question_head_with_its_modifier_answers_a_what_question() -> None:
    q = Question.of("What check happens before we pay a new vendor?", stem, idf({}))
    s = "Never pay a vendor whose bank details changed by email without the call-back check."
    span = pick_span(s, "other", q, stem)
    assert span is not None and s[span[0]:span[1]] == "call-back check"


@pytest.mark.parametrize(("question", "several"), [
    ("Who approves a EUR 60,000 consulting engagement, and how many quotes are needed?", True),
    ("Where can I borrow a laptop, and when is it open?", True),
    ("Which AI chatbots and coding assistants are we allowed to use?", True),
    ("What documents do I need for a visa?", True),
    ("Which VPN client do I need to install?", False),
    ("Who approves a travel card?", False),
    ("Does my vacation go up, and by how much?", False),
    ("What is the per-person cap for client entertainment?", False),
])
def test_a_question_asking_for_several_things_or_a_list(question: str, several: bool) -> None:
    assert asks_for_several(question) is several


# --- paraphrased questions: what counts as the question's key content ----------------------------


def test_spelling_variants_the_stemmer_leaves_apart_count_partly() -> None:
    q = Question.of("When is the breach notification deadline?", stem, idf({}))
    assert variant_hits(q, frozenset({"notify", "breach"})) == {"notification"}
    assert variant_hits(q, frozenset({"note", "breach"})) == frozenset()  # four shared letters are no family
    exact = relevance(q, frozenset({"breach", "notification", "deadline"}), frozenset())
    variant = relevance(q, frozenset({"breach", "notify", "deadline"}), frozenset())
    missing = relevance(q, frozenset({"breach", "deadline"}), frozenset())
    assert exact > variant > missing


def test_the_rest_of_the_section_counts_a_little_in_ranking() -> None:
    q = Question.of("How far ahead can I reserve a hot desk?", stem, idf({}))
    alone = relevance(q, frozenset({"book"}), frozenset())
    in_section = relevance(q, frozenset({"book"}), frozenset(), nearby=frozenset({"hot", "desk"}))
    assert in_section > alone


def test_conversational_filler_is_no_key_content() -> None:
    chatty = Question.of("Once the owner says yes, how long until I can actually use the application?", stem,
                         idf({}))
    assert {"say", "yes", "actually"}.isdisjoint(chatty.terms)
    # a sentence with the topic words supports it; the filler it lacks counts for nothing
    assert support(chatty, frozenset({"application", "use", "owner"}), frozenset(), ()) == pytest.approx(1.0)


def test_an_amount_the_question_names_is_key_content() -> None:
    q = Question.of("A vendor sent me a EUR 200 bottle of wine. Can I keep it?", stem, idf({}))
    assert q.value_weight > 0
    without = support(q, frozenset({"vendor"}), frozenset(), ())
    stated = support(q, frozenset({"vendor", VALUE_TERM}), frozenset(), ())
    assert stated > without


def test_the_question_speaks_as_i_the_documents_as_you() -> None:
    q = Question.of("What happens if I click the link in a phishing test?", stem, idf({}))
    def pairs(*adjacent: tuple[str, str]) -> str:  # each pair its own pair sequence, joined: no pair spans two
        return "".join(f" {a} {b} " for a, b in adjacent)

    same_person = relevance(q, frozenset({"click", "link", "phishing"}), frozenset(),
                            pairs(("you", "click"), ("click", "a"), ("phishing", "link")))
    other = relevance(q, frozenset({"click", "link", "phishing"}), frozenset(),
                      pairs(("not", "click"), ("click", "link"), ("phishing", "email")))
    assert same_person > other


@pytest.mark.parametrize(("question", "kind"), [
    ("When we ship a new version of billing-sync, does it go through the canary?", "yesno"),
    ("If I get paged at 3 am and fix it, do I get any time back?", "yesno"),
    ("If I work late, how much can I expense?", "money"),
    ("What happens if I click the link in a phishing test email?", "procedure"),
    ("Which Slack channel do I use for incidents?", "contact"),
    ("What is the per-person cap for client entertainment?", "money"),
])
def test_the_main_clause_asks(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_a_time_of_day_is_no_number() -> None:
    s = "Only when your manager asked you to work past 20:00, for up to 20 people."
    assert [s[a:b] for a, b in typed_spans(s, "number")] == ["20"]
    assert s.index("20 people") == [a for a, _ in typed_spans(s, "number")][0]


def test_the_digits_of_a_phone_number_are_no_amount() -> None:
    """A question that carries a phone number names no amount, and a row of phone numbers states
    none: "call me at +1 415 555 0134" never matches "Toronto: +1 416 555 0190" by value."""
    assert numeric_values("Where is the security policy? my number is +1 415 555 0134") == ()
    assert numeric_values("Who approves EUR 60,000? mail ana@example.com") == (60000.0,)
    assert not numeric_match((555.0,), numeric_ranges("Building security; Lisbon: +351 210 555 031"))
