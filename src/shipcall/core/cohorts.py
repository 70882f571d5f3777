"""Cohorts for logged queries: how a production question gets tags such as `topic=hr`.

Evaluation items carry their tags; logged queries do not. A logged query gets, per tag key:

1. the value whose **keywords** it matches most (`production.cohorts.<key>.keywords` in
   shipcall.yaml: value → words or phrases, matched on stemmed words, so "laptop" matches
   "laptops"; ties go to the value listed first); else
2. the value of that key on the **nearest dataset item** (`nearest: true`, the default), when
   that item is similar enough (cosine similarity ≥ `production.similarity`); else none.

A query whose nearest item is below `production.similarity` is **unlike any dataset item**:
the dataset has nothing like it (drift reports their share; the review queue prefers them).

Similarity is the cosine of TF-IDF vectors of stemmed content words (stopwords and question
words removed; idf = ln((1 + N) / (1 + df)) + 1 over the N dataset questions, the smoothed idf
of scikit-learn). A query word no item uses gets the largest idf, so a question about
something the dataset never asks about is far from every item. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from shipcall.core.datasets import Item

DEFAULT_SIMILARITY = 0.3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you
your yours yourself please tell know get got need want does dont im ive ok hi hello thanks thank
""".split())


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: pure computation

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def terms(text: str) -> list[str]:
    """Stemmed content words of `text`, in order (stopwords and question words removed)."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class SimilarityIndex:
    """Nearest dataset item of any question, by TF-IDF cosine (see the module docstring)."""

    def __init__(self, items: Sequence[Item]) -> None:
        from scipy.sparse import csr_matrix

        self.items = list(items)
        docs = [Counter(terms(it.question)) for it in self.items]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        self.vocab = {t: i for i, t in enumerate(sorted(df))}
        n = len(self.items)
        self.max_idf = math.log((1 + n) / 1) + 1
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in sorted(df)], dtype=np.float64)
        rows, cols, vals = [], [], []
        for i, d in enumerate(docs):
            for t, c in d.items():
                rows.append(i)
                cols.append(self.vocab[t])
                vals.append(c * self.idf[self.vocab[t]])
        m = csr_matrix((vals, (rows, cols)), shape=(n, len(self.vocab)), dtype=np.float64)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self._items_t = csr_matrix(m.multiply(1.0 / norms[:, None])).T.tocsr()

    def similarity(self, question: str, item: int) -> float:
        """Cosine similarity of `question` and the item at index `item` (0 without content words)."""
        sq, dot = 0.0, 0.0
        col = self._items_t[:, item].toarray().ravel()
        for t, c in Counter(terms(question)).items():
            j = self.vocab.get(t)
            w = c * (self.idf[j] if j is not None else self.max_idf)
            sq += w * w
            if j is not None:
                dot += w * col[j]
        return float(min(1.0, dot / math.sqrt(sq))) if sq else 0.0

    def nearest(self, questions: Sequence[str], block: int = 2000) -> list[tuple[int | None, float]]:
        """(index of the nearest item, cosine similarity) per question; (None, 0.0) when the
        dataset is empty or the question has no content words."""
        from scipy.sparse import csr_matrix

        out: list[tuple[int | None, float]] = []
        if not self.items:
            return [(None, 0.0) for _ in questions]
        for start in range(0, len(questions), block):
            chunk = questions[start:start + block]
            rows, cols, vals = [], [], []
            norms = np.zeros(len(chunk))
            for r, q in enumerate(chunk):
                sq = 0.0
                for t, c in Counter(terms(q)).items():
                    j = self.vocab.get(t)
                    w = c * (self.idf[j] if j is not None else self.max_idf)
                    sq += w * w
                    if j is not None:
                        rows.append(r)
                        cols.append(j)
                        vals.append(w)
                norms[r] = math.sqrt(sq)
            qm = csr_matrix((vals, (rows, cols)), shape=(len(chunk), len(self.vocab)), dtype=np.float64)
            sims = (qm @ self._items_t).toarray()
            best = sims.argmax(axis=1)
            for r in range(len(chunk)):
                if norms[r] == 0:
                    out.append((None, 0.0))
                    continue
                s = float(sims[r, best[r]] / norms[r])
                out.append((int(best[r]), min(1.0, s)))
        return out


def _phrase_terms(phrase: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in _WORD.findall(phrase.lower()))


def keyword_value(question_terms: Sequence[str], keywords: Mapping[str, Sequence[str]]) -> str | None:
    """The value whose keywords (words or phrases) occur most often in the question, comparing
    stemmed words in order; ties go to the value listed first; None if no keyword occurs."""
    words = list(question_terms)
    best, best_hits = None, 0
    for value, phrases in keywords.items():
        hits = 0
        for phrase in phrases:
            p = tuple(t for t in _phrase_terms(phrase) if t)
            if not p:
                continue
            k = len(p)
            hits += sum(1 for i in range(len(words) - k + 1) if tuple(words[i:i + k]) == p)
        if hits > best_hits:
            best, best_hits = value, hits
    return best


@dataclass(frozen=True)
class Assignment:
    """The cohorts of one logged query: `tags` (key → value), how each was found (`via`:
    keyword | nearest), its nearest dataset item and similarity, and whether it is unlike any item."""

    tags: dict[str, str]
    via: dict[str, str] = field(default_factory=dict)
    nearest_item: str | None = None
    similarity: float = 0.0
    unlike: bool = True

    def cohorts(self, keys: Sequence[str] | None = None) -> list[str]:
        keys = sorted(self.tags) if keys is None else keys
        return [f"{k}={self.tags[k]}" for k in keys if k in self.tags]


def _stemmed_words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower())]


def assign_cohorts(questions: Sequence[str], items: Sequence[Item], keys: Sequence[str],
                   rules: Mapping[str, Any] | None = None, *, min_similarity: float = DEFAULT_SIMILARITY,
                   index: SimilarityIndex | None = None) -> list[Assignment]:
    """Tags for each question, for the tag `keys` (see the module docstring). `rules` maps a
    key to an object with `keywords` (value → phrases) and `nearest` (bool)."""
    rules = rules or {}
    index = index if index is not None else SimilarityIndex(items)
    near = index.nearest(questions)
    out: list[Assignment] = []
    for q, (i, sim) in zip(questions, near, strict=True):
        words = _stemmed_words(q)
        item = index.items[i] if i is not None else None
        close = item is not None and sim >= min_similarity
        tags: dict[str, str] = {}
        via: dict[str, str] = {}
        for key in keys:
            rule = rules.get(key)
            kw = getattr(rule, "keywords", None) or {}
            if kw:
                v = keyword_value(words, kw)
                if v is not None:
                    tags[key], via[key] = v, "keyword"
                    continue
            if (rule is None or getattr(rule, "nearest", True)) and close and item is not None and key in item.tags:
                tags[key], via[key] = item.tags[key], "nearest"
        out.append(Assignment(tags, via, item.id if item is not None else None, sim, not close))
    return out
