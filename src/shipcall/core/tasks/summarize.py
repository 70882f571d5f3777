"""The summarize task: a long text (meeting notes: one `Speaker: words` line per turn) → summary.

Items are `{"id", "text", "reference_summaries": [...], "key_points": [...], "tags"}`
(`key_points` optional; `notes`, `source` as for every item). A summarizer returns a `Summary`:
its text (sentences joined by newlines) and, for extractive summaries, a pointer per sentence
to the source span it came from.

Metrics per item (core/metrics/summarization.py): `rouge1`, `rouge2`, `rougeL`, `rougeLsum`,
`key_point_coverage` (items with key points), `groundedness`; descriptive and never
paired-tested: `summary_words`, `compression`. Failure modes: see FAILURE_MODES.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shipcall.core.metrics import summarization as sm
from shipcall.core.tasks.items import Fields, cohorts_of, parse_jsonl_items

TASK = "summarize"
MISSED_KEY_POINTS = 0.5  # missed_key_points: coverage below this
TOO_SHORT = 0.5  # too_short: fewer words than this share of the shortest reference
TOO_LONG = 2.0  # too_long: over the word budget, or more than this many times the longest reference

FAILURE_MODES: dict[str, str] = {
    "error": "the summarizer raised an error for the item",
    "missed_key_points": f"covers less than {MISSED_KEY_POINTS:.0%} of the item's key points",
    "too_long": f"more words than the budget (max_words), or more than {TOO_LONG:g}× the longest reference",
    "too_short": f"fewer words than {TOO_SHORT:.0%} of the shortest reference summary",
    "unsupported_sentence": "a summary sentence is not supported by the source (groundedness < 1)",
    "redundant": "two summary sentences are near-duplicates (content-word Jaccard ≥ 0.6)",
}


@dataclass(frozen=True)
class SummarizeItem:
    """One summarization case: the source text, reference summaries, optional key points."""

    id: str
    text: str
    reference_summaries: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    source: dict[str, Any] = field(default_factory=dict)

    task = TASK

    @property
    def question(self) -> str:
        """The item's input, under the name the question-answering views use."""
        return self.text

    @property
    def reviewed(self) -> bool:
        """Always: only drafted rag items wait for a person's review."""
        return True

    def cohorts(self, keys: list[str] | None = None) -> list[str]:
        return cohorts_of(self.tags, keys)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text, "reference_summaries": list(self.reference_summaries),
                             "key_points": list(self.key_points), "tags": dict(self.tags)}
        if self.notes:
            d["notes"] = self.notes
        if self.source:
            d["source"] = dict(self.source)
        return d


@dataclass(frozen=True)
class Span:
    """Where a summary sentence came from: characters [start, end) of the item's text, on
    source line `line` (1-based)."""

    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Summary:
    """A summarizer's output: the summary text (sentences joined by newlines), the source span
    of each sentence (extractive summaries; empty otherwise), and for an LLM its raw reply and
    the usage of its calls (tokens, cost; summed over a map-reduce's calls)."""

    text: str
    spans: tuple[Span, ...] = ()
    raw: str = ""
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


_KNOWN = ("id", "text", "reference_summaries", "key_points", "tags", "notes", "source")


def parse_item(obj: Any, *, file: str | None = None, line: int | None = None) -> SummarizeItem:
    """Validate one decoded JSON object as a SummarizeItem (errors name file, line and field)."""
    f = Fields(obj, file=file, line=line, known=_KNOWN, required=("id", "text", "reference_summaries"), task=TASK)
    return SummarizeItem(id=f.id(), text=f.text("text"), reference_summaries=f.strings("reference_summaries",
                                                                                          required=True),
                         key_points=f.strings("key_points", required=False), tags=f.tags(),
                         notes=f.optional_text("notes"), source=f.mapping("source"))


def parse_jsonl(text: str, *, file: str | None = None) -> list[SummarizeItem]:
    return parse_jsonl_items(text, parse_item, file=file)


# -- source text ------------------------------------------------------------------------------------

_FILLER = re.compile(r"(?<![\w'-])(?:um+|uh+|uhm|erm?|hmm+|mm+(?:-hmm)?|uh-huh|ah)(?![\w'-])\s*,?", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([.,!?;:])")
_SPEAKER = re.compile(r"^([A-Z][^:\n]{0,48}?):\s+")


def clean_turn(text: str) -> str:
    """A turn without disfluency markers (`{vocalsound}`, `{disfmarker}`, …) and fillers (um, uh,
    mm-hmm, …), white space collapsed and no space before punctuation."""
    text = sm.DISFLUENCY_MARKER.sub(" ", text)
    text = _FILLER.sub(" ", text)
    text = " ".join(text.split())
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = re.sub(r"([.,!?;:])(?:\s*[.,;:])+", r"\1", text)  # ". ," and ", ." left by removals
    return text.lstrip(" .,;:-").strip()


def split_speaker(line: str) -> tuple[str | None, str, int]:
    """(speaker, content, offset of the content in the line) for a `Speaker: content` line."""
    m = _SPEAKER.match(line)
    if not m:
        return None, line, 0
    return m.group(1).strip(), line[m.end():], m.end()


# -- scoring ----------------------------------------------------------------------------------------

def score(item: SummarizeItem, summary: Summary) -> dict[str, float]:
    """Per-item metrics of one summary; `{}` for an error."""
    if summary.error is not None:
        return {}
    text = summary.text
    out = sm.rouge(text, item.reference_summaries)
    coverage = sm.key_point_coverage(text, item.key_points)
    if coverage is not None:
        out["key_point_coverage"] = coverage
    words = len(text.split())
    out["summary_words"] = float(words)
    out["compression"] = words / max(sm.source_words(item.text), 1)
    grounded = sm.groundedness(text, item.text)
    if grounded is not None:
        out["groundedness"] = grounded
    return out


def failure_modes(item: SummarizeItem, summary: Summary, metrics: dict[str, float],
                  max_words: int | None) -> list[str]:
    """The item's failure modes, in FAILURE_MODES order ([] when none applies)."""
    if summary.error is not None:
        return ["error"]
    words = len(summary.text.split())
    ref_words = [len(r.split()) for r in item.reference_summaries]
    modes: list[str] = []
    if metrics.get("key_point_coverage", 1.0) < MISSED_KEY_POINTS:
        modes.append("missed_key_points")
    if (max_words is not None and words > max_words) or (ref_words and words > TOO_LONG * max(ref_words)):
        modes.append("too_long")
    if ref_words and words < TOO_SHORT * min(ref_words):
        modes.append("too_short")
    if metrics.get("groundedness", 1.0) < 1.0:
        modes.append("unsupported_sentence")
    if sm.near_duplicates(summary.text):
        modes.append("redundant")
    return modes


DESCRIPTIVE = ("summary_words", "compression")  # reported as means; no direction, never paired-tested


def aggregate(per_item: Sequence[dict[str, float]]) -> dict[str, float]:
    """Run- or cohort-level means of the descriptive metrics (items without error)."""
    out: dict[str, float] = {}
    for name in DESCRIPTIVE:
        values = [m[name] for m in per_item if name in m]
        if values:
            out[name] = sum(values) / len(values)
    return out
