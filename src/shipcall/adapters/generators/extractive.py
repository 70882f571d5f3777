"""The extractive generator: offline, deterministic, no model.

It reads the retrieved chunks as sentences (hard-wrapped lines joined, see `core.blocks`), finds
the sentence that best supports the question, and answers with the span of the asked type
inside it (`core.answer_types`: a number, an amount, a duration, a date, a person or team, an
address), with that sentence as the answer's context and citation. Yes/no, definition and
procedure questions are answered with the sentence itself (and the list a sentence ending in
":" introduces). When the support score (`core.extract.support`) of the best sentence is below
`min_score`, it abstains; the retrieved chunks are then shown as near misses.

Never answers: headings, table header rows, sentences that are questions (FAQ pages ask them;
their words become context for the answer that follows), page furniture and metadata lines
(`core.boilerplate`), front matter. A second sentence joins the context only from the same
paragraph, next to the first, or, when the best sentence holds no answer of the asked kind,
from the same section: the best one there that does (`_context`); a list item comes with the
sentence that introduces its list; the context is always in document order, and two places
that do not follow each other are shown apart (" … "), so nothing is glued from two places.

Choosing the sentence (`relevance`, for ranking): the question's words in the sentence, in its
heading path and table header (context), spelling variants the stemmer left apart, the rest of
its section, and the retriever's own score of its chunk: a paraphrased question often names its
topic in words its section's heading or neighbours use, not the answering sentence itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from shipcall.adapters.generators.base import Capabilities, GeneratorBase
from shipcall.config.schema import ExtractiveGenerator as ExtractiveConfig
from shipcall.core.analysis import Unit, analyse
from shipcall.core.answer_types import (
    ACCEPTS,
    SENTENCE_TYPES,
    TYPE_WORDS,
    answer_type,
    asks_for_several,
    at_start,
    typed_spans,
)
from shipcall.core.documents import Chunk, ScoredChunk
from shipcall.core.extract import (
    VALUE_TERM,
    Question,
    is_content,
    numeric_match,
    numeric_values,
    pick_span,
    prefix_terms,
    prefixes,
    relevance,
    support,
    tokenize,
)
from shipcall.core.injection import instruction_like
from shipcall.core.injection import quote as quote_source
from shipcall.core.runs import Answer, Citation

# Ranking only (never the support score): a sentence holding a span of the asked type, and a
# sentence of a chunk that retrieval scored high (share of the best chunk's score).
TYPE_BONUS = 0.1
CHUNK_BONUS = 0.3
NUMBER_BONUS = 0.15  # the sentence states an amount or a range holding a number of the question
# `semantic`: the similarity's weight in ranking, and its share of the support score, where it
# counts linearly from SIMILARITY_FLOOR (nothing in common) to SIMILARITY_CEILING (a paraphrase).
SEMANTIC_RANK = 1.0
SEMANTIC_SHARE = 0.5
SIMILARITY_FLOOR = 0.1
SIMILARITY_CEILING = 0.7
COMPANION_SHARE = 0.5  # a sentence of the best one's section holding the asked kind joins it from this share
TYPED_CANDIDATES = 12  # the best-supported sentences checked for a span of the asked type
MAX_LIST_ITEMS = 12  # list items shown after a sentence that introduces them with ":"
CACHE_CHUNKS = 200_000  # chunks whose sentences stay analysed in memory


class Candidate(NamedTuple):
    """A unit of a retrieved chunk, ranked for one question (a named tuple: made by the dozen per question)."""

    unit: Unit
    scored: ScoredChunk
    rank_score: float  # relevance + CHUNK_BONUS · chunk score share (+ SEMANTIC_RANK · similarity)
    similarity: float = 0.0  # question–sentence cosine similarity (`semantic`), else 0


_new_candidate = tuple.__new__  # Candidate(...) without the Python-level __new__ of a named tuple


class ExtractiveGenerator(GeneratorBase):
    """Offline and deterministic: no usage, one item at a time (shares the retriever). With
    `semantic`, it binds to the workspace for its sentence-embedding cache."""

    capabilities = Capabilities(quick=True)  # the server answers it on its event loop (server/api.py)

    def __init__(self, config: ExtractiveConfig, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self._idf = getattr(retriever, "term_weight", lambda _t: 1.0)
        self._stem = lru_cache(maxsize=100_000)(getattr(retriever, "stem", lambda w: w))
        self._cache: dict[str, list[Unit]] = {}
        self._stored = getattr(retriever, "sentence_analysis", None)  # as stored with the index (BM25)
        self._names: dict[str, frozenset[str]] = {}
        self._sections: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._scorer: Any = None
        if config.semantic:
            from shipcall.adapters.retrievers.dense import require_extra

            require_extra()  # fail at open, with the install line, not at the first question
            self.capabilities = Capabilities(binds=True)

    def bind(self, *, store: Any = None, root: Path | None = None) -> None:
        """`semantic`: sentence embeddings are cached in the workspace's state folder, beside the
        dense index's chunk embeddings (`.shipcall/embeddings`, app.workspace.STATE_DIR)."""
        if self.config.semantic:
            from shipcall.adapters.generators.semantic import SentenceScorer

            cache = root / ".shipcall" / "embeddings" if root is not None else None
            self._scorer = SentenceScorer(self.config.semantic_model, cache)

    def warm(self) -> None:
        """`semantic`: load the sentence encoder now, when the variant opens, so that the first
        answer's latency is the answer's and not the model's loading (seconds)."""
        if self.scorer is not None:
            _ = self.scorer.encoder

    @property
    def scorer(self) -> Any:
        if self._scorer is None and self.config.semantic:
            self.bind()
        return self._scorer

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(t.stem for t in tokenize(text, self._stem) if is_content(t.word))

    def units(self, chunk: Chunk) -> list[Unit]:
        """A chunk's answer candidates (core.analysis): as stored with the index when the
        retriever keeps them (BM25 does), else analysed here; once per chunk and open."""
        cached = self._cache.get(chunk.id)
        if cached is not None:
            return cached
        out = self._stored(chunk) if self._stored is not None else None
        if out is None:
            out = analyse(chunk, self._stem)
        if len(self._cache) >= CACHE_CHUNKS:
            self._cache.clear()
        self._cache[chunk.id] = out
        return out

    def section_terms(self, chunk: Chunk) -> tuple[frozenset[str], frozenset[str]]:
        """The terms of all of a chunk's candidates (its section), and the four-letter prefixes
        of their stems (`extract.prefixes`: which question terms can have a variant there), once
        per chunk."""
        found = self._sections.get(chunk.id)
        if found is None:
            terms = frozenset().union(*(u.terms for u in self.units(chunk)))
            found = (terms, prefixes(terms))
            if len(self._sections) >= CACHE_CHUNKS:
                self._sections.clear()
            self._sections[chunk.id] = found
        return found

    def names(self, chunk: Chunk) -> frozenset[str]:
        """Words the chunk (or its heading path) writes with a capital in the middle of a sentence:
        evidence that a word is a name where a sentence starts with it ("Okta signs you in…")."""
        found = self._names.get(chunk.id)
        if found is None:
            text = " > ".join(chunk.heading_path) + "\n" + chunk.text
            found = frozenset(m.group(0) for m in _CAPITALISED.finditer(text) if not at_start(text, m.start()))
            if len(self._names) >= CACHE_CHUNKS:
                self._names.clear()
            self._names[chunk.id] = found
        return found

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        q = Question.of(question, self._stem, self._idf)
        if not q.terms or q.total <= 0:
            return Answer(text="", abstained=True, support=0.0)
        top = max((sc.score for sc in chunks), default=0.0)
        values = numeric_values(question)
        sections = {sc.chunk.id: self.section_terms(sc.chunk) for sc in chunks}
        candidates: list[Candidate] = []
        for sc in chunks:
            bonus = CHUNK_BONUS * sc.score / top if top > 0 else 0.0
            section, starts = sections[sc.chunk.id]
            variable = prefix_terms(q, starts)
            for u in self.units(sc.chunk):
                rank = (relevance(q, u.terms, u.context, u.pairs, section, variable) + bonus
                        + (NUMBER_BONUS if values and numeric_match(values, u.ranges) else 0.0))
                candidates.append(_new_candidate(Candidate, (u, sc, rank, 0.0)))
        if not candidates:
            return Answer(text="", abstained=True, support=0.0)
        if self.scorer is not None:
            sims = self.scorer.similarities(question, [_embedded_text(c) for c in candidates])
            candidates = [c._replace(rank_score=c.rank_score + SEMANTIC_RANK * float(s), similarity=float(s))
                          for c, s in zip(candidates, sims, strict=True)]
        kind = answer_type(question)
        spans: dict[tuple[str, int], tuple[int, int] | None] = {}

        def span_of(c: Candidate) -> tuple[int, int] | None:
            key = (c.scored.chunk.id, c.unit.pos)
            if key not in spans:
                typed = kind not in SENTENCE_TYPES and not c.unit.lead_in
                names = self.names(c.scored.chunk).__contains__
                spans[key] = pick_span(c.unit.text, kind, q, self._stem, cells=c.unit.cells,
                                       names=names) if typed else None
            return spans[key]

        best = self._best(candidates, kind, span_of)
        chosen = self._context(best, candidates, q, kind, span_of, values)
        found = None if asks_for_several(question) else self._answer_span(chosen, best, kind, q, span_of)
        named: frozenset[str] = frozenset()
        if found is not None:  # it holds what the question's type words ask for ("deadline": a date)
            named = frozenset(self._stem(w) for w in TYPE_WORDS.get(kind, ())) & q.terms
        if values and any(numeric_match(values, c.unit.ranges) for c in chosen):
            named = named | {VALUE_TERM}
        covered = support(q, named.union(*(c.unit.terms for c in chosen)),
                          frozenset().union(*(c.unit.context for c in chosen)),
                          tuple(s for c in chosen for s in c.unit.stems()),
                          sections[best.scored.chunk.id][0])
        if self.scorer is not None:
            similarity = max(c.similarity for c in chosen)
            scaled = min(1.0, max(0.0, (similarity - SIMILARITY_FLOOR) / (SIMILARITY_CEILING - SIMILARITY_FLOOR)))
            covered = (1 - SEMANTIC_SHARE) * covered + SEMANTIC_SHARE * scaled
        score = round(covered, 6)
        if score < self.config.min_score:
            return Answer(text="", abstained=True, support=score)
        context = _render(chosen)
        answer = found if found is not None else context
        if instruction_like(context):  # a planted instruction is quoted as its document's words, never voiced
            answer = context = quote_source(context, chosen[0].scored.chunk.doc_id)
        citations: dict[str, Citation] = {}
        for c in chosen:
            ch = c.scored.chunk
            prev = citations.get(ch.id)
            snippet = c.unit.text if prev is None else f"{prev.snippet} {c.unit.text}"
            citations[ch.id] = Citation(ch.doc_id, ch.id, ch.heading_path, snippet)
        return Answer(text=answer, context=context, citations=tuple(citations.values()), abstained=False,
                      support=score, sentences=tuple(c.unit.text for c in chosen))

    def _answer_span(self, chosen: list[Candidate], best: Candidate, kind: str, q: Question,
                     span_of: Any) -> str | None:
        """The answer of the asked type: from the best sentence first, then its neighbour, then
        the sentence that introduces a chosen list item; in a table, the whole cell holding it
        ("VP of the department"). None for sentence-type questions or when nothing fits."""
        if kind in SENTENCE_TYPES:
            return None
        for c in sorted(chosen, key=lambda c: c is not best):
            span = span_of(c)
            if span is not None:
                if _ambiguous_row(c.unit, span, kind, q, self.terms):
                    return None
                a, b = next(((x, y) for x, y in c.unit.cells if x <= span[0] and span[1] <= y), span)
                return c.unit.text[a:b]
        for c in chosen:
            if c.unit.lead and not c.unit.lead.endswith("?"):
                span = pick_span(c.unit.lead, kind, q, self._stem, names=self.names(c.scored.chunk).__contains__)
                if span is not None:
                    return c.unit.lead[span[0]:span[1]]
        return None

    def _best(self, candidates: list[Candidate], kind: str, span_of: Any) -> Candidate:
        """The best-ranked candidate; among the best few, one holding a span of the asked type
        gets TYPE_BONUS (a question asking for an amount prefers a sentence with one)."""
        def base(c: Candidate) -> tuple[float, int, int]:
            return (c.rank_score, -c.scored.rank, -c.unit.pos)

        ranked = sorted(candidates, key=base, reverse=True)
        if kind in SENTENCE_TYPES:
            return ranked[0]

        # max(ranked[:TYPED_CANDIDATES] within TYPE_BONUS of the best, key=typed), where typed adds
        # TYPE_BONUS to a candidate holding a span: looked at in rank order, and stopped as soon as
        # the rest cannot overtake (their rank + TYPE_BONUS is below the best typed key): a span
        # search per candidate is the costliest step of an answer, and the first one usually holds.
        best, key = ranked[0], (float("-inf"), 0, 0)
        for c in ranked[:TYPED_CANDIDATES]:
            if c.rank_score < ranked[0].rank_score - TYPE_BONUS or c.rank_score + TYPE_BONUS < key[0]:
                break
            typed = (c.rank_score + (TYPE_BONUS if span_of(c) is not None else 0.0), -c.scored.rank, -c.unit.pos)
            if typed > key:  # strictly: max() keeps the first of equal keys
                best, key = c, typed
        return best

    def _context(self, best: Candidate, candidates: list[Candidate], q: Question, kind: str,
                 span_of: Any, values: tuple[float, ...] = ()) -> list[Candidate]:
        """The best candidate, with: the list it introduces (when it ends with ":"); else, when
        `max_sentences` allows, one neighbour from the same paragraph: the one holding the asked
        type when the best holds none ("…check in within 10 minutes. If nobody checks in, the
        room is released…"), else the one adding the most question terms (the one before on a
        tie: it usually says what "it" or "this" refers to). In document order."""
        same = [c for c in candidates if c.scored.chunk.id == best.scored.chunk.id]
        by_pos = {c.unit.pos: c for c in same}
        if best.unit.lead_in:
            items = []
            for pos in range(best.unit.pos + 1, best.unit.pos + 1 + MAX_LIST_ITEMS):
                c = by_pos.get(pos)
                if c is None or c.unit.kind != "list_item":
                    break
                items.append(c)
            if items:
                return [best, *items]
        if self.config.max_sentences < 2:
            return [best]
        if kind not in SENTENCE_TYPES and not _holds_primary(best, kind, span_of):
            # the best sentence holds no answer of the asked kind: the best one of its section that
            # does, when it is at least COMPANION_SHARE as relevant ("If nobody checks in, the room
            # is released…" + "Check in within 10 minutes of the start time.")
            # an amount the question names, stated by the best sentence, must hold in the other too:
            # "EUR 25,000 to EUR 100,000" is not joined by the row "Above EUR 100,000" for EUR 60,000
            # the best-ranked such sentence, if it reaches COMPANION_SHARE: looked for in rank order
            # (max by (rank_score, -pos)), so the span search stops at the first that holds one
            exact = bool(values) and numeric_match(values, best.unit.ranges)
            floor = COMPANION_SHARE * best.rank_score
            others = sorted((c for c in same if c is not best and not c.unit.lead_in and c.rank_score >= floor
                             and (not exact or numeric_match(values, c.unit.ranges))),
                            key=lambda c: (c.rank_score, -c.unit.pos), reverse=True)
            companion = next((c for c in others if _holds_primary(c, kind, span_of)), None)
            if companion is not None:
                return sorted([best, companion], key=lambda x: x.unit.pos)
        base = relevance(q, best.unit.terms, best.unit.context, best.unit.pairs)
        options = []
        for pos in (best.unit.pos - 1, best.unit.pos + 1):
            c = by_pos.get(pos)
            if c is None or c.unit.block != best.unit.block or c.unit.text == best.unit.text:
                continue
            both = relevance(q, best.unit.terms | c.unit.terms, best.unit.context | c.unit.context,
                             best.unit.pairs + c.unit.pairs)  # two pair sequences: no pair spans both
            gain = both - base
            completes = kind not in SENTENCE_TYPES and span_of(best) is None and span_of(c) is not None
            options.append((completes, gain, -pos, c))  # -pos: the sentence before wins a tie
        if options:
            c = max(options, key=lambda o: o[:3])[3]
            return sorted([best, c], key=lambda x: x.unit.pos)
        return [best]


def _holds_primary(c: Candidate, kind: str, span_of: Any) -> bool:
    """The candidate's answer span is of the asked kind itself (money for "how much does it
    cost", not a bare number: "past 20" is no price)."""
    span = span_of(c)
    if span is None:
        return False
    primary = ACCEPTS.get(kind, (kind,))[0]
    return any(a <= span[0] and span[1] <= b or span[0] <= a and b <= span[1]
               for a, b in typed_spans(c.unit.text, primary))


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][\w'’&-]*")


def _ambiguous_row(unit: Unit, span: tuple[int, int], kind: str, q: Question, terms: Any) -> bool:
    """A table row holding an answer of the asked kind in more than one cell ("Lisbon: EUR 85;
    Toronto: CAD 125") answers a question that names none of those cells' columns with the whole
    row: picking one cell would be a guess."""
    if len(unit.cells) < 2:
        return False
    primary = ACCEPTS.get(kind, (kind,))[0]
    found = typed_spans(unit.text, primary)
    holding = [(x, y) for x, y in unit.cells if any(x <= a and b <= y for a, b in found)]
    if len(holding) < 2:
        return False
    labels = [_label(unit.text, unit.cells, cell) for cell in holding]
    return not any(terms(label) & q.terms for label in labels)


def _label(text: str, cells: tuple[tuple[int, int], ...], cell: tuple[int, int]) -> str:
    """The header label shown before a cell value ("Toronto" of "…; Toronto: CAD 125")."""
    i = cells.index(cell)
    start = cells[i - 1][1] + 2 if i > 0 else 0
    return text[start:cell[0]].rstrip(": ")


def _embedded_text(c: Candidate) -> str:
    """What the encoder reads for a sentence: its heading path, then the sentence (as the dense
    index reads a chunk), so that "How much notice for the Lisbon office?" meets a sentence
    under "Lisbon office > Weekend access"."""
    head = " > ".join(c.scored.chunk.heading_path)
    return f"{head}: {c.unit.text}" if head else c.unit.text


def _render(chosen: list[Candidate]) -> str:
    """The context as one text: sentences that follow each other in the document joined by a
    space; two places of a section that do not (a sentence and a table row further down) by
    " … ", the mark of left-out text, so that nothing reads as glued; list items on their own
    lines, after the sentence that introduces them (a list item alone is half a statement)."""
    parts: list[str] = []
    prev: Unit | None = None
    for c in chosen:
        if c.unit.kind == "list_item" and (parts or c.unit.lead):
            if not parts:
                parts.append(c.unit.lead)
            parts.append("\n- " + c.unit.text)
        elif prev is None:
            parts.append(c.unit.text)
        else:
            follows = (c.unit.pos == prev.pos + 1 and c.unit.block == prev.block and prev.kind != "table_row"
                       and prev.text.rstrip().endswith((".", "!", "?", ":", ".)", '."')))
            parts.append((" " if follows else " … ") + c.unit.text)
        prev = c.unit
    return "".join(parts)

