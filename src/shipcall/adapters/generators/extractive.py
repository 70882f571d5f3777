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
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from shipcall.adapters.generators.base import Capabilities, GeneratorBase
from shipcall.config.schema import ExtractiveGenerator as ExtractiveConfig
from shipcall.core.answer_types import SENTENCE_TYPES, TYPE_WORDS, answer_type
from shipcall.core.boilerplate import is_boilerplate
from shipcall.core.documents import Chunk, ScoredChunk
from shipcall.core.extract import (
    Question,
    Token,
    is_content,
    numeric_match,
    numeric_ranges,
    numeric_values,
    pick_span,
    relevance,
    support,
    tokenize,
    word_bigrams,
)
from shipcall.core.injection import instruction_like
from shipcall.core.injection import quote as quote_source
from shipcall.core.runs import Answer, Citation
from shipcall.core.text import sentence_units, strip_markup

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
_SKIP_KINDS = frozenset(["heading", "table_header", "table_rule", "front_matter", "rule", "html"])


@dataclass(frozen=True)
class Unit:
    """One answer candidate of a chunk: a sentence, list item or table row."""

    pos: int
    text: str  # as shown to the reader (a table row with its header)
    terms: frozenset[str]
    tokens: tuple[Token, ...]  # of `text`, for finding the answer span
    stems: tuple[str, ...]
    bigrams: frozenset[tuple[str, str]]
    ranges: tuple[tuple[float, float], ...]  # numbers and intervals it states ("EUR 25,000 to EUR 100,000")
    context: frozenset[str]  # heading path, inner heading, table header, list lead-in, a preceding FAQ question
    kind: str
    block: int
    lead_in: bool  # ends with ":" (a list follows)
    lead: str = ""  # a list item's lead-in sentence ("Report within 1 hour:"), shown with it
    cells: tuple[tuple[int, int], ...] = ()  # a table row's cell values in `text`


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    scored: ScoredChunk
    rank_score: float  # relevance + CHUNK_BONUS · chunk score share (+ SEMANTIC_RANK · similarity)
    similarity: float = 0.0  # question–sentence cosine similarity (`semantic`), else 0


class ExtractiveGenerator(GeneratorBase):
    """Offline and deterministic: no usage, one item at a time (shares the retriever). With
    `semantic`, it binds to the workspace for its sentence-embedding cache."""

    def __init__(self, config: ExtractiveConfig, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self._idf = getattr(retriever, "term_weight", lambda _t: 1.0)
        self._stem = lru_cache(maxsize=100_000)(getattr(retriever, "stem", lambda w: w))
        self._cache: dict[str, list[Unit]] = {}
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
        """A chunk's answer candidates, computed once per chunk."""
        cached = self._cache.get(chunk.id)
        if cached is not None:
            return cached
        out = _units(chunk, self.terms, self._stem)
        if len(self._cache) >= CACHE_CHUNKS:
            self._cache.clear()
        self._cache[chunk.id] = out
        return out

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        q = Question.of(question, self._stem, self._idf)
        if not q.terms or q.total <= 0:
            return Answer(text="", abstained=True, support=0.0)
        top = max((sc.score for sc in chunks), default=0.0)
        values = numeric_values(question)
        candidates = [Candidate(u, sc, relevance(q, u.terms, u.context, u.bigrams)
                                + (CHUNK_BONUS * sc.score / top if top > 0 else 0.0)
                                + (NUMBER_BONUS if values and numeric_match(values, u.ranges) else 0.0))
                      for sc in chunks for u in self.units(sc.chunk)]
        if not candidates:
            return Answer(text="", abstained=True, support=0.0)
        if self.scorer is not None:
            sims = self.scorer.similarities(question, [_embedded_text(c) for c in candidates])
            candidates = [replace(c, rank_score=c.rank_score + SEMANTIC_RANK * float(s), similarity=float(s))
                          for c, s in zip(candidates, sims, strict=True)]
        kind = answer_type(question)
        spans: dict[tuple[str, int], tuple[int, int] | None] = {}

        def span_of(c: Candidate) -> tuple[int, int] | None:
            key = (c.scored.chunk.id, c.unit.pos)
            if key not in spans:
                typed = kind not in SENTENCE_TYPES and not c.unit.lead_in
                spans[key] = pick_span(c.unit.text, kind, q, self._stem, c.unit.tokens) if typed else None
            return spans[key]

        best = self._best(candidates, kind, span_of)
        chosen = self._context(best, candidates, q, kind, span_of)
        found = self._answer_span(chosen, best, kind, q, span_of)
        named: frozenset[str] = frozenset()
        if found is not None:  # it holds what the question's type words ask for ("deadline": a date)
            named = frozenset(self._stem(w) for w in TYPE_WORDS.get(kind, ())) & q.terms
        covered = support(q, named.union(*(c.unit.terms for c in chosen)),
                          frozenset().union(*(c.unit.context for c in chosen)),
                          tuple(s for c in chosen for s in c.unit.stems),
                          frozenset().union(*(u.terms for u in self.units(best.scored.chunk))))
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
        base = relevance(q, best.unit.terms, best.unit.context, best.unit.bigrams)
        options = []
        for pos in (best.unit.pos - 1, best.unit.pos + 1):
            c = by_pos.get(pos)
            if c is None or c.unit.block != best.unit.block or c.unit.text == best.unit.text:
                continue
            both = relevance(q, best.unit.terms | c.unit.terms, best.unit.context | c.unit.context,
                             best.unit.bigrams | c.unit.bigrams)
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


def _units(chunk: Chunk, terms: Any, stem: Any) -> list[Unit]:
    """The answer candidates of a chunk (see the module docstring for what is skipped)."""
    text = chunk.text
    base_context = terms(" ".join(chunk.heading_path))
    headings = {h.strip().lower() for h in chunk.heading_path}
    out: list[Unit] = []
    inner_heading: frozenset[str] = frozenset()
    table_header: list[str] = []
    faq: tuple[int, frozenset[str]] | None = None  # (block, terms) of a question the document asks
    lead: tuple[str, frozenset[str]] | None = None  # the sentence ending with ":" that opens a list
    for pos, u in enumerate(sentence_units(text)):
        raw = text[u.start:u.end]
        if u.kind != "list_item":
            lead = None  # a list's lead-in reaches its items only
        if u.kind == "heading":
            inner_heading = terms(strip_markup(raw))
            faq = None
            continue
        if u.kind == "table_header":
            table_header = [c.strip() for c in raw.strip().strip("|").split("|")]
            continue
        if u.kind in _SKIP_KINDS or is_boilerplate(raw):
            continue
        shown = strip_markup(raw)
        if not shown or shown.lower() in headings:
            continue
        if shown.endswith("?"):
            faq = (u.block, terms(shown))  # a question is never an answer; it introduces one
            continue
        context = base_context | inner_heading
        own_text = shown
        cell_spans: list[tuple[int, int]] = []
        if u.kind == "table_row":
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            if table_header:
                context = context | terms(" ".join(table_header))
                if len(cells) == len(table_header):
                    parts: list[str] = []
                    at = 0
                    for h, c in zip(table_header, cells, strict=True):
                        if not c:
                            continue
                        label = f"{h}: " if h else ""
                        start = at + (2 if parts else 0) + len(label)
                        cell_spans.append((start, start + len(c)))
                        parts.append(label + c)
                        at = start + len(c)
                    shown = "; ".join(parts)
        else:
            table_header = []
        if faq is not None and u.block - faq[0] <= 1:
            context = context | faq[1]
        item_lead = ""
        if u.kind == "list_item" and lead is not None:
            context = context | lead[1]
            item_lead = lead[0]
        toks = tokenize(own_text, stem)
        out.append(Unit(pos, shown, terms(own_text), tuple(tokenize(shown, stem)), tuple(t.stem for t in toks),
                        word_bigrams(toks), numeric_ranges(own_text), context, u.kind, u.block,
                        shown.endswith(":"), item_lead, tuple(cell_spans)))
        if u.kind == "paragraph" and shown.endswith(":"):
            lead = (shown, terms(shown))
    return out
