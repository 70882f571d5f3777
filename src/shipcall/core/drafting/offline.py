"""The offline `extractive` drafter: rule-written drafts from the corpus's own structure.

1. Every document's sentences and Markdown table rows go through the factoid rules
   (questions.py); he/she is resolved to the document's main entity (its most frequent name).
2. `sampling.allocate` shares the n drafts over the documents that have a candidate (in
   proportion to size, every document once before any twice) and `sampling.kind_sequence`
   gives each slot a kind.
3. Each slot takes its document's best unused candidate — highest rule prior plus a seeded
   jitter, a heading not used yet in that document first — and makes the slot's kind from it
   (kinds.py). A slot whose kind cannot be made (no synonym to swap, no other document sharing
   a name, nothing to swap for an absent one) falls back to a factoid draft.
4. Every draft passes checks.check_draft; a dropped draft's slot goes to the next candidate, so
   drops cost candidates, not drafts, until the corpus runs out.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shipcall.core.documents import Document
from shipcall.core.drafting import Draft, DraftResult, draft_id, draft_tags
from shipcall.core.drafting import kinds as K
from shipcall.core.drafting.checks import QuestionIndex, check_draft, reasons_count
from shipcall.core.drafting.clauses import names_in, tokens
from shipcall.core.drafting.lexicon import PERSON_NOUNS
from shipcall.core.drafting.questions import Candidate, from_sentence
from shipcall.core.drafting.sampling import allocate, kind_sequence, order_slots
from shipcall.core.drafting.tables import from_table
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.text import sentence_spans

GENERATOR = "extractive"
MULTI_HOP_PRIOR = 0.75  # only the more reliable rules' questions are joined (a bad half spoils the pair)


@dataclass(frozen=True)
class DocCandidate:
    doc_id: str
    heading: tuple[str, ...]
    c: Candidate
    sentence: tuple[int, int]   # the sentence (or table row) in the document
    answer: tuple[int, int]     # the answer span in the document


def main_entity(doc: Document) -> str | None:
    """The person the document is about, for he/she in its sentences: its most mentioned name
    (at least twice) that it never writes after a place preposition (`in Warsaw`), when the
    document uses he or she at all; else None."""
    if not re.search(r"\b(?:he|she|He|She|his|her|His|Her)\b", doc.text):
        return None
    counts: Counter[str] = Counter()
    for a, b in sentence_spans(doc.text):
        text = doc.text[a:b]
        counts.update(names_in(tokens(text), text))
    for name, n in counts.most_common(5):
        if n < 2 or name.endswith(("'s", "’s")):
            continue
        if re.search(r"\b(?:in|at|to|from|near|of) " + re.escape(name) + r"\b", doc.text):
            continue  # a place ("returned to Warsaw"), not who "he" is
        return name
    return None


def _tables(text: str, offset: int) -> list[tuple[list[str], list[str], int, int]]:
    """(header cells, row cells, row start, row end) for each Markdown table row in `text`."""
    out = []
    lines = text.split("\n")
    pos = offset
    header: list[str] | None = None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("|") and s.endswith("|"):
            cells = [c.strip() for c in s.strip("|").split("|")]
            if header is None and i + 1 < len(lines) and re.fullmatch(r"\|?[\s:|-]+\|?", lines[i + 1].strip()):
                header = cells
            elif header is not None and not all(set(c) <= set("-: ") for c in cells):
                out.append((header, cells, pos, pos + len(line)))
        else:
            header = None
        pos += len(line) + 1
    return out


_MID_NAME = re.compile(r"(?<=[\w,;:)\]] )([A-Z][\w'’&\-.]*)")


_PERSON_BEFORE = re.compile(r"\b(?:" + "|".join(sorted(PERSON_NOUNS)) + r")\s+((?:[A-Z][\w'’\-.]*\s?){1,3})")


def corpus_persons(documents: Sequence[Document]) -> frozenset[str]:
    """Names the corpus shows to be people: the person each document is about (main_entity),
    names right after a word for a person ("composer Frédéric Chopin", "her father, Mathew
    Knowles"), and names starting a sentence that the next sentence calls he or she."""
    out: set[str] = set()
    for d in documents:
        e = main_entity(d)
        if e:
            out.add(e)
        for m in _PERSON_BEFORE.finditer(d.text.replace(",", "")):
            out.add(m.group(1).strip().rstrip("."))
        spans = sentence_spans(d.text)
        for (a, b), (c, _) in zip(spans, spans[1:], strict=False):
            if d.text[c:c + 4] in ("He ", "She ") or d.text[c:c + 4] in ("His ", "Her "):
                text = d.text[a:b]
                found = names_in(tokens(text), text)
                if found and text.startswith(found[0]):
                    out.add(found[0])
    return frozenset(out)


def lower_words(texts: Sequence[str]) -> frozenset[str]:
    """Every word the corpus writes in lower case (so "Employees" starting a sentence can be
    lower-cased in a question, and "Universal" cannot)."""
    return frozenset(w for t in texts for w in re.findall(r"\b[a-z][a-z'’-]*\b", t))


def corpus_names(texts: Sequence[str]) -> frozenset[str]:
    """Words written capitalised in mid-sentence somewhere in the corpus: proper names."""
    return frozenset(m.group(1).rstrip(".") for t in texts for m in _MID_NAME.finditer(t))


def document_candidates(doc: Document, names: frozenset[str] | None = None,
                        lower: frozenset[str] | None = None, persons: frozenset[str] | None = None
                        ) -> list[DocCandidate]:
    """Every factoid candidate of one document (see the module docstring); `names` as
    `corpus_names` (default: this document's)."""
    entity = main_entity(doc)
    names = corpus_names([doc.text]) if names is None else names
    lower = lower_words([doc.text]) if lower is None else lower
    persons = corpus_persons([doc]) if persons is None else persons
    sections = list(doc.sections) or []
    out: list[DocCandidate] = []

    def heading_at(pos: int) -> tuple[str, ...]:
        for s in sections:
            if s.start <= pos < s.end:
                return s.heading_path
        return ()

    for a, b in sentence_spans(doc.text):
        text = doc.text[a:b]
        if text.lstrip().startswith("|"):
            continue
        for c in from_sentence(text, entity=entity, names=names, lower=lower, persons=persons):
            out.append(DocCandidate(doc.id, heading_at(a), c, (a, b), (a + c.start, a + c.end)))
    def is_name(phrase: str) -> bool:  # written capitalised in mid-sentence somewhere in the corpus
        return bool(phrase[:1].isupper() and phrase.split()[0] in names)

    for header, row, a, b in _tables(doc.text, 0):
        heading = heading_at(a)
        line = doc.text[a:b]
        context = heading[-1] if heading else ""
        if context.endswith("?") or context.split(" ")[0].lower() in ("what", "who", "how", "when", "where", "why"):
            context = heading[0]  # a heading that is itself a question: name the document's title instead
        for q, ans, col in from_table(header, row, context, is_name=is_name):
            pos = line.find(ans)
            span = (a + pos, a + pos + len(ans)) if pos >= 0 else (a, b)
            name = header[col].strip("*_ ")  # an unanswerable twin swaps the column's name ("Toronto"), never the row
            cand = Candidate(q, (ans,), "table_row", 0.85, 0, 0, "", (name,) if is_name(name) else ())
            out.append(DocCandidate(doc.id, heading, cand, (a, b), span))
    return out


def draft_offline(documents: Sequence[Document], n: int, *, kinds: Sequence[str], seed: int = 0,
                  existing_questions: Sequence[str] = (), on_document: Callable[[], None] | None = None
                  ) -> DraftResult:
    """Up to n drafts from `documents` (see the module docstring); `on_document` is called
    after each document is read (a progress bar)."""
    rng = random.Random(seed)
    docs = {d.id: d for d in documents}
    norm = {d.id: normalize_answer(d.text) for d in documents}
    corpus_blob = " " + " ".join(norm.values()) + " "
    years = {int(y) for t in norm.values() for y in re.findall(r"\b(1[0-9]{3}|20[0-9]{2})\b", t)}
    cands: dict[str, list[DocCandidate]] = {}
    names = corpus_names([d.text for d in documents])
    lower = lower_words([d.text for d in documents])
    persons = corpus_persons(documents)
    for d in documents:
        found = document_candidates(d, names, lower, persons)
        if on_document is not None:
            on_document()
        if found:
            jitter = {id(x): rng.random() * 0.2 for x in found}
            cands[d.id] = sorted(found, key=lambda x: -(x.c.prior + jitter[id(x)]))
    notes: list[str] = []
    if len(cands) < len(docs):
        notes.append(f"{len(docs) - len(cands)} of {len(docs)} documents have no sentence the rules can "
                     f"draft from (no names, numbers, dates or tables in a simple sentence)")
    by_entity: dict[str, list[DocCandidate]] = defaultdict(list)
    for lst in cands.values():
        for x in lst:
            for e in {*x.c.entities, x.c.subject}:
                if e and e[:1].isupper():
                    by_entity[e].append(x)
    seen = QuestionIndex(existing_questions)
    used: set[int] = set()
    used_headings: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    drafts: list[Draft] = []
    dropped: list[str] = []
    slots = order_slots(allocate({d: len(docs[d].text) for d in cands}, n, seed), seed)
    kinds_seq = kind_sequence(kinds, n, seed)
    # unanswerable drafts cover no document: give them the last slots (a document's second draft)
    kinds_seq = [k for k in kinds_seq if k != "unanswerable"] + [k for k in kinds_seq if k == "unanswerable"]
    covered: set[str] = set()

    def absent(text: str) -> bool:
        return f" {normalize_answer(text)} " not in corpus_blob

    def next_candidate(doc_id: str) -> DocCandidate | None:
        pool = [x for x in cands.get(doc_id, []) if id(x) not in used]
        if not pool:
            return None
        fresh = [x for x in pool if x.heading not in used_headings[doc_id]]
        return (fresh or pool)[0]

    def passage(x: DocCandidate, with_answer: bool = True) -> dict[str, object]:
        return {"doc_id": x.doc_id, "start": x.sentence[0], "end": x.sentence[1],
                "heading_path": list(x.heading), "answer": list(x.answer) if with_answer else None}

    def make(kind: str, x: DocCandidate) -> Draft | None:
        base = {"generator": GENERATOR, "rule": x.c.rule}
        if kind == "paraphrase":
            q, swaps = K.paraphrase(x.c.question, protected=[*x.c.answers, x.c.subject, *x.c.entities])
            if not swaps:
                return None
            return _draft(kind, q, x.c.answers, True, (x.doc_id,), x.doc_id,
                          base | {"swaps": [list(s) for s in swaps], "passages": [passage(x)]})
        if kind == "multi_hop":
            if x.c.prior < MULTI_HOP_PRIOR:
                return None
            for e in sorted({*x.c.entities, x.c.subject}, key=len, reverse=True):
                if not e or e not in by_entity:
                    continue
                for y in sorted(by_entity[e], key=lambda y: y.doc_id in covered):  # an uncovered document first
                    if y.doc_id == x.doc_id or id(y) in used or (e not in x.c.question and e not in y.c.question):
                        continue
                    if set(y.c.answers) & set(x.c.answers) or y.c.prior < MULTI_HOP_PRIOR:
                        continue
                    used.add(id(y))
                    return _draft(kind, K.join(x.c.question, y.c.question), (x.c.answers[0], y.c.answers[0]), True,
                                  (x.doc_id, y.doc_id), x.doc_id,
                                  base | {"rule": f"{x.c.rule}+{y.c.rule}", "shared": e,
                                          "passages": [passage(x), passage(y)]})
            return None
        if kind == "unanswerable":
            swapped = K.unanswerable(x.c.question, entities=[*x.c.entities, x.c.subject], absent=absent,
                                     years_present=years, rng=rng)
            if swapped is None:
                return None
            q, old, new = swapped
            return _draft(kind, q, (), False, (), x.doc_id,
                          base | {"swapped": [old, new], "near": x.doc_id, "passages": [passage(x, False)]})
        return _draft("factoid", x.c.question, x.c.answers, True, (x.doc_id,), x.doc_id,
                      base | {"passages": [passage(x)]})

    queue = [(d, kinds_seq[i] if i < len(kinds_seq) else "factoid") for i, d in enumerate(slots)]
    while queue and len(drafts) < n:
        doc_id, kind = queue.pop(0)
        got = next_candidate(doc_id)
        if got is None:
            other = next((d for d in cands if next_candidate(d) is not None and d not in {q[0] for q in queue}), None)
            if other is None:
                other = next((d for d in cands if next_candidate(d) is not None), None)
            if other is None:
                continue
            doc_id, got = other, next_candidate(other)
            assert got is not None
        used.add(id(got))
        used_headings[doc_id].add(got.heading)
        draft = make(kind, got) or make("factoid", got)
        assert draft is not None
        ev = [docs[e].text for e in draft.evidence]
        near = draft.source.get("near")
        texts = [norm[e] for e in draft.evidence] + ([norm[str(near)]] if near else [])
        why = check_draft(draft.question, draft.answers, draft.answerable, ev, texts, seen)
        if why is not None:
            dropped.append(why)
            queue.append((doc_id, kind))  # the slot tries the document's next candidate
            continue
        seen.add(draft.question)
        drafts.append(draft)
        covered.update(draft.evidence)
    if len(drafts) < n:
        notes.append(f"drafted {len(drafts)} of {n}: the rules found no more usable sentences "
                     f"(an LLM generator, `--generator VARIANT`, drafts from any passage)")
    made = Counter(d.kind for d in drafts)
    wanted = Counter(kinds_seq)
    short = {k: wanted[k] - made[k] for k in wanted if made[k] < wanted[k]}
    if short:
        notes.append("fell back to factoid drafts for " + ", ".join(f"{v} {k}" for k, v in short.items())
                     + " (no synonym to swap, no other document naming the same entity, or nothing to swap)")
    return DraftResult(drafts, reasons_count(dropped), notes,
                       {"documents": len(docs), "documents_with_candidates": len(cands),
                        "candidates": sum(len(v) for v in cands.values())})


def _draft(kind: str, question: str, answers: tuple[str, ...], answerable: bool, evidence: tuple[str, ...],
           doc_id: str, source: dict[str, object]) -> Draft:
    return Draft(draft_id(kind, question, evidence), kind, question, tuple(answers), answerable, evidence,
                 draft_tags(kind, doc_id, GENERATOR), dict(source))
