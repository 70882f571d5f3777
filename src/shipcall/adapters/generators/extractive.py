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
paragraph, next to the first (`_context`); a list item comes with the sentence that introduces
its list; the context is always in document order, so nothing is glued from two places.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from shipcall.adapters.generators.base import Capabilities, GeneratorBase
from shipcall.config.schema import ExtractiveGenerator as ExtractiveConfig
from shipcall.core.analysis import Unit, analyse
from shipcall.core.answer_types import SENTENCE_TYPES, TYPE_WORDS, answer_type
from shipcall.core.documents import Chunk, ScoredChunk
from shipcall.core.extract import (
    Question,
    numeric_match,
    numeric_values,
    pick_span,
    relevance,
    support,
    unit_relevance,
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

    def __init__(self, config: ExtractiveConfig, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self._idf = getattr(retriever, "term_weight", lambda _t: 1.0)
        self._stem = lru_cache(maxsize=100_000)(getattr(retriever, "stem", lambda w: w))
        self._cache: dict[str, list[Unit]] = {}
        self._terms: dict[str, frozenset[str]] = {}
        self._stored = getattr(retriever, "sentence_analysis", None)
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

    def _chunk_terms(self, chunk: Chunk) -> frozenset[str]:
        """The terms of all of a chunk's units (the support score's "nearby"), once per chunk."""
        got = self._terms.get(chunk.id)
        if got is None:
            if len(self._terms) >= CACHE_CHUNKS:
                self._terms.clear()
            got = self._terms[chunk.id] = frozenset().union(*(u.terms for u in self.units(chunk)))
        return got

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        q = Question.of(question, self._stem, self._idf)
        if not q.terms or q.total <= 0:
            return Answer(text="", abstained=True, support=0.0)
        top = max((sc.score for sc in chunks), default=0.0)
        values = numeric_values(question)
        candidates: list[Candidate] = []
        for sc in chunks:
            bonus = CHUNK_BONUS * sc.score / top if top > 0 else 0.0
            for u in self.units(sc.chunk):
                rank = (unit_relevance(q, u.pairs, u.other, u.context) + bonus
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
                spans[key] = pick_span(c.unit.text, kind, q, self._stem) if typed else None
            return spans[key]

        best = self._best(candidates, kind, span_of)
        chosen = self._context(best, candidates, q, kind, span_of)
        found = self._answer_span(chosen, best, kind, q, span_of)
        named: frozenset[str] = frozenset()
        if found is not None:  # it holds what the question's type words ask for ("deadline": a date)
            named = frozenset(self._stem(w) for w in TYPE_WORDS.get(kind, ())) & q.terms
        covered = support(q, named.union(*(c.unit.terms for c in chosen)),
                          frozenset().union(*(c.unit.context for c in chosen)),
                          tuple(s for c in chosen for s in c.unit.stems()),
                          self._chunk_terms(best.scored.chunk))
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
                a, b = next(((x, y) for x, y in c.unit.cells if x <= span[0] and span[1] <= y), span)
                return c.unit.text[a:b]
        for c in chosen:
            if c.unit.lead and not c.unit.lead.endswith("?"):
                span = pick_span(c.unit.lead, kind, q, self._stem)
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

        def typed(c: Candidate) -> tuple[float, int, int]:
            return (c.rank_score + (TYPE_BONUS if span_of(c) is not None else 0.0), -c.scored.rank, -c.unit.pos)

        # only a candidate within TYPE_BONUS of the best can overtake it
        reach = [c for c in ranked[:TYPED_CANDIDATES] if c.rank_score >= ranked[0].rank_score - TYPE_BONUS]
        return max(reach, key=typed)

    def _context(self, best: Candidate, candidates: list[Candidate], q: Question, kind: str,
                 span_of: Any) -> list[Candidate]:
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


def _embedded_text(c: Candidate) -> str:
    """What the encoder reads for a sentence: its heading path, then the sentence (as the dense
    index reads a chunk), so that "How much notice for the Lisbon office?" meets a sentence
    under "Lisbon office > Weekend access"."""
    head = " > ".join(c.scored.chunk.heading_path)
    return f"{head}: {c.unit.text}" if head else c.unit.text


def _render(chosen: list[Candidate]) -> str:
    """The context as one text: sentences joined by a space; list items on their own lines,
    after the sentence that introduces them (a list item alone is half a statement)."""
    parts: list[str] = []
    for c in chosen:
        if c.unit.kind == "list_item" and (parts or c.unit.lead):
            if not parts:
                parts.append(c.unit.lead)
            parts.append("\n- " + c.unit.text)
        else:
            parts.append((" " if parts else "") + c.unit.text)
    return "".join(parts)

