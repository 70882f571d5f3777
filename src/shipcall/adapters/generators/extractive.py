"""The extractive generator: offline, deterministic, no model.

It answers with the retrieved sentences that best support the question and cites them.

Support score (what `min_score` thresholds), in [0, 1]: the IDF-weighted share of the
question's content terms (stemmed; stopwords and question words removed) that the chosen
sentences contain, counting the heading path of the sentence's chunk as part of the sentence
(a table row under "Meals — client entertainment" supports a question about client meals). A
term the corpus never uses weighs the most, so a question about something the documents never
mention ("…in our Brazil office?") gets a low score and an abstention.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from shipcall.adapters.generators.base import GeneratorBase
from shipcall.config.schema import ExtractiveGenerator as ExtractiveConfig
from shipcall.core.documents import Chunk, ScoredChunk
from shipcall.core.runs import Answer, Citation
from shipcall.core.text import sentence_spans, strip_markup

# Words that shape a question but carry no topic: never evidence of support.
QUESTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "did",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "many",
        "may",
        "might",
        "much",
        "must",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "shall",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "under",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "get",
        "gets",
        "got",
        "tell",
        "please",
        "need",
        "needs",
        "know",
    ]
)
# A further sentence joins the answer only when it covers this much more of the question.
MIN_GAIN = 0.1
CACHE_CHUNKS = 200_000  # chunks whose sentences stay analysed in memory
NUMBER_BONUS = 0.15
_NUMERIC_QUESTION = re.compile(
    r"\b(how (many|much|long|often|soon|far|old|early|late)|when|until|deadline|duration|length|cost|price|"
    r"amount|limit|cap|maximum|minimum|max|min|rate|percent|per cent|fee|budget|threshold|within)\b", re.I)
_HAS_NUMBER = re.compile(r"\d")
_METADATA = re.compile(r"^(\*[^*\s][^*]*\*|_[^_\s][^_]*_)$")
_WORD = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class _Candidate:
    text: str
    terms: frozenset[str]
    context: frozenset[str]
    scored: ScoredChunk
    position: int


class ExtractiveGenerator(GeneratorBase):
    """Offline and deterministic: no binding, no usage, one item at a time (shares the retriever)."""

    def __init__(self, config: ExtractiveConfig, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self._weight = getattr(retriever, "term_weight", lambda _t: 1.0)
        self._stem = lru_cache(maxsize=100_000)(getattr(retriever, "stem", lambda w: w))
        self._cache: dict[str, list[tuple[int, str, frozenset[str], frozenset[str]]]] = {}

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(self._stem(w) for w in _WORD.findall(text.lower()) if w not in QUESTION_WORDS)

    def _sentences(self, chunk: Chunk) -> list[tuple[int, str, frozenset[str], frozenset[str]]]:
        """A chunk's answer candidates (position, text, terms, context terms), computed once
        per chunk: stemming every sentence again for every question was most of the cost."""
        cached = self._cache.get(chunk.id)
        if cached is not None:
            return cached
        out: list[tuple[int, str, frozenset[str], frozenset[str]]] = []
        context = self.terms(" ".join(chunk.heading_path))
        headings = {h.strip().lower() for h in chunk.heading_path}
        table_headers = _table_headers(chunk.text)
        for pos, (a, b) in enumerate(sentence_spans(chunk.text)):
            raw = chunk.text[a:b]
            line_start = chunk.text.rfind("\n", 0, a) + 1
            if chunk.text[line_start:a].lstrip().startswith("#"):
                continue  # a heading is context, not an answer
            header = table_headers.get(line_start)
            if header == "":
                continue  # a table's header row names columns; it answers nothing
            if _METADATA.match(raw.strip()):
                continue  # an emphasised metadata line ("*Owner: … Effective …*") is no answer
            text = strip_markup(raw)
            if not text or text.lower() in headings:
                continue
            out.append((pos, text, self.terms(text), context | self.terms(header) if header else context))
        if len(self._cache) >= CACHE_CHUNKS:
            self._cache.clear()
        self._cache[chunk.id] = out
        return out

    def generate(self, question: str, chunks: list[ScoredChunk]) -> Answer:
        q = self.terms(question)
        weights = {t: self._weight(t) for t in q}
        total = math.fsum(weights.values())
        if not q or total <= 0:
            return Answer(text="", abstained=True, support=0.0)

        def cover(terms: frozenset[str]) -> float:
            return math.fsum(weights[t] for t in q & terms) / total  # fsum: independent of set order

        candidates = [_Candidate(text, terms, context, sc, pos)
                      for sc in chunks for pos, text, terms, context in self._sentences(sc.chunk)]
        if not candidates:
            return Answer(text="", abstained=True, support=0.0)

        wants_number = bool(_NUMERIC_QUESTION.search(question))

        def key(c: _Candidate) -> tuple[float, float, int, int]:
            # Ranking only (never the support score): a question asking for an amount, a
            # duration or a date prefers sentences that carry a number.
            bonus = NUMBER_BONUS if wants_number and _HAS_NUMBER.search(c.text) else 0.0
            return (cover(c.terms | c.context) + bonus, cover(c.terms), -c.scored.rank, -c.position)

        ranked = sorted(candidates, key=key, reverse=True)
        chosen = [ranked[0]]
        covered = ranked[0].terms | ranked[0].context
        for c in ranked[1:]:
            if len(chosen) >= self.config.max_sentences:
                break
            if not (q & (c.terms | c.context)) - covered:
                continue  # adds no question term: no gain, skip the arithmetic
            gain = cover(covered | c.terms | c.context) - cover(covered)
            if gain >= MIN_GAIN and c.text not in {x.text for x in chosen}:
                chosen.append(c)
                covered |= c.terms | c.context
        support = cover(covered)
        if support < self.config.min_score:
            return Answer(text="", abstained=True, support=round(support, 6))
        citations = tuple(
            Citation(c.scored.chunk.doc_id, c.scored.chunk.id, c.scored.chunk.heading_path, c.text) for c in chosen
        )
        return Answer(
            text=" ".join(c.text for c in chosen),
            citations=citations,
            abstained=False,
            support=round(support, 6),
            sentences=tuple(c.text for c in chosen),
        )


def _table_headers(text: str) -> dict[int, str]:
    """Line start → the header row of the table the line belongs to ("" for the header row
    itself and separator rows). Table rows are lines with `|` cells (Markdown tables, and the
    `cell | cell` lines the HTML loader writes); the first row of a block is its header."""
    out: dict[int, str] = {}
    header: str | None = None
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if "|" in stripped and (stripped.startswith("|") or " | " in stripped):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                out[pos] = ""
            elif header is None:
                header = " ".join(cells)
                out[pos] = ""
            else:
                out[pos] = header
        elif stripped:
            header = None
        pos += len(line) + 1
    return out
