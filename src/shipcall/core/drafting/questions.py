"""Factoid questions from one sentence (or one table row) by rule, with the answer span.

The rules read a sentence as [fronted phrase ,] SUBJECT VERB-GROUP REST and ask about one
phrase of it, moving the verb group as English questions do:

| rule        | the sentence has                          | the question                              |
|-------------|-------------------------------------------|-------------------------------------------|
| born        | `X (born September 4, 1981)`              | When was X born?                          |
| year        | `… in/since/by/until 1999 …`              | In what year did X <verb> …?              |
| date        | `… on 13 June 2004 …`                     | When did X <verb> …?                      |
| how_many    | `… 25 working days …`                     | How many working days do X <verb> …?      |
| how_much    | `… EUR 85 / $3 million …`                 | How much … ?                              |
| agent       | `X was managed by Mathew Knowles`         | Who managed X?                            |
| definition  | `X is an American singer …`               | Who/What is X?                            |
| where       | `… in/at Houston, Texas …`                | Where did X <verb> …?                     |
| subject     | `Chopin composed …`                       | Who/What composed …?                      |
| table_row   | a Markdown table row under its header     | In <heading>, what is the <row> for <column>? |

"did"-questions need the verb's base form (lexicon.base_of). A sentence whose subject is a
pronoun is used only when the document names its main entity (he/she → that name); `it`,
`they`, `this` are never resolved. Every answer is a span of the sentence (so it occurs in the
evidence document); the question must not contain it. Each candidate gets a prior — the share
of that rule's drafts kept in the hand check of docs/drafting.md, rounded — used to prefer the
more reliable rules. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from shipcall.core.drafting.lexicon import (
    ADVERBS,
    AUX,
    BASE_VERBS,
    BE,
    DETERMINERS,
    FUNCTION,
    MONTHS,
    NUMBER_WORDS,
    PAST_FORMS,
    PERSON_NOUNS,
    PERSON_VERBS,
    POSSESSIVES,
    PREPOSITIONS,
    SCALE_WORDS,
    SKIP_START,
    SPEECH_VERBS,
    base_of,
    is_participle,
    past_of_participle,
    third_person,
)

PRIOR = {"object": 0.7, "born": 0.95, "year": 0.85, "date": 0.8, "how_many": 0.8, "how_much": 0.75, "agent": 0.85,
         "definition": 0.8, "where": 0.65, "subject": 0.55, "table_row": 0.85}


@dataclass(frozen=True)
class Candidate:
    """A factoid question with its gold answer(s) and where the answer came from.

    `start`/`end`: the answer's character span in the source sentence (offsets into the
    sentence string the rule was given); `entities`: capitalised names in the sentence (for
    multi-hop joins and unanswerable swaps)."""

    question: str
    answers: tuple[str, ...]
    rule: str
    prior: float
    start: int
    end: int
    subject: str = ""
    entities: tuple[str, ...] = ()


_TOKEN = re.compile(
    r"(?:[A-Z]\.){2,}"                                # U.S.
    r"|(?:St|Mr|Mrs|Ms|Dr|Jr|Sr|Co|No|Op|Vol|Inc|Ltd|Prof|Gen|Lt|Mt)\.(?=\s)"  # abbreviations
    r"|\d+(?:st|nd|rd|th)\b"                          # ordinals: 16th
    r"|[$€£]?\d+(?:,\d{3})*(?:\.\d+)?%?"              # 1,000  $3  40%  2.5
    r"|[^\W\d_](?:[\w'’&\-]*[\w])?"                   # words, Knowles-Carter, Destiny's, R&B
    r"|[^\w\s]"
)
_YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")
_CURRENCY = frozenset("us eur usd cad gbp chf jpy aud € $ £".split())
_BOUNDARY = frozenset(", ; : — – which who whom whose where while whereas although because but when whilst unless so"
                      .split())
_PRONOUNS = frozenset("he she they it we i you him them us".split())
_SPEECH_BASES = frozenset("write say state argue note claim assert explain believe contend recall".split())
# prepositions a question may end with ("… nominated for?") are allowed; these never end one
PREPOSITIONS_NOT_STRANDED = frozenset("of the a an that and or but".split())
_ORG_WORDS = frozenset("""Records Awards Award Magazine Group Company Inc Corporation Entertainment Music Studios
Games Festival Show Tour Album Foundation Association Institute Records Prize""".split())


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def clean(sentence: str) -> tuple[str, list[str]]:
    """The sentence without parentheses, bracketed citation marks and final punctuation; and
    the parenthesised texts (for the `born` rule). Parentheses are replaced by spaces of the
    same length, so offsets still point into the original sentence."""
    inner: list[str] = []

    def blank(m: re.Match[str]) -> str:
        inner.append(m.group(0)[1:-1])
        return " " * len(m.group(0))

    s = re.sub(r"\*\*|__|`", lambda m: " " * len(m.group(0)), sentence)  # Markdown emphasis and code marks
    for _ in range(2):  # nested parentheses, innermost first
        s = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", blank, s)
    s = re.sub(r"[.!?]+[\"'”’]?\s*$", lambda m: " " * len(m.group(0)), s)
    return s, inner


def _number(t: _Tok) -> bool:
    return bool(re.fullmatch(r"[$€£]?\d+(?:,\d{3})*(?:\.\d+)?", t.text)) or (t.low in NUMBER_WORDS and t.low != "zero")


def _is_year(t: _Tok) -> bool:
    return bool(_YEAR.fullmatch(t.text))


def _verbish(t: _Tok, prev: _Tok | None) -> bool:
    """Whether `t` can start the verb group (not after a determiner or a possessive)."""
    if t.cap or not t.text.isalpha():
        return False
    if prev is not None and (prev.low in DETERMINERS or prev.low.endswith(("'s", "’s"))):
        return False
    return t.low in AUX or base_of(t.low) is not None


def _finite(t: _Tok) -> bool:
    """An auxiliary, or a verb in the past or third person (`takes`, `released`, `won`)."""
    if t.cap or not t.text.isalpha():
        return False
    b = base_of(t.low)
    return t.low in AUX or (b is not None and b != t.low)


@dataclass
class _Clause:
    front: list[_Tok]
    subject: list[_Tok]
    aux: str | None           # the auxiliary as written (is, was, did, does, …)
    verbs: list[_Tok]         # the verb group after the auxiliary (been, born, released, …)
    main: _Tok | None         # the main verb when there is no auxiliary
    rest: list[_Tok]          # up to the end of the clause
    adverbs: list[_Tok] = field(default_factory=list)  # between subject and main verb ("also made")
    coord: list[_Tok] = field(default_factory=list)    # a second verb ("approves or declines")


def parse(toks: list[_Tok], *, embedded: bool = False) -> _Clause | None:
    """Split a sentence into fronted phrase, subject, verb group and rest (see module doc);
    `embedded`: a clause cut from a longer sentence, which may start with "the …"."""
    start = 0
    front: list[_Tok] = []
    first = toks[0].low if toks else ""
    if first in PREPOSITIONS or first in SKIP_START or first.endswith("ing") or (
            first.endswith("ed") and base_of(first) is not None):
        # a fronted phrase ("In 2003,", "However,", "After leaving the group,"): the clause follows its comma
        comma = next((i for i, t in enumerate(toks[:16]) if t.text == "," and not (
            0 < i < len(toks) - 1 and _is_year(toks[i + 1]) and re.fullmatch(r"\d{1,2}", toks[i - 1].text))), None)
        date_end = _date_end(toks, 1) if first in ("in", "on", "by", "since") and len(toks) > 2 else None
        if date_end is None and first in ("in", "since", "by") and len(toks) > 2 and _is_year(toks[1]):
            date_end = 2
        if date_end is not None and (comma is None or comma > date_end) and date_end < len(toks) and \
                toks[date_end].text != ",":
            comma = date_end - 1  # "In June 1849 his sister came …": a fronted date without its comma
        if comma is None or first in ("it", "they", "this", "these", "there"):
            return None
        front, start = toks[:comma], comma + 1
        if toks[comma].text != ",":
            front, start = toks[:comma + 1], comma + 1
    body = list(toks[start:])
    if not body or (body[0].low in SKIP_START and body[0].low not in ("this", "these")) or not (
            body[0].cap or ((front or embedded) and body[0].low in DETERMINERS)):
        return None
    if body[0].low in BASE_VERBS and not any(_finite(t) for t in body[2:7]):
        return None  # an instruction ("Cancel unused bookings in Navan …"): no subject to ask about
    if body[0].low in ("it", "they", "there") or (body[0].low in ("this", "these") and (
            len(body) < 2 or _verbish(body[1], None))) or body[0].low.endswith("ing") or (
            body[0].low.endswith("ed") and base_of(body[0].low) is not None):
        return None  # "Assisted by …, they meet": a fronted participle, not a subject
    vi = None
    i = 1
    while i < min(len(body), 12):
        t = body[i]
        if t.text == "," and all(x.cap or x.low in ("of", "de", "the") for x in body[:i]) and i + 1 < len(body) \
                and body[i + 1].low in ("a", "an", "the"):
            # an appositive: "Evelyn S. Rawski, a professor at …, writes" → drop ", a professor …,"
            close = next((k for k in range(i + 2, min(len(body), i + 20)) if body[k].text == ","), None)
            if close is None:
                return None
            body = body[:i] + body[close + 1:]
            continue
        if t.text in (",", ";", ":", "(", '"'):
            return None
        if t.low in ADVERBS and i + 1 < len(body) and _verbish(body[i + 1], t):
            vi = i
            break
        if _verbish(t, body[i - 1]) and t.low not in AUX and i + 1 < len(body) and (
                (base_of(t.low) == t.low and _verbish(body[i + 1], t)) or body[i + 1].low in AUX):
            i += 1  # "a standard review takes": a noun that looks like a verb, before the verb
            continue
        if _verbish(t, body[i - 1]):
            # a reduced relative clause ("employees based in Lisbon receive …"): keep looking
            if (t.low not in AUX and t.low.endswith("ed") and i + 1 < len(body) and body[i + 1].low in PREPOSITIONS
                    and any(_verbish(body[k], body[k - 1]) for k in range(i + 2, min(len(body), i + 8)))):
                i += 1
                continue
            joiners = _BOUNDARY | {"and", "or", "that", "to"}
            if t.low not in AUX and t.low.endswith("ed") and any(
                    _finite(x) and not x.low.endswith("ed") and body[k - 1].low not in joiners
                    for k, x in enumerate(body[i + 1:i + 5], start=i + 1)):
                i += 1  # "Google Workspace advanced mobile management applies …": "advanced" is no verb
                continue
            vi = i
            break
        i += 1
    if vi is None:
        return None
    subject = body[:vi]
    adverbs: list[_Tok] = []
    while body[vi].low in ADVERBS:
        adverbs.append(body[vi])
        vi += 1
    if len(subject) > 7 or any(t.low in _PRONOUNS | {"that", "which", "who", "whom"} for t in subject[1:]) or any(
            t.text[:1].isdigit() and not re.fullmatch(r"\d+(?:st|nd|rd|th)", t.text) for t in subject):
        return None
    j = vi
    aux: str | None = None
    main: _Tok | None = None
    verbs: list[_Tok] = []
    if body[j].low in AUX:
        aux = body[j].text
        j += 1
        while j < len(body) and body[j].text.isalpha() and not body[j].cap and (
                body[j].low in ADVERBS or body[j].low in ("been", "being", "be") or is_participle(body[j].text)
                or (aux.lower() not in BE and base_of(body[j].low) == body[j].low)):
            verbs.append(body[j])
            j += 1
        while verbs and verbs[-1].low in ADVERBS:  # "was also" + "a singer": the adverb belongs to the rest
            j -= 1
            verbs.pop()
        if aux.lower() not in BE and not any(t.low not in ADVERBS for t in verbs):
            if aux.lower() not in ("has", "have", "had"):
                return None  # a modal without its verb
            main, aux, verbs = body[vi], None, []  # "Apple had …": have as the main verb
    else:
        main = body[j]
        j += 1
    coord: list[_Tok] = []
    if main is not None and j + 1 < len(body) and body[j].low in ("and", "or") and _finite(body[j + 1]):
        coord = [body[j], body[j + 1]]
        j += 2
    rest = body[j:]
    return _Clause(front, subject, aux, verbs, main, rest, adverbs, coord)


def _span(toks: list[_Tok], text: str) -> str:
    return text[toks[0].start:toks[-1].end] if toks else ""


def _cut_at_boundary(rest: list[_Tok], after: int) -> list[_Tok]:
    """`rest` up to the first clause boundary at or after index `after`."""
    for i in range(after, len(rest)):
        t = rest[i]
        if t.low in _BOUNDARY or (t.low in ("and", "or") and i + 1 < len(rest) and _verbish(rest[i + 1], t)):
            return rest[:i]
    return rest


def _quoted(rest: list[_Tok]) -> set[int]:
    """Indices of the tokens between quotation marks."""
    inside, out = False, set()
    for i, t in enumerate(rest):
        if t.text in ('"', "“", "”"):
            inside = t.text != "”" and not (inside and t.text == '"')
            continue
        if inside:
            out.add(i)
    return out


def _cut_at_and(rest: list[_Tok], after: int) -> list[_Tok]:
    """`rest` up to the first `and`/`or` at or after `after` ("EUR 60 in Lisbon and CAD 90 in
    Toronto": the amount's own phrase ends before the next amount)."""
    for i in range(after, len(rest)):
        if rest[i].low in ("and", "or"):
            return rest[:i]
    return rest


def _clear_before(rest: list[_Tok], upto: int) -> bool:
    """No clause boundary before index `upto` of `rest` (the answer is in the main clause);
    `and`/`or` count as one unless a verb follows ("born and raised in …" is one clause)."""
    for i, t in enumerate(rest[:upto]):
        if t.low in _BOUNDARY or t.text == ",":
            return False
        if t.low in ("and", "or") and not (i + 1 < len(rest) and _verbish(rest[i + 1], t)):
            return False
    return True


def _phrase(parts: list[str]) -> str:
    s = " ".join(p for p in parts if p and p.strip())
    s = re.sub(r"\s+", " ", s).strip().rstrip(",;:—–- ")
    s = re.sub(r"\s+([,;:?])", r"\1", s)
    return s[:1].upper() + s[1:] + "?" if s else ""


def _subject_text(clause: _Clause, text: str, entity: str | None) -> str | None:
    """The subject as the question writes it: pronouns resolved to the document's main entity
    (or None when they cannot be), a sentence-initial determiner lower-cased."""
    subj = clause.subject
    first = subj[0]
    if first.low in ("you", "we") and len(subj) == 1:
        return first.low  # policy documents address their reader: "How many days do you get?"
    if first.low in ("he", "she"):
        return entity if entity and len(subj) == 1 else None
    if first.low in POSSESSIVES:
        if not entity or first.low == "its" or first.low == "their":
            return None
        return f"{entity}'s " + _span(subj[1:], text)
    s = _span(subj, text)
    if first.low in DETERMINERS or (first.low in ("full-time", "part-time", "new", "all", "every")):
        s = s[:1].lower() + s[1:]
    return s


def _do_form(clause: _Clause) -> tuple[str, str] | None:
    """(auxiliary, verb words) for a question that moves the auxiliary: `was born`, `did release`."""
    if clause.aux:
        return clause.aux.lower(), " ".join(t.text for t in clause.verbs)
    m = clause.main
    adv = "".join(t.text + " " for t in clause.adverbs)
    if clause.coord:
        second = base_of(clause.coord[1].low)
        if second is None:
            return None
        base1 = "have" if m is not None and m.low in ("has", "have", "had") else base_of(m.low) if m else None
        if base1 is None or m is None:
            return None
        aux = "did" if m.low.endswith("ed") or m.low in PAST_FORMS else "does" if m.low.endswith("s") else "do"
        return aux, f"{adv}{base1} {clause.coord[0].low} {second}"
    if m is None:
        return None
    base = "have" if m.low in ("has", "have", "had") else base_of(m.low)
    if base is None:
        return None
    if m.low == "has":
        return "does", adv + base
    if m.low == base:  # "employees receive" (plural, present) or "she set" (a past that looks like a base)
        head = clause.subject
        cut = next((k for k, t in enumerate(head) if k and (t.low in PREPOSITIONS or is_participle(t.text))), None)
        head = head[:cut] if cut else head  # "employees based in the Toronto office": the head is "employees"
        plural = (head[-1].low.endswith("s") and not head[-1].low.endswith(("'s", "ss"))) or (
            head[-1].low in ("you", "we", "i"))
        return ("do" if plural else "did"), adv + base
    if m.low.endswith("s") and not m.low.endswith("ed"):
        return "does", adv + base
    return "did", adv + base


def names_in(toks: list[_Tok], text: str) -> tuple[str, ...]:
    """Names in a sentence (`tokens(text)`, text): runs of capitalised words (not a
    sentence-initial function word), as written."""
    out: list[str] = []
    run: list[_Tok] = []
    for i, t in enumerate([*toks, _Tok(".", 0, 0)]):
        if t.cap and t.text[0].isalpha() and t.low not in _PRONOUNS and not (i == 0 and t.low in SKIP_START
                                                                                | DETERMINERS | POSSESSIVES):
            run.append(t)
            continue
        if run and t.low in ("of", "de", "von", "the") and i + 1 < len(toks) and toks[i + 1].cap:
            run.append(t)
            continue
        if run:
            while run and not run[-1].cap:
                run.pop()
            if run and run[0].low not in MONTHS:
                out.append(_span(run, text))
            run = []
    return tuple(dict.fromkeys(out))


def _cap_np(rest: list[_Tok], i: int) -> int:
    """End index (exclusive) of the capitalised noun phrase starting at rest[i] ("Houston,
    Texas", "the University of Warsaw" without the article)."""
    j = i
    while j < len(rest) and (rest[j].cap or (rest[j].low in ("of", "de", "&") and j + 1 < len(rest)
                                              and rest[j + 1].cap)):
        j += 1
    if (j + 1 < len(rest) and rest[j].text == "," and rest[j + 1].cap and rest[j + 1].text.isalpha()
            and (j + 2 >= len(rest) or rest[j + 2].text in (",", ";") or rest[j + 2].low in PREPOSITIONS)):
        j += 2  # Houston, Texas
    return j


def _noun_phrase_after(rest: list[_Tok], i: int, limit: int = 3) -> int:
    """End index of the short noun phrase after a number (`working days`, `Grammy Awards`)."""
    j = i
    while j < len(rest) and j - i < limit:
        t = rest[j]
        if not t.text[0].isalpha() or t.low in PREPOSITIONS or t.low in AUX or t.low in ("and", "or", "the", "a"):
            break
        if j > i and base_of(t.low) is not None and not t.cap and t.low.endswith("ed"):
            break
        j += 1
    return j


_SPLIT = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+|\b(?:writes?|wrote|says?|said|states?|stated|"
                    r"argues?|argued|notes?|noted|indicates?|indicated|claims?|claimed|believes?|believed|suggests?|suggested|"
                    r"explains?|explained|recalls?|recalled|reports?|reported)\s+that\s+")


_RELATIVE = re.compile(r"((?:[A-Z][\w'’\-.]*\s){0,3}[A-Z][\w'’\-.]*)(,\s+who\s+)(?=[a-z])")


def clauses(sentence: str) -> list[tuple[int, str]]:
    """(offset, text) of the sentence and of the clauses after `;`, `, and`, `, but` and
    `writes that` / `says that` …, each of which may carry its own subject and verb; and of
    relative clauses about a name ("Chopin, who was born in 1810, …" → "Chopin was born in
    1810", the ", who" blanked so that offsets still point into the sentence)."""
    out = [(0, sentence)]
    for m in _SPLIT.finditer(sentence):
        out.append((m.end(), sentence[m.end():]))
    for m in _RELATIVE.finditer(sentence):
        end = sentence.find(",", m.end())
        piece = sentence[m.start():end if end > 0 else len(sentence)]
        cut = m.end(1) - m.start()
        out.append((m.start(), piece[:cut] + " " * len(m.group(2)) + piece[cut + len(m.group(2)):]))
    return out


def from_sentence(sentence: str, *, entity: str | None = None, names: frozenset[str] | None = None,
                  lower: frozenset[str] | None = None, persons: frozenset[str] = frozenset()) -> list[Candidate]:
    """Every factoid candidate the rules find in one sentence (see the module docstring).
    `names`: words the corpus writes capitalised in mid-sentence (proper names); `lower`: words
    it writes in lower case. A sentence's first word that is not a name but is written in lower
    case elsewhere is lower-cased in the question ("Employees get …" → "do employees get").
    Without `names` every capitalised word counts as a name. `persons`: names known to be
    people (questions about them ask "who"; see `is_person`)."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for offset, piece in clauses(sentence):
        for c in _from_clause(piece, entity=entity, embedded=offset > 0, names=names, lower=lower,
                              persons=persons | ({entity} if entity else set())):
            if c.question not in seen:
                seen.add(c.question)
                out.append(replace(c, start=c.start + offset, end=c.end + offset) if offset else c)
    return out


def _from_clause(sentence: str, *, entity: str | None, embedded: bool, names: frozenset[str] | None,
                 lower: frozenset[str] | None = None, persons: frozenset[str] = frozenset()) -> list[Candidate]:
    text, inner = clean(sentence)
    toks = tokens(text)
    if len(toks) < 4:
        return []
    clause = parse(toks, embedded=embedded)
    if clause is None:
        return []
    subject = _subject_text(clause, text, entity)
    if not subject:
        return []
    first = clause.subject[0]
    second = clause.subject[1] if len(clause.subject) > 1 else None
    common = (names is not None and first.cap and first.text not in names and subject.startswith(first.text)
              and (lower is None or first.low in lower) and not (second is not None and second.cap))
    if common:  # "Employees get …": a capital only because it starts the sentence
        subject = subject[:1].lower() + subject[1:]
    ents = names_in(toks, text)
    out: list[Candidate] = []

    def add(question: str, answer: str, rule: str, a: int, b: int, extra: tuple[str, ...] = ()) -> None:
        words = question.split()
        if not (4 <= len(words) <= 28) or not answer.strip():
            return
        last = words[-1].rstrip("?").lower()
        if last in FUNCTION or last in PREPOSITIONS_NOT_STRANDED or base_of(last) in _SPEECH_BASES:
            return  # "… engraved the signatures of the?", "What year did Emmett Price write?": cut short
        if answer.lower() in question.lower() or any(x.lower() in question.lower() for x in extra):
            return
        if question.count('"') % 2 or question.count("“") != question.count("”"):
            return
        prior = PRIOR[rule] * (0.9 if subject != _span(clause.subject, text) else 1.0) * (
            0.85 if len(words) > 18 else 1.0)
        out.append(Candidate(question, (answer, *extra), rule, round(prior, 3), a, b, subject, ents))

    do = _do_form(clause)
    # born: "X (born September 4, 1981)" → When was X born?
    for p in inner:
        m = re.match(r"\s*born\s+(?:on\s+)?((?:\d{1,2}\s+)?[A-Z][a-z]+\s+(?:\d{1,2},?\s+)?\d{4})", p)
        if m and clause.subject and subject[:1].isupper():
            ans = m.group(1)
            pos = sentence.find(ans)
            if pos >= 0:
                add(_phrase(["when was", subject, "born"]), ans, "born", pos, pos + len(ans))
    if do is not None:
        aux, verbs = do
        _rest_rules(clause, text, subject, aux, verbs, add)
    _front_rules(clause, text, subject, do, add)
    _agent_rule(clause, text, subject, add, persons)
    _definition_rule(clause, text, subject, add)
    if do is not None:
        _object_rule(clause, text, subject, do, add, persons)
    if not common:
        _subject_rule(clause, text, add, ans_is_person=is_person(_span(clause.subject, text), persons))
    return out


def is_person(name: str, persons: frozenset[str] | set[str]) -> bool:
    """Whether to ask "who" about `name`: a known person (or the last word of one: "Chopin"
    for "Frédéric Chopin"), or a two- or three-word name of plain capitalised words that has no
    organisation word in it ("Mathew Knowles", not "Guinness World Records")."""
    if not name:
        return False
    if name in persons or any(name == p.split()[-1] or p.startswith(name + " ") for p in persons if " " in p):
        return True
    words = name.split()
    return 2 <= len(words) <= 3 and all(w[:1].isupper() and w.isalpha() for w in words) and not (
        set(words) & _ORG_WORDS)


def _rest_rules(clause: _Clause, text: str, subject: str, aux: str, verbs: str, add: object) -> None:
    rest = clause.rest
    emit = add  # type: ignore[assignment]
    quoted = _quoted(rest)
    for i, t in enumerate(rest):
        if not _clear_before(rest, i):
            break
        if i in quoted or i + 1 in quoted:
            continue  # inside a title ("Crazy in Love"): not a place, date or amount
        # year / date after a preposition
        if t.low in ("in", "since", "by", "until", "on") and i + 1 < len(rest):
            nxt = rest[i + 1]
            date_end = _date_end(rest, i + 1)
            if date_end and date_end - (i + 1) >= 2:
                ans = _span(rest[i + 1:date_end], text)
                tail = _cut_at_boundary(rest, date_end)
                wh = {"by": "by what date", "since": "since when", "until": "until when"}.get(t.low, "when")
                q = _phrase([wh, aux, subject, verbs, _span(rest[:i], text), _span(tail[date_end:], text)])
                emit(q, ans, "date", rest[i + 1].start, rest[date_end - 1].end)
            elif _is_year(nxt) and t.low != "on" and not (i + 2 < len(rest) and rest[i + 2].low in MONTHS):
                tail = _cut_at_boundary(rest, i + 2)
                q = _phrase([f"{t.low} what year", aux, subject, verbs, _span(rest[:i], text),
                             _span(tail[i + 2:], text)])
                emit(q, nxt.text, "year", nxt.start, nxt.end)
            elif t.low in ("in", "at") and nxt.cap and nxt.low not in MONTHS and nxt.text.isalpha() and nxt.low not in (
                    "the", "a"):
                end = _cap_np(rest, i + 1)
                after = rest[end] if end < len(rest) else None
                if after is not None and (after.low in ("and", "or") or (
                        after.text.isalpha() and not after.cap and after.low not in PREPOSITIONS | ADVERBS)):
                    continue  # "in North America and Europe", "in Polish literature": not one place
                ans = _span(rest[i + 1:end], text)
                if ans.endswith(("'s", "’s")) or set(ans.split()) & _ORG_WORDS:
                    continue  # "in Official Nintendo Magazine's list", "in Guinness World Records": not a place
                tail = _cut_at_and(_cut_at_boundary(rest, end), end)
                q = _phrase(["where", aux, subject, verbs, _span(rest[:i], text), _span(tail[end:], text)])
                emit(q, ans, "where", rest[i + 1].start, rest[end - 1].end)
        # how many / how much
        if _number(t) and not _is_year(t):
            j = i + 1
            while j < len(rest) and rest[j].low in SCALE_WORDS:
                j += 1
            money = t.text[:1] in "$€£" or (i > 0 and rest[i - 1].low in _CURRENCY)
            start_i = i - 1 if (i > 0 and rest[i - 1].low in _CURRENCY) else i
            if money:
                if start_i > 0 and rest[start_i - 1].low in ("of", "per", "than", "to", "least", "most", "over",
                                                               "under", "about", "above", "below", "beyond"):
                    continue
                ans = _span(rest[start_i:j], text)
                tail = _cut_at_and(_cut_at_boundary(rest, j), j)
                q = _phrase(["how much", aux, subject, verbs, _span(rest[:start_i], text), _span(tail[j:], text)])
                if aux in ("is", "are", "was", "were") and not verbs:
                    q = _phrase(["how much", aux, _span(rest[:start_i], text), subject, _span(tail[j:], text)])
                emit(q, ans, "how_much", rest[start_i].start, rest[j - 1].end)
                continue
            k = _noun_phrase_after(rest, j)
            if i > 6:
                continue  # far from the verb: the question would carry a long clause
            prev = rest[i - 1].low if i > 0 else ""
            if prev in ("of", "than", "to", "least", "most", "per", "about", "around", "over", "under", "nearly",
                        "almost", "approximately", "only", "just", "above", "below", "beyond", "exceeding",
                        "every", "each", "first", "last", "next", "the", "a", "an", "its", "their", "his", "her",
                        "these", "those", "all"):
                continue  # "flights of 3 hours or more", "at least 5": not the clause's own amount
            if k > j and rest[k - 1].low.endswith("s") and not rest[k - 1].low.endswith(("'s", "ss", "ous")):
                if k + 1 < len(rest) and rest[k].low == "of" and rest[k + 1].text.isalpha() and not rest[k + 1].cap \
                        and rest[k + 1].low not in DETERMINERS and not rest[k + 1].low.endswith("ing"):
                    k = _noun_phrase_after(rest, k + 1, limit=4)  # "20 days of paid time off"
                noun = _span(rest[j:k], text)
                ans = _span(rest[i:k], text)
                tail = _cut_at_and(_cut_at_boundary(rest, k), k)
                after = tail[k:]
                if after and after[0].low == "of":
                    after = []  # "within 5 working days of receiving a report": the of-phrase belongs to the amount
                if prev in PREPOSITIONS:  # "within 5 days" → Within how many days …
                    q = _phrase([f"{prev} how many {noun}", aux, subject, verbs, _span(rest[:i - 1], text),
                                 _span(after, text)])
                else:
                    q = _phrase([f"how many {noun}", aux, subject, verbs, _span(rest[:i], text), _span(after, text)])
                number = _span(rest[i:j], text)
                emit(q, ans, "how_many", rest[i].start, rest[k - 1].end, (number,) if number != ans else ())


def _date_end(rest: list[_Tok], i: int) -> int | None:
    """End of a date starting at rest[i]: `September 4, 1981`, `4 September 1981`, `March 2009`,
    `13 June`; None when no date starts there."""
    j = i
    if j < len(rest) and re.fullmatch(r"\d{1,2}", rest[j].text) and j + 1 < len(rest) and rest[j + 1].low in MONTHS:
        j += 2
        if j < len(rest) and _is_year(rest[j]):
            j += 1
        return j
    if j < len(rest) and rest[j].low in MONTHS and rest[j].cap:
        j += 1
        if j < len(rest) and re.fullmatch(r"\d{1,2}", rest[j].text):
            j += 1
            if j < len(rest) and rest[j].text == ",":
                j += 1
        if j < len(rest) and _is_year(rest[j]):
            return j + 1
        return j if j - i >= 2 and rest[j - 1].text != "," else None
    return None


def _front_rules(clause: _Clause, text: str, subject: str, do: tuple[str, str] | None, add: object) -> None:
    """`In 2003, Beyoncé released …` → In what year did Beyoncé release …?"""
    emit = add  # type: ignore[assignment]
    f = clause.front
    if do is None or len(f) < 2:
        return
    aux, verbs = do
    rest = _cut_at_boundary(clause.rest, 0)
    end = _date_end(f, 1)
    inner_year = next((k for k in range(1, len(f)) if _is_year(f[k]) and f[k - 1].low == "in"), None)
    if f[0].low not in ("in", "on", "by", "since") and inner_year is not None and len(f) <= 8:
        emit(_phrase(["in what year", aux, subject, verbs, _span(rest, text)]), f[inner_year].text, "year",
             f[inner_year].start, f[inner_year].end)
        return
    if len(f) == 2 and _is_year(f[1]) and f[0].low != "on":
        emit(_phrase([f"{f[0].low} what year", aux, subject, verbs, _span(rest, text)]), f[1].text, "year",
             f[1].start, f[1].end)
    elif end == len(f):
        emit(_phrase(["when", aux, subject, verbs, _span(rest, text)]), _span(f[1:], text), "date", f[1].start,
             f[-1].end)


def _agent_rule(clause: _Clause, text: str, subject: str, add: object, persons: frozenset[str] = frozenset()
                ) -> None:
    """`X was managed by Mathew Knowles` → Who managed X?"""
    emit = add  # type: ignore[assignment]
    if not clause.aux or clause.aux.lower() not in BE or not clause.verbs or not is_participle(clause.verbs[-1].text):
        return
    rest = clause.rest
    for i, t in enumerate(rest[:8]):
        if t.low != "by":
            continue
        if not _clear_before(rest, i):
            return
        j = i + 1
        while j < len(rest) and j < i + 6 and not rest[j].cap:
            if rest[j].text in (";", ":") or rest[j].low in PREPOSITIONS:
                return  # "by managers during the February cycle": the agent is not a name
            j += 1
        if j >= len(rest) or not rest[j].cap or not rest[j].text.isalpha():
            return
        end = _cap_np(rest, j)
        if end < len(rest) and rest[end].text.isalpha() and not rest[end].cap and rest[end].low not in (
                PREPOSITIONS | ADVERBS | {"and", "or"}):
            return  # "by American record producer Rudy Perez": the capital starts an adjective
        ans = _span(rest[j:end], text)
        pp = clause.verbs[-1].text
        aux = clause.aux.lower()
        if aux in ("was", "were"):
            verb = past_of_participle(pp)
        else:
            base = base_of(pp)
            if base is None:
                return
            verb = third_person(base)
        obj = subject[:1].lower() + subject[1:] if subject.split()[0].lower() in DETERMINERS else subject
        wh = "who" if is_person(ans, persons) or rest[j - 1].low in PERSON_NOUNS else "what"
        emit(_phrase([wh, verb, obj, _span(rest[:i], text)]), ans, "agent", rest[j].start, rest[end - 1].end)
        return


def _definition_rule(clause: _Clause, text: str, subject: str, add: object) -> None:
    """`Frédéric Chopin was a Polish composer …` → Who was Frédéric Chopin?"""
    emit = add  # type: ignore[assignment]
    if not clause.aux or clause.aux.lower() not in BE or clause.verbs or not clause.rest:
        return
    if not subject[:1].isupper() or subject.split()[0].lower() in DETERMINERS:
        return
    rest = clause.rest
    if rest[0].low not in ("a", "an", "the", "one"):
        return
    end = len(rest)
    for i, t in enumerate(rest):
        if t.low in ("which", "who", "that", "whose", "where", ";", "best", "known") or (
                t.text == "," and i + 1 < len(rest) and (rest[i + 1].low.endswith(("ing", "ed")) or rest[i + 1].low
                                                          in ("which", "who", "and", "but", "although"))):
            end = i
            break
    if end < 2 or end > 16:
        return
    pred = rest[:end]
    who = "who" if any(t.low in PERSON_NOUNS for t in pred) else "what"
    emit(_phrase([who, clause.aux.lower(), subject]), _span(pred, text), "definition", pred[0].start, pred[-1].end)


def _object_rule(clause: _Clause, text: str, subject: str, do: tuple[str, str], add: object,
                 persons: frozenset[str] = frozenset()) -> None:
    """`She released "Listen" as the lead single` → What did Beyoncé release as the lead single?"""
    emit = add  # type: ignore[assignment]
    rest = clause.rest
    if not rest or (clause.aux and clause.aux.lower() in BE and not clause.verbs):
        return
    if clause.verbs and is_participle(clause.verbs[-1].text) and clause.aux and clause.aux.lower() in BE:
        return  # a passive: its object is the subject
    if rest[0].text in ('"', "“"):
        close = next((k for k in range(1, min(len(rest), 12)) if rest[k].text in ('"', "”")), None)
        if close is None or close < 2:
            return
        a, b = rest[1].start, rest[close - 1].end
        end = close + 1
    elif (rest[0].cap and rest[0].text.isalpha() and rest[0].low not in MONTHS) or (
            rest[0].low == "the" and len(rest) > 2 and rest[1].cap and rest[2].cap):
        first = 1 if rest[0].low == "the" else 0
        end = _cap_np(rest, first)
        if rest[end - 1].text.endswith(("'s", "’s")):
            return
        if first:  # "the GlobalProtect VPN client": the name's head noun belongs to the answer
            while end < len(rest) and end - first < 6 and rest[end].text.isalpha() and not rest[end].cap and \
                    rest[end].low not in PREPOSITIONS | ADVERBS | FUNCTION and not _finite(rest[end]):
                end += 1
        a, b = rest[0].start, rest[end - 1].end
    else:
        return
    if end < len(rest):
        nxt = rest[end]
        if nxt.low in ("and", "or", ",", "a", "an", "the") or (nxt.text.isalpha() and not nxt.cap and nxt.low not in
                                                                PREPOSITIONS and nxt.low not in ADVERBS):
            return  # a list ("X and Y"), a double object, or a name used as an adjective ("Polish music")
    aux, verbs = do
    tail = _cut_at_boundary(rest, end)
    if clause.main is not None and clause.main.low in SPEECH_VERBS:
        return  # "…, claims Rossabi": an attribution, not an object
    if end + 1 < len(rest) and rest[end].low in ("for", "of") and (rest[end + 1].cap or (
            rest[end + 1].low == "the" and end + 2 < len(rest) and rest[end + 2].cap)):
        return  # "the High School for the Performing and Visual Arts": the name goes on
    who = "who" if (clause.main is not None and clause.main.low in PERSON_VERBS - SPEECH_VERBS) or is_person(
        text[a:b], persons) else "what"
    emit(_phrase([who, aux, subject, verbs, _span(tail[end:], text)]), text[a:b], "object", a, b)


def _subject_rule(clause: _Clause, text: str, add: object, ans_is_person: bool = False) -> None:
    """`Chopin composed the Polonaise in A-flat major` → Who composed the Polonaise …?"""
    emit = add  # type: ignore[assignment]
    subj = clause.subject
    if not subj or not all(t.cap or t.low in ("of", "the", "de", "&", "and") for t in subj) or (
            subj[0].low in DETERMINERS) or subj[-1].low == "and":
        return
    if subj[0].low in ("he", "she", "his", "her", "you", "we", "i"):
        return
    rest = _cut_at_boundary(clause.rest, 0)
    if len(rest) < 3 or clause.rest[0].low in ("and", "or"):
        return  # "Potocka sang and Franchomme played …": two subjects
    adv = " ".join(t.text for t in clause.adverbs)
    verb = (clause.aux or "") + " " + " ".join(t.text for t in clause.verbs) if clause.aux else (
        (adv + " " if adv else "") + clause.main.text if clause.main else "")
    if clause.coord:
        verb += " " + " ".join(t.text for t in clause.coord)
    if not verb.strip():
        return
    speech = clause.main is not None and clause.main.low in SPEECH_VERBS
    if rest[0].low == "that" and (not speech or not 6 <= len(rest) <= 18 or len(clause.rest) > len(rest) + 1):
        return  # "X shows that …": a claim about a claim; quoted whole or not at all
    person = speech or ans_is_person or (clause.main is not None and clause.main.low in PERSON_VERBS)
    if clause.aux and clause.aux.lower() in ("were", "are", "have", "do"):
        return  # a plural subject: "who were …" reads oddly
    if clause.main is not None and base_of(clause.main.low) == clause.main.low and clause.main.low not in PAST_FORMS:
        return  # "Employees become eligible …": a plural subject
    ans = _span(subj, text)
    emit(_phrase(["who" if person else "what", verb, _span(rest, text)]), ans, "subject", subj[0].start, subj[-1].end)


_ATTRIBUTE_HEADERS = frozenset("""rule rules item items setting settings detail details field fields what policy
attribute property aspect topic""".split())


def from_table(header: list[str], row: list[str], heading: str, *,
               is_name: Callable[[str], bool] = lambda _: False) -> list[tuple[str, str, int]]:
    """(question, answer, column) per value cell of a Markdown table row under its header.

    When the value columns are names (`Lisbon | Toronto`: `is_name` says the document writes
    them capitalised mid-sentence) or the first column names attributes (`Rule`, `Item`, an
    empty header), the row is an attribute: `In <heading>, what is the <row> for <column>?`.
    Otherwise the row is an entity and the columns its attributes: `… what is the <column> for
    <row>?`, or `… what is listed under “<column>” for <row>?` when the column header is not a
    singular noun phrase (`When`, `Seats`, `Installed with`). One question when every value cell
    is the same."""
    if len(row) < 2 or len(header) != len(row):
        return []
    key = _plain(row[0])
    if not key or len(key.split()) > 8:
        return []
    values = [_plain(c) for c in row[1:]]
    where = f"In {heading}, " if heading else ""
    cols = [_plain(h) for h in header[1:]]
    attribute_rows = (_plain(header[0]).lower() in _ATTRIBUTE_HEADERS or not _plain(header[0])
                      or all(c and is_name(c) for c in cols))

    def low(x: str) -> str:
        return x[:1].lower() + x[1:] if not x[:2].isupper() and not is_name(x.split()[0]) else x

    plain_key = key[:1].isalpha() and not any(ch.isdigit() or ch in "@/:" for ch in key)
    if len(set(values)) == 1 and values[0]:
        q = f"{where}what is the {low(key)}" if attribute_rows and plain_key else f"{where}what is listed for {key}"
        return [(_phrase([q]), values[0], 1)]
    out = []
    for j, v in enumerate(values, start=1):
        col = cols[j - 1]
        if not v or not col or v.lower() in ("-", "—", "n/a", "yes", "no"):
            continue
        if attribute_rows and not plain_key:
            q = f"{where}what is listed for {key} under “{col}”"
        elif attribute_rows:
            q = f"{where}what is the {low(key)} for {col}"
        elif _noun_header(col):
            q = f"{where}what is the {low(col)} for {key}"
        else:
            q = f"{where}what is listed under “{col}” for {key}"
        out.append((_phrase([q]), v, j))
    return out


def _noun_header(col: str) -> bool:
    """A column header that reads as "the <header>": a short phrase that is not a question word,
    a verb phrase or a plural."""
    words = col.split()
    if not words or len(words) > 3 or words[0].lower() in SKIP_START | {"when", "who", "how", "why", "where"}:
        return False
    last = words[-1].lower()
    return not (last.endswith("s") and not last.endswith(("ss", "us", "is"))) and not any(
        base_of(w.lower()) not in (None,) and w.lower().endswith(("ed", "with")) for w in words) and not any(
        w.lower() in PREPOSITIONS for w in words)


def _plain(cell: str) -> str:
    """A table cell without Markdown emphasis or code marks."""
    return re.sub(r"\*\*|__|`", "", cell).strip().strip("*_ ")
