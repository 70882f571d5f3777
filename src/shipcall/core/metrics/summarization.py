"""Summary metrics: ROUGE, key-point coverage, length, compression, groundedness, redundancy.

- `rouge1`, `rouge2`, `rougeL`, `rougeLsum`: the F-measures of Google's `rouge-score` library
  (`RougeScorer(..., use_stemmer=True)`; Lin 2004), computed against each reference summary;
  the reference with the highest `rouge1` F (the first one on a tie) is the item's reference
  for all four, so the four values always describe one comparison. `rougeLsum` splits
  sentences at newlines, which is how summarizers here join their sentences.
- `key_point_coverage` = covered key points / key points. A key point is covered when at least
  half of its distinct content words (lower-cased `\\w+` tokens without English stopwords,
  Snowball-stemmed) occur among the summary's stemmed words. Half, not all, because key points
  are topic names ("Drawing favourite animals and tool training") that a good summary states in
  its own order and words; one content word is not enough for a two-word topic.
- `summary_words` = white-space separated words of the summary (`len(summary.split())`, the
  count the word budget limits); `compression` = summary words / source words (the source
  without disfluency markers such as `{vocalsound}`).
- `groundedness` = supported summary sentences / summary sentences. A sentence is supported
  when at least 80% of its content tokens occur in one window of three consecutive source
  lines (turns) — the rule the RAG answers' groundedness uses, with source windows in place of
  retrieved chunks. A sentence copied from the source is always supported.
- Two summary sentences are near-duplicates when their content-token sets have a Jaccard
  similarity of at least 0.6 (the `redundant` failure mode).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from shipcall.core.metrics.groundedness import content_tokens, is_supported, word_tokens
from shipcall.core.text import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
KEY_POINT_SHARE = 0.5
SOURCE_WINDOW = 3
NEAR_DUPLICATE = 0.6
DISFLUENCY_MARKER = re.compile(r"\{[a-z_]+\}")


@cache
def _scorer() -> object:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge(summary: str, references: Sequence[str]) -> dict[str, float]:
    """The four ROUGE F-measures against the best reference by `rouge1` (module docstring)."""
    scorer = _scorer()
    best: dict[str, float] | None = None
    for ref in references:
        s = scorer.score(ref, summary)  # type: ignore[attr-defined]
        got = {name: float(s[name].fmeasure) for name in ROUGE_TYPES}
        if best is None or got["rouge1"] > best["rouge1"]:
            best = got
    return best or {}


@cache
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def _stems(tokens: set[str] | list[str]) -> set[str]:
    return set(_stemmer().stemWords(list(tokens)))  # type: ignore[attr-defined]


def covered_key_points(summary: str, key_points: Sequence[str]) -> list[bool]:
    """Per key point: whether at least half its content stems are in the summary."""
    have = _stems(word_tokens(summary))
    out = []
    for point in key_points:
        need = _stems(content_tokens(point))
        out.append(bool(need) and len(need & have) >= KEY_POINT_SHARE * len(need))
    return out


def key_point_coverage(summary: str, key_points: Sequence[str]) -> float | None:
    """Covered key points / key points; None without key points."""
    if not key_points:
        return None
    hits = covered_key_points(summary, key_points)
    return sum(hits) / len(hits)


def source_words(source: str) -> int:
    """Words of the source without disfluency markers."""
    return len(DISFLUENCY_MARKER.sub(" ", source).split())


def summary_sentences(summary: str) -> list[str]:
    """The summary's sentences: its lines, each split into sentences."""
    return [s for line in summary.splitlines() for s in split_sentences(line)]


def supported_sentences(summary: str, source: str) -> list[bool]:
    """Per summary sentence with a word: supported by one window of SOURCE_WINDOW source lines."""
    lines = [frozenset(word_tokens(line)) for line in source.splitlines() if line.strip()]
    if not lines:
        return []
    width = min(SOURCE_WINDOW, len(lines))
    windows = [frozenset().union(*lines[i:i + width]) for i in range(len(lines) - width + 1)]
    sentences = [t for t in (content_tokens(s) for s in summary_sentences(summary)) if t]
    return [is_supported(t, windows) for t in sentences]


def groundedness(summary: str, source: str) -> float | None:
    """Supported summary sentences / summary sentences; None for a summary without words."""
    marks = supported_sentences(summary, source)
    return sum(marks) / len(marks) if marks else None


def near_duplicates(summary: str) -> list[tuple[int, int]]:
    """Index pairs of summary sentences that are near-duplicates (Jaccard ≥ NEAR_DUPLICATE)."""
    sets = [content_tokens(s) for s in summary_sentences(summary)]
    pairs = []
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            a, b = sets[i], sets[j]
            if a and b and len(a & b) >= NEAR_DUPLICATE * len(a | b):
                pairs.append((i, j))
    return pairs
