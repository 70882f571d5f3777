"""Groundedness and citation correctness: is the answer backed by what was retrieved?

`groundedness` = supported sentences / sentences of the answer, where

    a sentence is supported when at least 80% of its content tokens occur in a single
    retrieved chunk. Content tokens are the sentence's distinct lower-cased word tokens
    (`\\w+`) without English stopwords; a sentence made only of stopwords keeps all its word
    tokens, so every sentence has at least one token. Sentences come from `split_sentences`.

This is a lexical support check (a sentence copied or lightly rephrased from one chunk is
supported; a claim whose words are not in any single chunk is not). It is cheap, offline and
deterministic; it does not detect a negation or a paraphrase with other words. Sources:
the "attribution" idea of Rashkin et al. 2023 (AIS, "Measuring Attribution in Natural
Language Generation Models"), approximated by token overlap as in RAGAS-style faithfulness
without a model.

`citation_precision` = distinct cited document ids that are evidence of the item / distinct
cited document ids (answered items with evidence and at least one citation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from shipcall.core.datasets import Item
from shipcall.core.metrics.abstention import is_abstention
from shipcall.core.runs import Citation, ItemResult
from shipcall.core.text import sentence_spans, split_sentences  # noqa: F401 - re-exported

SUPPORT_THRESHOLD = 0.8


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# English stopwords (the NLTK list without contraction fragments).
STOPWORDS: frozenset[str] = _wordset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves"""
)

_TOKEN = re.compile(r"\w+")

# --- support ------------------------------------------------------------------------------------


def word_tokens(text: str) -> list[str]:
    """Lower-cased `\\w+` tokens."""
    return _TOKEN.findall(text.lower())


def content_tokens(sentence: str) -> set[str]:
    """The sentence's distinct word tokens without stopwords; all its word tokens if only
    stopwords remain; empty only for a sentence without any word."""
    words = set(word_tokens(sentence))
    return (words - STOPWORDS) or words


@lru_cache(maxsize=16_384)
def _token_set(text: str) -> frozenset[str]:
    """A retrieved chunk's word tokens; cached because the same chunks come back for many items."""
    return frozenset(word_tokens(text))


def is_supported(tokens: set[str], chunk_token_sets: Iterable[set[str] | frozenset[str]]) -> bool:
    """At least 80% of `tokens` (and at least one) occur in one single chunk's tokens."""
    need = len(tokens)
    if need == 0:
        return False
    # found / need ≥ 0.8, in integers: 5·found ≥ 4·need
    return any(5 * len(tokens & chunk) >= 4 * need for chunk in chunk_token_sets)


def groundedness(answer: str, retrieved_texts: Sequence[str]) -> float | None:
    """Supported sentences / sentences (with at least one word) of the answer; None when the
    answer has no such sentence or nothing was retrieved."""
    if not retrieved_texts:
        return None
    sentences = [t for t in (content_tokens(s) for s in split_sentences(answer)) if t]
    if not sentences:
        return None
    chunks = [_token_set(t) for t in retrieved_texts]
    return sum(is_supported(t, chunks) for t in sentences) / len(sentences)


def citation_precision(citations: Sequence[Citation], evidence: Mapping[str, int]) -> float | None:
    """Distinct cited documents in `evidence` / distinct cited documents; None without citations."""
    cited = {c.doc_id for c in citations}
    if not cited:
        return None
    return sum(1 for d in cited if evidence.get(d, 0) > 0) / len(cited)


def score_groundedness(item: Item, result: ItemResult, retrieved_texts: Sequence[str]) -> dict[str, float]:
    """`groundedness` for answered items given the retrieved chunk texts; `{}` otherwise."""
    if is_abstention(result):
        return {}
    g = groundedness(result.answer, retrieved_texts)
    return {} if g is None else {"groundedness": g}


def score_citations(item: Item, result: ItemResult) -> dict[str, float]:
    """`citation_precision` for answered items with evidence and citations; `{}` otherwise."""
    if is_abstention(result) or not item.evidence:
        return {}
    p = citation_precision(result.citations, item.evidence)
    return {} if p is None else {"citation_precision": p}
