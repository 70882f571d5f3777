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

from shipcall.config.schema import ExtractiveGenerator as ExtractiveConfig
from shipcall.core.documents import ScoredChunk
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
_METADATA = re.compile(r"^(\*[^*\s][^*]*\*|_[^_\s][^_]*_)$")
_WORD = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class _Candidate:
    text: str
    terms: frozenset[str]
    context: frozenset[str]
    scored: ScoredChunk
    position: int


class ExtractiveGenerator:
    def __init__(self, config: ExtractiveConfig, retriever: object) -> None:
        self.config = config
        self.retriever = retriever
        self._weight = getattr(retriever, "term_weight", lambda _t: 1.0)
        self._stem = getattr(retriever, "stem", lambda w: w)

    def terms(self, text: str) -> frozenset[str]:
        return frozenset(self._stem(w) for w in _WORD.findall(text.lower()) if w not in QUESTION_WORDS)

    def generate(self, question: str, chunks: list[ScoredChunk]) -> Answer:
        q = self.terms(question)
        weights = {t: self._weight(t) for t in q}
        total = math.fsum(weights.values())
        if not q or total <= 0:
            return Answer(text="", abstained=True, support=0.0)

        def cover(terms: frozenset[str]) -> float:
            return math.fsum(weights[t] for t in q & terms) / total  # fsum: independent of set order

        candidates: list[_Candidate] = []
        for sc in chunks:
            context = self.terms(" ".join(sc.chunk.heading_path))
            headings = {h.strip().lower() for h in sc.chunk.heading_path}
            for pos, (a, b) in enumerate(sentence_spans(sc.chunk.text)):
                raw = sc.chunk.text[a:b]
                line_start = sc.chunk.text.rfind("\n", 0, a) + 1
                if sc.chunk.text[line_start:a].lstrip().startswith("#"):
                    continue  # a heading is context, not an answer
                if _METADATA.match(raw.strip()):
                    continue  # an emphasised metadata line ("*Owner: … Effective …*") is no answer
                text = strip_markup(raw)
                if not text or text.lower() in headings:
                    continue
                candidates.append(_Candidate(text, self.terms(text), context, sc, pos))
        if not candidates:
            return Answer(text="", abstained=True, support=0.0)

        def key(c: _Candidate) -> tuple[float, float, int, int]:
            return (cover(c.terms | c.context), cover(c.terms), -c.scored.rank, -c.position)

        ranked = sorted(candidates, key=key, reverse=True)
        chosen = [ranked[0]]
        covered = ranked[0].terms | ranked[0].context
        for c in ranked[1:]:
            if len(chosen) >= self.config.max_sentences:
                break
            gain = cover(covered | c.terms | c.context) - cover(covered)
            if gain > 0 and c.text not in {x.text for x in chosen}:
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
