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
evidence document); the question must not contain it. Each candidate gets a prior — a rough, hand-set
estimate of how often that rule's questions are good (from the first hand check of
docs/drafting.md) — used to prefer the more reliable rules. The sentence reading is in
clauses.py, table rows in tables.py. Pure: no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from shipcall.core.drafting.clauses import (
    CURRENCY,
    ORG_WORDS,
    PREPOSITIONS_NOT_STRANDED,
    SPEECH_BASES,
    Clause,
    cap_np,
    clauses,
    clean,
    clear_before,
    cut_at_and,
    cut_at_boundary,
    date_span_end,
    do_form,
    finite,
    is_number,
    is_year,
    names_in,
    noun_phrase_after,
    parse,
    phrase,
    quoted_indices,
    span,
    subject_text,
    tokens,
)
from shipcall.core.drafting.lexicon import (
    ADVERBS,
    BE,
    DETERMINERS,
    FUNCTION,
    MONTHS,
    PAST_FORMS,
    PERSON_NOUNS,
    PERSON_VERBS,
    PREPOSITIONS,
    SCALE_WORDS,
    SPEECH_VERBS,
    base_of,
    is_participle,
    past_of_participle,
    third_person,
)

Emit = Callable[..., None]  # records one drafted question

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
    subject = subject_text(clause, text, entity)
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
        if last in FUNCTION or last in PREPOSITIONS_NOT_STRANDED or base_of(last) in SPEECH_BASES:
            return  # "… engraved the signatures of the?", "What year did Emmett Price write?": cut short
        if answer.lower() in question.lower() or any(x.lower() in question.lower() for x in extra):
            return
        if question.count('"') % 2 or question.count("“") != question.count("”"):
            return
        prior = PRIOR[rule] * (0.9 if subject != span(clause.subject, text) else 1.0) * (
            0.85 if len(words) > 18 else 1.0)
        out.append(Candidate(question, (answer, *extra), rule, round(prior, 3), a, b, subject, ents))

    do = do_form(clause)
    # born: "X (born September 4, 1981)" → When was X born?
    for p in inner:
        m = re.match(r"\s*born\s+(?:on\s+)?((?:\d{1,2}\s+)?[A-Z][a-z]+\s+(?:\d{1,2},?\s+)?\d{4})", p)
        if m and clause.subject and subject[:1].isupper():
            ans = m.group(1)
            pos = sentence.find(ans)
            if pos >= 0:
                add(phrase(["when was", subject, "born"]), ans, "born", pos, pos + len(ans))
    if do is not None:
        aux, verbs = do
        _rest_rules(clause, text, subject, aux, verbs, add)
    _front_rules(clause, text, subject, do, add)
    _agent_rule(clause, text, subject, add, persons)
    _definition_rule(clause, text, subject, add)
    if do is not None:
        _object_rule(clause, text, subject, do, add, persons)
    if not common:
        _subject_rule(clause, text, add, ans_is_person=is_person(span(clause.subject, text), persons))
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
        set(words) & ORG_WORDS)


def _rest_rules(clause: Clause, text: str, subject: str, aux: str, verbs: str, add: Emit) -> None:
    rest = clause.rest
    emit = add
    quoted = quoted_indices(rest)
    for i, t in enumerate(rest):
        if not clear_before(rest, i):
            break
        if i in quoted or i + 1 in quoted:
            continue  # inside a title ("Crazy in Love"): not a place, date or amount
        # year / date after a preposition
        if t.low in ("in", "since", "by", "until", "on") and i + 1 < len(rest):
            nxt = rest[i + 1]
            date_end = date_span_end(rest, i + 1)
            if date_end and date_end - (i + 1) >= 2:
                ans = span(rest[i + 1:date_end], text)
                tail = cut_at_boundary(rest, date_end)
                wh = {"by": "by what date", "since": "since when", "until": "until when"}.get(t.low, "when")
                q = phrase([wh, aux, subject, verbs, span(rest[:i], text), span(tail[date_end:], text)])
                emit(q, ans, "date", rest[i + 1].start, rest[date_end - 1].end)
            elif is_year(nxt) and t.low != "on" and not (i + 2 < len(rest) and rest[i + 2].low in MONTHS):
                tail = cut_at_boundary(rest, i + 2)
                q = phrase([f"{t.low} what year", aux, subject, verbs, span(rest[:i], text),
                             span(tail[i + 2:], text)])
                emit(q, nxt.text, "year", nxt.start, nxt.end)
            elif t.low in ("in", "at") and nxt.cap and nxt.low not in MONTHS and nxt.text.isalpha() and nxt.low not in (
                    "the", "a"):
                end = cap_np(rest, i + 1)
                after = rest[end] if end < len(rest) else None
                if after is not None and (after.low in ("and", "or") or (
                        after.text.isalpha() and not after.cap and after.low not in PREPOSITIONS | ADVERBS)):
                    continue  # "in North America and Europe", "in Polish literature": not one place
                ans = span(rest[i + 1:end], text)
                if ans.endswith(("'s", "’s")) or set(ans.split()) & ORG_WORDS:
                    continue  # "in Official Nintendo Magazine's list", "in Guinness World Records": not a place
                tail = cut_at_and(cut_at_boundary(rest, end), end)
                q = phrase(["where", aux, subject, verbs, span(rest[:i], text), span(tail[end:], text)])
                emit(q, ans, "where", rest[i + 1].start, rest[end - 1].end)
        # how many / how much
        if is_number(t) and not is_year(t):
            j = i + 1
            while j < len(rest) and rest[j].low in SCALE_WORDS:
                j += 1
            money = t.text[:1] in "$€£" or (i > 0 and rest[i - 1].low in CURRENCY)
            start_i = i - 1 if (i > 0 and rest[i - 1].low in CURRENCY) else i
            if money:
                if start_i > 0 and rest[start_i - 1].low in ("of", "per", "than", "to", "least", "most", "over",
                                                               "under", "about", "above", "below", "beyond"):
                    continue
                ans = span(rest[start_i:j], text)
                tail = cut_at_and(cut_at_boundary(rest, j), j)
                q = phrase(["how much", aux, subject, verbs, span(rest[:start_i], text), span(tail[j:], text)])
                if aux in ("is", "are", "was", "were") and not verbs:
                    q = phrase(["how much", aux, span(rest[:start_i], text), subject, span(tail[j:], text)])
                emit(q, ans, "how_much", rest[start_i].start, rest[j - 1].end)
                continue
            k = noun_phrase_after(rest, j)
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
                    k = noun_phrase_after(rest, k + 1, limit=4)  # "20 days of paid time off"
                noun = span(rest[j:k], text)
                ans = span(rest[i:k], text)
                tail = cut_at_and(cut_at_boundary(rest, k), k)
                trail = tail[k:]
                if trail and trail[0].low == "of":
                    trail = []  # "within 5 working days of receiving a report": the of-phrase belongs to the amount
                if prev in PREPOSITIONS:  # "within 5 days" → Within how many days …
                    q = phrase([f"{prev} how many {noun}", aux, subject, verbs, span(rest[:i - 1], text),
                                 span(trail, text)])
                else:
                    q = phrase([f"how many {noun}", aux, subject, verbs, span(rest[:i], text), span(trail, text)])
                number = span(rest[i:j], text)
                emit(q, ans, "how_many", rest[i].start, rest[k - 1].end, (number,) if number != ans else ())


def _front_rules(clause: Clause, text: str, subject: str, do: tuple[str, str] | None, add: Emit) -> None:
    """`In 2003, Beyoncé released …` → In what year did Beyoncé release …?"""
    emit = add
    f = clause.front
    if do is None or len(f) < 2:
        return
    aux, verbs = do
    rest = cut_at_boundary(clause.rest, 0)
    end = date_span_end(f, 1)
    inner_year = next((k for k in range(1, len(f)) if is_year(f[k]) and f[k - 1].low == "in"), None)
    if f[0].low not in ("in", "on", "by", "since") and inner_year is not None and len(f) <= 8:
        emit(phrase(["in what year", aux, subject, verbs, span(rest, text)]), f[inner_year].text, "year",
             f[inner_year].start, f[inner_year].end)
        return
    if len(f) == 2 and is_year(f[1]) and f[0].low != "on":
        emit(phrase([f"{f[0].low} what year", aux, subject, verbs, span(rest, text)]), f[1].text, "year",
             f[1].start, f[1].end)
    elif end == len(f):
        emit(phrase(["when", aux, subject, verbs, span(rest, text)]), span(f[1:], text), "date", f[1].start,
             f[-1].end)


def _agent_rule(clause: Clause, text: str, subject: str, add: Emit, persons: frozenset[str] = frozenset()
                ) -> None:
    """`X was managed by Mathew Knowles` → Who managed X?"""
    emit = add
    if not clause.aux or clause.aux.lower() not in BE or not clause.verbs or not is_participle(clause.verbs[-1].text):
        return
    rest = clause.rest
    for i, t in enumerate(rest[:8]):
        if t.low != "by":
            continue
        if not clear_before(rest, i):
            return
        j = i + 1
        while j < len(rest) and j < i + 6 and not rest[j].cap:
            if rest[j].text in (";", ":") or rest[j].low in PREPOSITIONS:
                return  # "by managers during the February cycle": the agent is not a name
            j += 1
        if j >= len(rest) or not rest[j].cap or not rest[j].text.isalpha():
            return
        end = cap_np(rest, j)
        if end < len(rest) and rest[end].text.isalpha() and not rest[end].cap and rest[end].low not in (
                PREPOSITIONS | ADVERBS | {"and", "or"}):
            return  # "by American record producer Rudy Perez": the capital starts an adjective
        ans = span(rest[j:end], text)
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
        emit(phrase([wh, verb, obj, span(rest[:i], text)]), ans, "agent", rest[j].start, rest[end - 1].end)
        return


def _definition_rule(clause: Clause, text: str, subject: str, add: Emit) -> None:
    """`Frédéric Chopin was a Polish composer …` → Who was Frédéric Chopin?"""
    emit = add
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
    emit(phrase([who, clause.aux.lower(), subject]), span(pred, text), "definition", pred[0].start, pred[-1].end)


def _object_rule(clause: Clause, text: str, subject: str, do: tuple[str, str], add: Emit,
                 persons: frozenset[str] = frozenset()) -> None:
    """`She released "Listen" as the lead single` → What did Beyoncé release as the lead single?"""
    emit = add
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
        end = cap_np(rest, first)
        if rest[end - 1].text.endswith(("'s", "’s")):
            return
        if first:  # "the GlobalProtect VPN client": the name's head noun belongs to the answer
            while end < len(rest) and end - first < 6 and rest[end].text.isalpha() and not rest[end].cap and \
                    rest[end].low not in PREPOSITIONS | ADVERBS | FUNCTION and not finite(rest[end]):
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
    tail = cut_at_boundary(rest, end)
    if clause.main is not None and clause.main.low in SPEECH_VERBS:
        return  # "…, claims Rossabi": an attribution, not an object
    if end + 1 < len(rest) and rest[end].low in ("for", "of") and (rest[end + 1].cap or (
            rest[end + 1].low == "the" and end + 2 < len(rest) and rest[end + 2].cap)):
        return  # "the High School for the Performing and Visual Arts": the name goes on
    who = "who" if (clause.main is not None and clause.main.low in PERSON_VERBS - SPEECH_VERBS) or is_person(
        text[a:b], persons) else "what"
    emit(phrase([who, aux, subject, verbs, span(tail[end:], text)]), text[a:b], "object", a, b)


def _subject_rule(clause: Clause, text: str, add: Emit, ans_is_person: bool = False) -> None:
    """`Chopin composed the Polonaise in A-flat major` → Who composed the Polonaise …?"""
    emit = add
    subj = clause.subject
    if not subj or not all(t.cap or t.low in ("of", "the", "de", "&", "and") for t in subj) or (
            subj[0].low in DETERMINERS) or subj[-1].low == "and":
        return
    if subj[0].low in ("he", "she", "his", "her", "you", "we", "i"):
        return
    rest = cut_at_boundary(clause.rest, 0)
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
    ans = span(subj, text)
    emit(phrase(["who" if person else "what", verb, span(rest, text)]), ans, "subject", subj[0].start, subj[-1].end)
