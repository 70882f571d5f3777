"""Pure pieces of extractive answering: a sentence's tokens, how well it supports a question
(the support score), and the span of the asked type inside it (the answer).

Support score, in [0, 1]: how much of the question's key content the sentence carries.

    support    = (1 − β) · term cover + β · phrase cover     (β = PHRASE_SHARE when the question has phrases)
    term cover = (Σ_{t ∈ Q} w(t) · credit(t) + [amount stated] · w_value) / (Σ_{t ∈ Q} w(t) + w_value)
    credit(t)  = 1 in the sentence, CONTEXT_CREDIT in its context only, VARIANT_CREDIT · CONTEXT_CREDIT
                 for a spelling variant only ("notify" for "notification"), NEARBY_CREDIT elsewhere in
                 its chunk only, else 0
    w(t)       = idf(t) ** KEY_POWER;  w_value = max w(t) when the question names an amount ("EUR 200"),
                 else 0; the amount is stated when a sentence says it or a range holding it

Q is the question's content terms (stemmed; stopwords, question words and the filler of questions
said the way people talk — "actually", "a lot", "says yes" — removed); idf is the
corpus's BM25 IDF, so a term the corpus never uses weighs the most. Raising it to KEY_POWER > 1
makes the rarest terms carry the score: a sentence with "bring" and "office" but not "dog" does
not support "Can I bring my dog to the office?" because "dog" outweighs the rest. The context of
a sentence is the heading path of its chunk, the header of its table, or a question the document
asks just before it (FAQ style), or the sentence that introduces its list; a term found only
there counts CONTEXT_CREDIT, and a term found only elsewhere in the chunk (the rest of the
paragraph or section) counts NEARBY_CREDIT. The constants were chosen on public data (the
bundled sample and the SQuAD 2.0 slice, see BENCHMARKS.md), never on one corpus. Phrases are
pairs of content words next to each other in the question ("company car", "paid time"); a phrase
is covered when both words stand within PHRASE_WINDOW tokens of each other in the sentence
(weight: the sum of the two words' weights), so "car" in car-rental advice does not cover
"company car".
"""

from __future__ import annotations

import math
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from shipcall.core.answer_types import ACCEPTS, at_start, typed_spans

KEY_POWER = 3.0
VALUE_TERM = "#value"  # stands for "states an amount the question names" among a sentence's terms
CONTEXT_CREDIT = 0.8
NEARBY_CREDIT = 0.5
PHRASE_SHARE = 0.25
PHRASE_WINDOW = 2

_TOKEN = re.compile(r"\w+")  # as the BM25 tokenizer splits, so that stems match the index's
# Words that shape a question but carry no topic: never evidence of support.
QUESTION_WORDS = frozenset(
    """a an and are as at be been being but by can could do does did for from had has have how i if in into is
    it its me many may might much must my no not of on or our shall should so than that the their them then there
    these they this those to under up us was we were what when where which who whom whose why will with would you
    your yours get gets got tell please need needs know am any some about also just still now ok okay
    ve ll re don doesn didn isn aren wasn weren won wouldn shouldn couldn hasn haven hadn mustn let
    actually really lot lots bit yes yeah say says said saying thing things something someone somebody anyone
    anybody anything everyone everybody everything kind sort stuff pretty quite ever even maybe perhaps probably
    basically want wants wanted wondering wonder guess sure hi hello hey""".split()
)  # the last lines: the filler of a question said the way people talk, never its topic
STOPWORDS = QUESTION_WORDS | frozenset(
    """he she his her hers him its itself they them theirs we ours you yourself yourselves all each every both
    few more most other such only own same too very once here there over out off again further during before
    after above below between through until while because against""".split()
)


class Token(NamedTuple):
    """A word of a text with its offsets. A named tuple, not a dataclass: sentences are
    tokenized by the ten thousand and a tuple is several times cheaper to make."""

    start: int
    end: int
    word: str  # lower-cased
    stem: str


_new_token = tuple.__new__  # Token(...) without the Python-level __new__ of a named tuple


def tokenize(text: str, stem: Callable[[str], str]) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        w = m.group().lower()
        out.append(_new_token(Token, (m.start(), m.end(), w, stem(w))))
    return out


@dataclass(frozen=True)
class Question:
    """A question's key content: terms with weights (idf ** KEY_POWER), their plain IDF (for
    ranking), and adjacent-word phrases."""

    terms: frozenset[str]
    weights: Mapping[str, float]
    phrases: tuple[tuple[str, str], ...]
    total: float
    idf: Mapping[str, float]
    idf_total: float
    bigrams: frozenset[str]  # every pair of adjacent words (stems, "a b"), stopwords included
    heads: frozenset[str] = frozenset()  # the noun(s) right after "what"/"which": "What check…" → check
    value_weight: float = 0.0  # the weight of the amounts the question names ("EUR 200"), as one key term
    prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # first 4 and 5 letters → terms
    pair_keys: tuple[str, ...] = ()  # `bigrams` as searched in a pair_sequence (" a b ")
    # per term: idf × each credit of `relevance` (1, context, variant, variant in context, nearby)
    credits: tuple[tuple[str, float, float, float, float, float], ...] = ()
    four: Mapping[str, str] = field(default_factory=dict)  # a term of 4+ letters -> " " + its first four
    # variant_hits of the contexts ranked for this question (many sentences share one context)
    memo: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, text: str, stem: Callable[[str], str], idf: Callable[[str], float]) -> Question:
        toks = tokenize(text, stem)
        # the word after "how" asks for a kind of answer ("how quickly", "how long"), it is no topic
        form = {i + 1 for i, t in enumerate(toks) if t.word == "how"}
        content = [t for i, t in enumerate(toks) if i not in form and is_content(t.word)]
        terms = frozenset(t.stem for t in content)
        plain = {t: max(idf(t), 0.0) for t in terms}
        weights = {t: w ** KEY_POWER for t, w in plain.items()}
        phrases: list[tuple[str, str]] = []
        for a, b in zip(toks, toks[1:], strict=False):
            if (a.word not in STOPWORDS and b.word not in STOPWORDS and a.stem in terms and b.stem in terms
                    and a.stem != b.stem and not text[a.end:b.start].strip(" -")):
                phrases.append((a.stem, b.stem))
        heads = set()
        for i, t in enumerate(toks[:-1]):
            if t.word in ("what", "which"):
                for nxt in toks[i + 1:i + 3]:
                    if nxt.word in STOPWORDS or nxt.stem not in terms:
                        break
                    heads.add(nxt.stem)
        # an amount the question names is key content, as rare as its rarest word: a sentence stating it
        # (or a range holding it, `numeric_match`) carries it; callers add VALUE_TERM to its terms then
        value_weight = max(weights.values(), default=0.0) if numeric_values(text) else 0.0
        bigrams = word_bigrams([_as_reader(t) for t in toks])
        return cls(terms, weights, tuple(dict.fromkeys(phrases)), math.fsum(weights.values()) + value_weight, plain,
                   math.fsum(plain.values()), bigrams, frozenset(heads), value_weight, _prefix_index(terms),
                   tuple(f" {b} " for b in bigrams),
                   tuple((t, w * 1.0, w * CONTEXT_CREDIT, w * VARIANT_CREDIT, w * (VARIANT_CREDIT * CONTEXT_CREDIT),
                          w * RANK_NEARBY_CREDIT) for t, w in plain.items()),
                   {t: " " + t[:4] for t in terms if len(t) >= 4})


def _prefix_index(terms: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Terms of four letters and more by their first four and five letters (`variant_hits`)."""
    index: dict[str, list[str]] = {}
    for t in sorted(terms):
        if len(t) >= 4:
            for key in {t[:4], t[:VARIANT_PREFIX]}:
                index.setdefault(key, []).append(t)
    return {k: tuple(v) for k, v in index.items()}


def is_content(word: str) -> bool:
    """A word that can carry a topic: not a stopword, not one character, not only digits
    (numbers are matched by value, see `numeric_ranges`)."""
    return word not in STOPWORDS and len(word) > 1 and not word.isdigit()


_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_RANGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b(?:between|from)\s+\D{{0,4}}{_NUM}\s*(?:k\b)?\s*(?:and|to|-|–)\s*\D{{0,4}}{_NUM}", re.I), "both"),
    (re.compile(rf"{_NUM}\s*(?:[A-Z]{{3}}\s*)?(?:to|-|–)\s*(?:[A-Z]{{3}}\s*|[$€£]\s*)?{_NUM}"), "both"),
    (re.compile(rf"\b(?:up to|under|below|less than|at most|no more than|max(?:imum)?|within)\s+\D{{0,4}}{_NUM}",
                re.I), "upper"),
    (re.compile(rf"\b(?:above|over|more than|at least|exceeding|greater than|min(?:imum)?|from)\s+\D{{0,4}}{_NUM}",
                re.I), "lower"),
    (re.compile(rf"{_NUM}\s*(?:[A-Z]{{3}}\s*)?(?:or more|and above|and over|\+)"), "lower"),
)
# The words each range pattern cannot match without, and whether it ignores case: a pattern
# whose words are absent is not run (for a case-insensitive one, only in an ASCII text, where
# ignoring case is lower-casing).
_RANGE_WORDS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("between", "from"), True),
    (("to", "-", "–"), False),
    (("up to", "under", "below", "less than", "at most", "no more than", "max", "within"), True),
    (("above", "over", "more than", "at least", "exceeding", "greater than", "min", "from"), True),
    (("or more", "and above", "and over", "+"), False),
)
_VALUE = re.compile(rf"(?<![\d.,]){_NUM}(?![\d.,]*\d)")
_DIGIT = re.compile(r"\d")


def _number(s: str) -> float:
    return float(s.replace(",", ""))


def _without_contacts(text: str) -> str:
    """The text with its phone numbers, e-mail addresses and links blanked out (same length): their
    digits are no amounts ("call +1 415 555 0134" names no 555)."""
    spans = typed_spans(text, "contact")
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def numeric_values(text: str) -> tuple[float, ...]:
    """The numbers a question names that are worth matching by value: with a currency, a
    thousands separator or a decimal point, or 10 and above (small counts match everything);
    never the digits of a phone number, address or link."""
    text = _without_contacts(text)
    out = []
    for m in _VALUE.finditer(text):
        raw = m.group(1)
        before = text[max(0, m.start() - 5):m.start()]
        v = _number(raw)
        if v >= 10 or "," in raw or "." in raw or re.search(r"[$€£]|[A-Z]{3}\s*$", before):
            out.append(v)
    return tuple(out)


def numeric_ranges(text: str) -> tuple[tuple[float, float], ...]:
    """Intervals a sentence states: "EUR 25,000 to EUR 100,000", "up to 10,000", "above 500,000",
    "between 3 and 5", and every single number as [x, x]; never the digits of a phone number,
    address or link."""
    if not _DIGIT.search(text):
        return ()  # every pattern holds a number (`_NUM`): most sentences state none
    text = _without_contacts(text)
    out: list[tuple[float, float]] = []
    low = text.lower() if text.isascii() else None
    for (pattern, how), (words, caseless) in zip(_RANGE_PATTERNS, _RANGE_WORDS, strict=True):
        if caseless:
            if low is not None and not any(w in low for w in words):
                continue
        elif not any(w in text for w in words):
            continue
        for m in pattern.finditer(text):
            if how == "both":
                a, b = _number(m.group(1)), _number(m.group(2))
                out.append((min(a, b), max(a, b)))
            elif how == "upper":
                out.append((0.0, _number(m.group(1))))
            else:
                out.append((_number(m.group(1)), math.inf))
    out.extend((v, v) for v in (_number(m.group(1)) for m in _VALUE.finditer(text)))
    return tuple(out)


def numeric_match(values: Sequence[float], ranges: Sequence[tuple[float, float]]) -> bool:
    """Whether a number of the question falls in an interval of the sentence. The tightest
    interval that holds it counts, so "EUR 150,000" matches "EUR 100,000 to EUR 500,000" and not
    "above EUR 500,000"."""
    return any(lo <= v <= hi for v in values for lo, hi in ranges)


# A question speaks as "I" or "we"; the documents speak to the reader as "you" ("If I click…" is
# answered by "If you click…"): the question's word pairs are matched in the documents' person.
_READER = {"i": "you", "me": "you", "we": "you", "us": "you", "my": "your", "our": "your", "mine": "yours",
           "ours": "yours", "myself": "yourself", "ourselves": "yourselves"}


def _as_reader(t: Token) -> Token:
    w = _READER.get(t.word)
    return t if w is None else Token(t.start, t.end, w, w)


def word_bigrams(toks: Sequence[Token]) -> frozenset[str]:
    """Pairs of adjacent tokens (stems, written "a b"), except pairs of two stopwords ("of the").
    A stem is a non-empty run of word characters: it never holds a space or a "|"."""
    return frozenset(f"{a.stem} {b.stem}" for a, b in zip(toks, toks[1:], strict=False)
                     if not (a.word in STOPWORDS and b.word in STOPWORDS))


def pair_sequence(toks: Sequence[Token]) -> str:
    """The same pairs as one string to search: the stems in order, each between spaces, with
    " | " where two stopwords meet (" a b | c d "): pair "a b" is in `word_bigrams(toks)` exactly
    when " a b " occurs in it. Why: a sentence's pairs are looked up a few times per question,
    and a string is far cheaper to store and read back than a set of pairs."""
    return pair_string([t.word for t in toks], [t.stem for t in toks])


_SEPARATORS = (" ", " | ")


def pair_string(words: Sequence[str], stems: Sequence[str]) -> str:
    """`pair_sequence` of the tokens with these words and stems."""
    if not words:
        return " "
    stop = list(map(STOPWORDS.__contains__, words))
    # the separator after each stem: " | " between two stopwords, else " " (C-level maps: a
    # corpus's every sentence goes through here when its index is built)
    seps = list(map(_SEPARATORS.__getitem__, map(operator.and_, stop, stop[1:])))
    seps.append(" ")
    return " " + "".join(map(str.__add__, stems, seps))


def words_of(text: str) -> list[str]:
    """The lower-cased words of `text`, as `tokenize` finds them (Token.word), without offsets
    or stems: one regex call for an ASCII text, whose lower-casing keeps every word's bounds."""
    if text.isascii():
        return _TOKEN.findall(text.lower())
    return [m.group().lower() for m in _TOKEN.finditer(text)]


def content_stems(words: Sequence[str], stems: Sequence[str]) -> frozenset[str]:
    """The stems of the content words (`is_content`) among `words`."""
    return frozenset(s for w, s in zip(words, stems, strict=True)
                     if w not in STOPWORDS and len(w) > 1 and not w.isdigit())


def phrase_present(pair: tuple[str, str], stems: Sequence[str]) -> bool:
    """Both stems within PHRASE_WINDOW tokens of each other, in either order."""
    a, b = pair
    pos_a = [i for i, s in enumerate(stems) if s == a]
    if not pos_a:
        return False
    return any(abs(i - j) <= PHRASE_WINDOW for j, s in enumerate(stems) if s == b for i in pos_a)


def support(q: Question, own: frozenset[str], context: frozenset[str], stems: Sequence[str],
            nearby: frozenset[str] = frozenset()) -> float:
    """The support score of a sentence (terms `own`, stem sequence `stems`) with its context
    terms and the terms of the rest of its chunk (`nearby`) for question `q` (formula in the
    module docstring). Callers add to `own` the question's words that name the kind of answer
    when the sentence holds an answer of that kind (`answer_types.TYPE_WORDS`)."""
    if q.total <= 0:
        return 0.0
    missing = q.terms - own - context
    variants = variant_hits(q, own | context) & missing if missing else frozenset()
    cover = (math.fsum(q.weights[t] * (1.0 if t in own else CONTEXT_CREDIT if t in context else
                                       VARIANT_CREDIT * CONTEXT_CREDIT if t in variants else NEARBY_CREDIT)
                       for t in q.terms if t in own or t in context or t in variants or t in nearby)
             + (q.value_weight if VALUE_TERM in own else 0.0)) / q.total
    if not q.phrases:
        return cover
    pw = [(q.weights[a] + q.weights[b], phrase_present((a, b), stems)) for a, b in q.phrases]
    total = math.fsum(w for w, _ in pw)
    phrase = math.fsum(w for w, ok in pw if ok) / total if total > 0 else 0.0
    return (1 - PHRASE_SHARE) * cover + PHRASE_SHARE * phrase


BIGRAM_WEIGHT = 0.2


VARIANT_CREDIT = 0.7
RANK_NEARBY_CREDIT = 0.2
VARIANT_PREFIX = 5


def _variant(t: str, o: str) -> bool:
    """Two stems of one word family that the stemmer left apart: a shared prefix of VARIANT_PREFIX
    letters ("notification"/"notify", "authorisation"/"authorization"), or a four-letter stem
    that starts the other ("repo"/"repository")."""
    if t == o or min(len(t), len(o)) < 4:
        return False
    if len(t) >= VARIANT_PREFIX and len(o) >= VARIANT_PREFIX:
        return t[:VARIANT_PREFIX] == o[:VARIANT_PREFIX]
    short, long_ = (t, o) if len(t) < len(o) else (o, t)
    return long_.startswith(short)


def variant_hits(q: Question, terms: frozenset[str]) -> frozenset[str]:
    """The question's terms that `terms` lack but hold a spelling variant of (`_variant`): one
    look-up per term by its first four and five letters (`Question.prefixes`)."""
    out: set[str] = set()
    for o in terms:
        if len(o) < 4:
            continue
        for key in (o[:VARIANT_PREFIX], o[:4]):
            for t in q.prefixes.get(key, ()):
                if t not in terms and _variant(t, o):
                    out.add(t)
    return frozenset(out)


def relevance(q: Question, own: frozenset[str], context: frozenset[str],
              pairs: str = "", nearby: frozenset[str] = frozenset(),
              variable: frozenset[str] | None = None) -> float:
    """How much of the question a sentence covers, for ranking sentences: the IDF-weighted share
    of the question's terms in the sentence (in its context: CONTEXT_CREDIT; a spelling variant
    of it: VARIANT_CREDIT, in the context VARIANT_CREDIT · CONTEXT_CREDIT; elsewhere in its chunk
    only: RANK_NEARBY_CREDIT), plus BIGRAM_WEIGHT × the share of the question's word pairs that
    the sentence repeats (a quoted or copied phrase: "do what she did"; `pairs`: the sentence's
    pair_sequence, or several joined: no pair spans two; it holds every stem of `own`). Plain IDF, not the
    support score's sharper weights: to pick the sentence, every question word counts. The
    variant and nearby credits serve paraphrased questions, whose words the sentence often says
    differently ("notification" for "notify") or leaves to its section. `variable`, when given:
    the question's terms whose first four letters start a term of the sentence's chunk at all
    (`prefix_terms`), the only ones that can have a variant in `own`."""
    if q.idf_total <= 0:
        return 0.0
    missing = q.terms - own - context
    near_own = _own_variants(q, own, missing, pairs, variable) if missing else frozenset()
    near_ctx = _context_variants(q, context) & missing - near_own if missing else frozenset()
    # each term's idf × its credit, as precomputed per question (Question.credits: the same
    # products); a term of no credit adds 0, and fsum is exact in any order
    values = []
    for t, full, ctx, var, var_ctx, near in q.credits:
        if t in own:
            values.append(full)
        elif t in context:
            values.append(ctx)
        elif t in near_own:
            values.append(var)
        elif t in near_ctx:
            values.append(var_ctx)
        elif t in nearby:
            values.append(near)
    cover = math.fsum(values) / q.idf_total
    if not q.bigrams or not pairs:
        return cover
    return cover + BIGRAM_WEIGHT * sum(1 for p in q.pair_keys if p in pairs) / len(q.bigrams)


def _own_variants(q: Question, own: frozenset[str], missing: frozenset[str], pairs: str,
                  variable: frozenset[str] | None = None) -> frozenset[str]:
    """`variant_hits(q, own) & missing`, skipped when it must be empty: a term and its variant
    share their first four letters (`_variant`), and every stem of `own` stands in `pairs`
    after a space, so a missing term whose first four letters follow no space there has none."""
    if pairs:
        four = q.four
        if not any(four[t] in pairs for t in (missing if variable is None else missing & variable) if t in four):
            return frozenset()
    return variant_hits(q, own) & missing


def prefixes(terms: Iterable[str]) -> frozenset[str]:
    """The first four letters of every term of four letters or more (of a chunk's sentences)."""
    return frozenset(t[:4] for t in terms if len(t) >= 4)


def prefix_terms(q: Question, found: frozenset[str]) -> frozenset[str]:
    """The question's terms whose first four letters are among `found` (`prefixes` of a chunk's
    terms): the `variable` argument of `relevance` for that chunk's sentences. A variant shares
    its term's first four letters (`_variant`), so no other term has one there."""
    return frozenset(t for t, f in q.four.items() if f[1:] in found)


def _context_variants(q: Question, context: frozenset[str]) -> frozenset[str]:
    """`variant_hits(q, context)`, once per context and question."""
    got = q.memo.get(context)
    if got is None:
        got = q.memo[context] = variant_hits(q, context)
    return got


# --- the answer span -----------------------------------------------------------------------------

_COUNTED = frozenset(["number", "money", "duration", "date", "contact"])
PRIMARY_PRIOR = 1.0
SECONDARY_PRIOR = 0.6
RUN_PRIOR = 0.35
MAX_RUN = 8


def candidate_spans(sentence: str, kind: str, toks: Sequence[Token], q: Question) -> list[tuple[int, int, float]]:
    """(start, end, prior) of every span that could answer a question of `kind`: matches of the
    kind's patterns (and, with a lower prior, of the kinds that also answer it); for `other`,
    also the runs of words the question does not use, between punctuation."""
    out: list[tuple[int, int, float]] = []
    for i, k in enumerate(ACCEPTS.get(kind, ())):
        prior = PRIMARY_PRIOR if i == 0 else SECONDARY_PRIOR
        out.extend((a, b, prior) for a, b in typed_spans(sentence, k))
    if kind == "other":
        out.extend((a, b, RUN_PRIOR) for a, b in _runs(sentence, toks, q))
        out.extend((a, b, PRIMARY_PRIOR) for a, b in _modified_heads(sentence, toks, q))
    return out


def _modified_heads(sentence: str, toks: Sequence[Token], q: Question) -> list[tuple[int, int]]:
    """The question's head noun in the sentence with the words before it that the question does
    not use: "What check happens…?" → "the call-back check" → "call-back check"."""
    out = []
    for i, t in enumerate(toks):
        if t.stem not in q.heads or i == 0:
            continue
        j = i
        while j > 0 and i - j < 3:
            prev = toks[j - 1]
            gap = sentence[prev.end:toks[j].start]
            if gap not in (" ", "-") or prev.word in STOPWORDS or prev.stem in q.terms or not is_content(prev.word):
                break
            j -= 1
        if j < i:
            out.append((toks[j].start, t.end))
    return out


_BREAKS = frozenset(",;:()[]—–")
_BARE_NUMBER = re.compile(r"[\d,.]+|(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                          r"fifteen|twenty|thirty|forty|fifty|hundred|thousand)[ -]?)+", re.I)
_CLAUSE_BREAKS = frozenset(";:()[]—")
_CLAUSE_BREAK = re.compile(r"[;:()\[\]—]")


def _runs(sentence: str, toks: Sequence[Token], q: Question) -> list[tuple[int, int]]:
    """Maximal runs of tokens outside the question, not crossing `, ; : ( ) —`, trimmed of
    stopwords at both ends."""
    out: list[tuple[int, int]] = []
    run: list[Token] = []

    def flush() -> None:
        while run and run[0].word in STOPWORDS:
            run.pop(0)
        while run and run[-1].word in STOPWORDS:
            run.pop()
        if run and len(run) <= MAX_RUN and any(not t.word.isdigit() for t in run):  # "00" of "22:00" says nothing
            out.append((run[0].start, run[-1].end))
        run.clear()

    prev_end = 0
    for t in toks:
        gap = sentence[prev_end:t.start]
        if gap != " " and (_BREAKS.intersection(gap) or " - " in gap):
            flush()
        if t.stem in q.terms:
            flush()
        else:
            run.append(t)
        prev_end = t.end
    flush()
    return out


def start_capital_only(sentence: str, a: int, b: int, cells: Sequence[tuple[int, int]],
                       names: Callable[[str], bool] | None) -> bool:
    """A one-word span capitalised only because a sentence, clause or table cell starts with it
    ("Never pay…", "Rule: Cap per person"), where nothing else shows that the word is a name
    (`names`: the word is capitalised in the middle of a sentence elsewhere in its chunk). A
    whole table cell ("Tool: Slack") is a value, not a sentence start."""
    word = sentence[a:b]
    if " " in word or not word[:1].isupper() or not at_start(sentence, a):
        return False
    if any(x == a and y == b for x, y in cells):
        return False
    if word.isupper() and len(word) > 1 or any(ch.isupper() or ch.isdigit() for ch in word[1:]):
        return False  # an acronym or a brand written like one (NIF, GitHub, Wi-Fi6)
    return names is None or not names(word)


def pick_span(sentence: str, kind: str, q: Question, stem: Callable[[str], str],
              toks: Sequence[Token] | None = None, *, cells: Sequence[tuple[int, int]] = (),
              names: Callable[[str], bool] | None = None) -> tuple[int, int] | None:
    """The span of `sentence` that answers a question of `kind`: among the candidate spans that
    say something the question does not (not all of their words are question words), the one
    with the best prior plus nearness to the question's words found in the sentence (each
    question term's weight / (1 + token distance), normalised), minus a little per word beyond
    four. None when there is no candidate. A number is extended by the question's words that
    follow it ("How many sick days" → "seven paid sick days"). In a table row (`cells`: the
    character spans of its cell values) a span lies inside one cell; a one-word capital at a
    sentence or cell start is no name unless `names` knows it (`start_capital_only`)."""
    toks = tokenize(sentence, stem) if toks is None else toks
    if not toks:
        return None
    anchors: dict[str, list[int]] = {}
    for i, t in enumerate(toks):
        if t.stem in q.terms:
            anchors.setdefault(t.stem, []).append(i)
    wsum = math.fsum(q.weights[s] for s in anchors) or 1.0
    # clauses: the sentence cut at ; : — ( ), so that "Lisbon staff get 25 days; Toronto staff get 20
    # days" answers a question about Toronto with the clause that names Toronto
    clause_of: list[int] = [0] * len(toks)
    if cells or _CLAUSE_BREAK.search(sentence):  # most sentences are one clause
        clause, prev_end = 0, 0
        for k, t in enumerate(toks):
            if cells:  # a table row: a cell's clause is its header label and its value ("Toronto: CAD 30")
                clause = next((i for i, (_, end) in enumerate(cells) if t.start < end), len(cells))
            elif _CLAUSE_BREAKS.intersection(sentence[prev_end:t.start]):
                clause += 1
            clause_of[k] = clause
            prev_end = t.end
    best: tuple[float, int, int] | None = None
    starts = [t.start for t in toks]
    ends = [t.end for t in toks]
    # Clauses never decrease along the tokens and each anchor's positions ascend, so the nearest
    # position outside a span [lo, hi] is the last before lo or the first after hi, and "a position
    # in lo's clause outside the span" is one of those two: bisections instead of scans (same values).
    weighted = [(q.weights[s], pos) for s, pos in anchors.items()]
    n = len(toks)
    for a, b, prior in candidate_spans(sentence, kind, toks, q):
        if cells and not any(x <= a and b <= y for x, y in cells):
            continue  # a table row's header labels ("Total value: …") say what a cell is, they answer nothing
        if kind in ("person", "other") and start_capital_only(sentence, a, b, cells, names):
            continue
        first, last = bisect_left(starts, a), bisect_right(ends, b) - 1
        if last < first:
            continue
        inside = range(first, last + 1)
        words = [toks[i] for i in inside if toks[i].word not in STOPWORDS]
        if words and all(t.stem in q.terms for t in words):
            continue  # it only repeats the question
        asked = sum(1 for t in words if t.stem in q.terms) / max(len(words), 1)
        lo, hi = first, last
        c = clause_of[lo]
        c_lo, c_hi = bisect_left(clause_of, c), bisect_right(clause_of, c)  # the clause's tokens: [c_lo, c_hi)
        nears: list[float] = []
        same: list[float] = []
        for w, pos in weighted:
            before = bisect_left(pos, lo)  # positions < lo: pos[:before]
            after = bisect_right(pos, hi)  # positions > hi: pos[after:]
            if before or after < len(pos):
                d = min(lo - pos[before - 1] if before else n, pos[after] - hi if after < len(pos) else n)
                nears.append(w / (1 + d))
                if (before and pos[before - 1] >= c_lo) or (after < len(pos) and pos[after] < c_hi):
                    same.append(w)
        near = math.fsum(nears)
        # repeating question words marks a wrong name or phrase; a unit the question counts ("days")
        # is expected in an amount
        repeat = 0.0 if kind in _COUNTED else 0.5 * asked
        in_clause = math.fsum(same) / wsum
        score = prior + 0.8 * near / wsum + 0.5 * in_clause - 0.04 * max(0, len(inside) - 4) - repeat
        if best is None or score > best[0] + 1e-9:
            best = (score, a, b)
    if best is None:
        return None
    _, a, b = best
    if kind in ("number", "duration") and _BARE_NUMBER.fullmatch(sentence[a:b]):
        b = _extend_with_question_words(sentence, toks, b, q)  # "14" → "14 parking spaces"
    return a, b


def _extend_with_question_words(sentence: str, toks: Sequence[Token], end: int, q: Question) -> int:
    """Extend a span ending at `end` over up to three following tokens that the question names
    (the unit the question counts: "20" → "20 days")."""
    following = [t for t in toks if t.start >= end]
    taken = end
    prev = end
    for t in following[:3]:
        if sentence[prev:t.start].strip():
            break  # never across punctuation
        if t.stem in q.terms:
            taken = t.end
        elif t.word not in ("of", "paid", "unpaid", "working", "business", "calendar", "consecutive"):
            break
        prev = t.end
    return taken

