"""Reading a sentence for the question rules: tokens with character offsets, the clause
(fronted phrase, subject, verb group, rest), the verb group's base form for "did"-questions,
names, and the small phrase-level helpers the rules share. Hand-written because offsets into
the original sentence matter (the answer must be a span of it) and an English parser needs a
model download the offline default may not make. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shipcall.core.drafting.lexicon import (
    ADVERBS,
    AUX,
    BASE_VERBS,
    BE,
    DETERMINERS,
    MONTHS,
    NUMBER_WORDS,
    PAST_FORMS,
    POSSESSIVES,
    PREPOSITIONS,
    SKIP_START,
    base_of,
    is_participle,
)

_TOKEN = re.compile(
    r"(?:[A-Z]\.){2,}"                                # U.S.
    r"|(?:St|Mr|Mrs|Ms|Dr|Jr|Sr|Co|No|Op|Vol|Inc|Ltd|Prof|Gen|Lt|Mt)\.(?=\s)"  # abbreviations
    r"|\d+(?:st|nd|rd|th)\b"                          # ordinals: 16th
    r"|[$€£]?\d+(?:,\d{3})*(?:\.\d+)?%?"              # 1,000  $3  40%  2.5
    r"|[^\W\d_](?:[\w'’&\-]*[\w])?"                   # words, Knowles-Carter, Destiny's, R&B
    r"|[^\w\s]"
)
YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")
CURRENCY = frozenset("us eur usd cad gbp chf jpy aud € $ £".split())
BOUNDARY = frozenset(", ; : — – which who whom whose where while whereas although because but when whilst unless so"
                      .split())
PRONOUNS = frozenset("he she they it we i you him them us".split())
SPEECH_BASES = frozenset("write say state argue note claim assert explain believe contend recall".split())
# prepositions a question may end with ("… nominated for?") are allowed; these never end one
PREPOSITIONS_NOT_STRANDED = frozenset("of the a an that and or but".split())
ORG_WORDS = frozenset("""Records Awards Award Magazine Group Company Inc Corporation Entertainment Music Studios
Games Festival Show Tour Album Foundation Association Institute Records Prize""".split())


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokens(text: str) -> list[Tok]:
    return [Tok(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


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


def is_number(t: Tok) -> bool:
    return bool(re.fullmatch(r"[$€£]?\d+(?:,\d{3})*(?:\.\d+)?", t.text)) or (t.low in NUMBER_WORDS and t.low != "zero")


def is_year(t: Tok) -> bool:
    return bool(YEAR.fullmatch(t.text))


def verbish(t: Tok, prev: Tok | None) -> bool:
    """Whether `t` can start the verb group (not after a determiner or a possessive)."""
    if t.cap or not t.text.isalpha():
        return False
    if prev is not None and (prev.low in DETERMINERS or prev.low.endswith(("'s", "’s"))):
        return False
    return t.low in AUX or base_of(t.low) is not None


def finite(t: Tok) -> bool:
    """An auxiliary, or a verb in the past or third person (`takes`, `released`, `won`)."""
    if t.cap or not t.text.isalpha():
        return False
    b = base_of(t.low)
    return t.low in AUX or (b is not None and b != t.low)


@dataclass
class Clause:
    front: list[Tok]
    subject: list[Tok]
    aux: str | None           # the auxiliary as written (is, was, did, does, …)
    verbs: list[Tok]         # the verb group after the auxiliary (been, born, released, …)
    main: Tok | None         # the main verb when there is no auxiliary
    rest: list[Tok]          # up to the end of the clause
    adverbs: list[Tok] = field(default_factory=list)  # between subject and main verb ("also made")
    coord: list[Tok] = field(default_factory=list)    # a second verb ("approves or declines")


def parse(toks: list[Tok], *, embedded: bool = False) -> Clause | None:
    """Split a sentence into fronted phrase, subject, verb group and rest (see module doc);
    `embedded`: a clause cut from a longer sentence, which may start with "the …"."""
    start = 0
    front: list[Tok] = []
    first = toks[0].low if toks else ""
    if first in PREPOSITIONS or first in SKIP_START or first.endswith("ing") or (
            first.endswith("ed") and base_of(first) is not None):
        # a fronted phrase ("In 2003,", "However,", "After leaving the group,"): the clause follows its comma
        comma = next((i for i, t in enumerate(toks[:16]) if t.text == "," and not (
            0 < i < len(toks) - 1 and is_year(toks[i + 1]) and re.fullmatch(r"\d{1,2}", toks[i - 1].text))), None)
        date_end = date_span_end(toks, 1) if first in ("in", "on", "by", "since") and len(toks) > 2 else None
        if date_end is None and first in ("in", "since", "by") and len(toks) > 2 and is_year(toks[1]):
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
    if body[0].low in BASE_VERBS and not any(finite(t) for t in body[2:7]):
        return None  # an instruction ("Cancel unused bookings in Navan …"): no subject to ask about
    if body[0].low in ("it", "they", "there") or (body[0].low in ("this", "these") and (
            len(body) < 2 or verbish(body[1], None))) or body[0].low.endswith("ing") or (
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
        if t.low in ADVERBS and i + 1 < len(body) and verbish(body[i + 1], t):
            vi = i
            break
        if verbish(t, body[i - 1]) and t.low not in AUX and i + 1 < len(body) and (
                (base_of(t.low) == t.low and verbish(body[i + 1], t)) or body[i + 1].low in AUX):
            i += 1  # "a standard review takes": a noun that looks like a verb, before the verb
            continue
        if verbish(t, body[i - 1]):
            # a reduced relative clause ("employees based in Lisbon receive …"): keep looking
            if (t.low not in AUX and t.low.endswith("ed") and i + 1 < len(body) and body[i + 1].low in PREPOSITIONS
                    and any(verbish(body[k], body[k - 1]) for k in range(i + 2, min(len(body), i + 8)))):
                i += 1
                continue
            joiners = BOUNDARY | {"and", "or", "that", "to"}
            if t.low not in AUX and t.low.endswith("ed") and any(
                    finite(x) and not x.low.endswith("ed") and body[k - 1].low not in joiners
                    for k, x in enumerate(body[i + 1:i + 5], start=i + 1)):
                i += 1  # "Google Workspace advanced mobile management applies …": "advanced" is no verb
                continue
            vi = i
            break
        i += 1
    if vi is None:
        return None
    subject = body[:vi]
    adverbs: list[Tok] = []
    while body[vi].low in ADVERBS:
        adverbs.append(body[vi])
        vi += 1
    if len(subject) > 7 or any(t.low in PRONOUNS | {"that", "which", "who", "whom"} for t in subject[1:]) or any(
            t.text[:1].isdigit() and not re.fullmatch(r"\d+(?:st|nd|rd|th)", t.text) for t in subject):
        return None
    j = vi
    aux: str | None = None
    main: Tok | None = None
    verbs: list[Tok] = []
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
    coord: list[Tok] = []
    if main is not None and j + 1 < len(body) and body[j].low in ("and", "or") and finite(body[j + 1]):
        coord = [body[j], body[j + 1]]
        j += 2
    rest = body[j:]
    return Clause(front, subject, aux, verbs, main, rest, adverbs, coord)


def span(toks: list[Tok], text: str) -> str:
    return text[toks[0].start:toks[-1].end] if toks else ""


def cut_at_boundary(rest: list[Tok], after: int) -> list[Tok]:
    """`rest` up to the first clause boundary at or after index `after`."""
    for i in range(after, len(rest)):
        t = rest[i]
        if t.low in BOUNDARY or (t.low in ("and", "or") and i + 1 < len(rest) and verbish(rest[i + 1], t)):
            return rest[:i]
    return rest


def quoted_indices(rest: list[Tok]) -> set[int]:
    """Indices of the tokens between quotation marks."""
    inside, out = False, set()
    for i, t in enumerate(rest):
        if t.text in ('"', "“", "”"):
            inside = t.text != "”" and not (inside and t.text == '"')
            continue
        if inside:
            out.add(i)
    return out


def cut_at_and(rest: list[Tok], after: int) -> list[Tok]:
    """`rest` up to the first `and`/`or` at or after `after` ("EUR 60 in Lisbon and CAD 90 in
    Toronto": the amount's own phrase ends before the next amount)."""
    for i in range(after, len(rest)):
        if rest[i].low in ("and", "or"):
            return rest[:i]
    return rest


def clear_before(rest: list[Tok], upto: int) -> bool:
    """No clause boundary before index `upto` of `rest` (the answer is in the main clause);
    `and`/`or` count as one unless a verb follows ("born and raised in …" is one clause)."""
    for i, t in enumerate(rest[:upto]):
        if t.low in BOUNDARY or t.text == ",":
            return False
        if t.low in ("and", "or") and not (i + 1 < len(rest) and verbish(rest[i + 1], t)):
            return False
    return True


def phrase(parts: list[str]) -> str:
    s = " ".join(p for p in parts if p and p.strip())
    s = re.sub(r"\s+", " ", s).strip().rstrip(",;:—–- ")
    s = re.sub(r"\s+([,;:?])", r"\1", s)
    return s[:1].upper() + s[1:] + "?" if s else ""


def subject_text(clause: Clause, text: str, entity: str | None) -> str | None:
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
        return f"{entity}'s " + span(subj[1:], text)
    s = span(subj, text)
    if first.low in DETERMINERS or (first.low in ("full-time", "part-time", "new", "all", "every")):
        s = s[:1].lower() + s[1:]
    return s


def do_form(clause: Clause) -> tuple[str, str] | None:
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


def names_in(toks: list[Tok], text: str) -> tuple[str, ...]:
    """Names in a sentence (`tokens(text)`, text): runs of capitalised words (not a
    sentence-initial function word), as written."""
    out: list[str] = []
    run: list[Tok] = []
    for i, t in enumerate([*toks, Tok(".", 0, 0)]):
        if t.cap and t.text[0].isalpha() and t.low not in PRONOUNS and not (i == 0 and t.low in SKIP_START
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
                out.append(span(run, text))
            run = []
    return tuple(dict.fromkeys(out))


def cap_np(rest: list[Tok], i: int) -> int:
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


def noun_phrase_after(rest: list[Tok], i: int, limit: int = 3) -> int:
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


def date_span_end(rest: list[Tok], i: int) -> int | None:
    """End of a date starting at rest[i]: `September 4, 1981`, `4 September 1981`, `March 2009`,
    `13 June`; None when no date starts there."""
    j = i
    if j < len(rest) and re.fullmatch(r"\d{1,2}", rest[j].text) and j + 1 < len(rest) and rest[j + 1].low in MONTHS:
        j += 2
        if j < len(rest) and is_year(rest[j]):
            j += 1
        return j
    if j < len(rest) and rest[j].low in MONTHS and rest[j].cap:
        j += 1
        if j < len(rest) and re.fullmatch(r"\d{1,2}", rest[j].text):
            j += 1
            if j < len(rest) and rest[j].text == ",":
                j += 1
        if j < len(rest) and is_year(rest[j]):
            return j + 1
        return j if j - i >= 2 and rest[j - 1].text != "," else None
    return None
