"""Metrics named in words, for the people who read verdicts, narratives, reports and pages (the
formulas stay in the registry's `doc`).

- `plain(metric)`: what one item scoring 1 means for the person who asked, as a verb phrase
  ("refuses a question the documents answer"); never a metric id. The narratives use it.
- `describe(metric)`: the metric for a table or a plot: its family (answers, refusals,
  retrieval, ...), its name in words as a noun phrase (`words`: "refusals of questions the
  documents answer"), the registry's definition, its direction and how its values are written
  (a share as a percentage, a score as a decimal, milliseconds, dollars). `format_value` and
  `format_delta` write values and changes that way.

Lookups go through dictionaries keyed by the metric's name or its family (`recall` for
`recall@5`, `precision` for `precision[billing]`); a metric nobody named here keeps its id and
lands in the family "Other", so a new task's metrics show up (unnamed) rather than disappear.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from shipcall.core.metrics.registry import metric_info

# What one item scoring 1 on the metric means for the person who asked.
PLAIN: dict[str, str] = {
    "contains_answer": "gives the right answer",
    "exact_match": "gives exactly the right answer",
    "f1": "overlaps the right answer word for word",
    "answer_recall": "covers the words of the right answer",
    "false_answer_rate": "answers a question the documents do not cover",
    "over_refusal_rate": "refuses a question the documents answer",
    "abstain_recall": "declines questions the documents do not cover",
    "abstain_precision": "declines only questions the documents do not cover",
    "groundedness": "says only what its sources say",
    "citation_precision": "cites sources that support the answer",
    "assertion_pass_rate": "passes the checks written for the question",
    "latency_ms_p50": "typical response time",
    "latency_ms_p95": "response time for the slowest 1 in 20 questions",
    "accuracy": "picks the right label",
    "macro_f1": "gets every label right, rare ones counted as much as common ones",
    "weighted_f1": "gets the labels right, weighted by how common they are",
    "ece": "is as sure as it is right (calibration error)",
    "rouge1": "uses the words of the reference summary",
    "rouge2": "uses the word pairs of the reference summary",
    "rougeL": "follows the reference summary's wording",
    "key_point_coverage": "covers the key points",
}
_PLAIN_AT_K = {"recall": "finds the right documents among its top {k}",
         "hit": "finds a right document among its top {k}",
         "precision": "ranks only right documents in its top {k}",
         "mrr": "ranks the first right document near the top of {k}",
         "ndcg": "ranks the right documents at the top of {k}"}
# Nouns for counting per 1,000 questions.
EVENT: dict[str, str] = {
    "false_answer_rate": "wrong answers to questions the documents do not cover",
    "over_refusal_rate": "refusals of questions the documents answer",
    "contains_answer": "right answers",
}


def plain(metric: str) -> str:
    """The metric in words ("refuses a question the documents answer")."""
    if metric in PLAIN:
        return PLAIN[metric]
    m = re.fullmatch(r"([a-z]+)@(\d+)", metric)
    if m and m.group(1) in _PLAIN_AT_K:
        return _PLAIN_AT_K[m.group(1)].format(k=m.group(2))
    if metric.startswith("judge_"):
        return f"is judged {metric[len('judge_'):].replace('_', ' ')} by the LLM judge"
    if "[" in metric:
        base, label = metric.rstrip("]").split("[", 1)
        return f"{plain(base)} for {label.replace('_', ' ')}"
    return metric.replace("_", " ").replace("@", " at ")

Kind = Literal["share", "score", "ms", "usd", "count"]

# Families in the order a report lists them.
FAMILIES: dict[str, str] = {
    "answers": "Answers",
    "refusals": "Refusals",
    "grounding": "Grounding and citations",
    "retrieval": "Retrieval",
    "classification": "Classification",
    "summaries": "Summaries",
    "judge": "LLM judge",
    "speed": "Speed",
    "cost": "Cost",
    "other": "Other",
}


@dataclass(frozen=True)
class _Words:
    family: str
    words: str  # a noun phrase; "{k}" / "{label}" filled in for families
    kind: Kind = "share"


# Metrics "at k" and per-label metrics, by the family part of their name.
_AT_K: dict[str, _Words] = {
    "recall": _Words("retrieval", "evidence documents found in the top {k}"),
    "precision": _Words("retrieval", "top-{k} results that are evidence"),
    "hit": _Words("retrieval", "questions with an evidence document in the top {k}"),
    "mrr": _Words("retrieval", "how high the first evidence document ranks (top {k}; 1 = first)", "score"),
    "ndcg": _Words("retrieval", "ranking quality of the top {k} (1 = ideal order)", "score"),
}
_PER_LABEL: dict[str, _Words] = {
    "precision": _Words("classification", "items predicted as {label} that are {label}"),
    "recall": _Words("classification", "{label} items found"),
    "f1": _Words("classification", "F1 of label {label}", "score"),
}
_PLAIN: dict[str, _Words] = {
    "exact_match": _Words("answers", "answers exactly equal to a gold answer"),
    "f1": _Words("answers", "word overlap of answer and gold answer (F1)", "score"),
    "contains_answer": _Words("answers", EVENT["contains_answer"]),
    "answer_recall": _Words("answers", "gold-answer words the answer covers", "score"),
    "assertion_pass_rate": _Words("answers", "item checks (assertions) passed"),
    "groundedness": _Words("grounding", "answer sentences supported by the retrieved text"),
    "citation_precision": _Words("grounding", "cited documents that are evidence"),
    "abstain_recall": _Words("refusals", "questions the documents do not cover that were declined"),
    "abstain_precision": _Words("refusals", "refusals that were right to refuse"),
    "false_answer_rate": _Words("refusals", EVENT["false_answer_rate"]),
    "over_refusal_rate": _Words("refusals", EVENT["over_refusal_rate"]),
    "latency_ms_p50": _Words("speed", "typical response time (median)", "ms"),
    "latency_ms_p95": _Words("speed", "slow response time (95th percentile)", "ms"),
    "ttft_ms_p50": _Words("speed", "typical time to the first word (median)", "ms"),
    "ttft_ms_p95": _Words("speed", "slow time to the first word (95th percentile)", "ms"),
    "tokens_in": _Words("cost", "prompt tokens sent", "count"),
    "tokens_out": _Words("cost", "answer tokens received", "count"),
    "cost": _Words("cost", "cost of the run", "usd"),
    "cost_per_item": _Words("cost", "cost per item", "usd"),
    "cost_paid": _Words("cost", "money this run paid (cache hits are free)", "usd"),
    "accuracy": _Words("classification", "items given the right label"),
    "macro_f1": _Words("classification", "F1 averaged over labels, each label counting equally", "score"),
    "weighted_f1": _Words("classification", "F1 averaged over labels, weighted by their size", "score"),
    "ece": _Words("classification", "confidence miscalibration (0 = calibrated)", "score"),
    "rouge1": _Words("summaries", "word overlap with the reference summary (ROUGE-1)", "score"),
    "rouge2": _Words("summaries", "word-pair overlap with the reference summary (ROUGE-2)", "score"),
    "rougeL": _Words("summaries", "longest shared word sequence with the reference (ROUGE-L)", "score"),
    "rougeLsum": _Words("summaries", "longest shared sequences, sentence by sentence (ROUGE-Lsum)", "score"),
    "key_point_coverage": _Words("summaries", "key points the summary covers"),
    "summary_words": _Words("summaries", "summary length (words)", "count"),
    "compression": _Words("summaries", "summary length / source length", "score"),
}
_JUDGE_SUFFIX_WORDS: dict[str, _Words] = {
    "_self_agreement": _Words("judge", "the judge agreeing with itself on {name}"),
    "_flip_rate": _Words("judge", "items whose {name} verdict flips between repeats"),
    "_noise": _Words("judge", "noise of the judge's {name} verdict", "score"),
    "_kappa": _Words("judge", "agreement of the judge with people on {name} (kappa)", "score"),
}
_AT_K_NAME = re.compile(r"([a-z_]+)@([1-9][0-9]*)")
_LABEL_NAME = re.compile(r"([a-z_0-9]+)\[(.+)\]")


@dataclass(frozen=True)
class MetricText:
    """A metric for a reader: `words` names it as a noun phrase ("refusals of questions the
    documents answer"), `definition` is the registry's formula, `family` a key of FAMILIES."""

    name: str
    family: str
    words: str
    definition: str
    higher_is_better: bool
    kind: Kind

    @property
    def family_title(self) -> str:
        return FAMILIES[self.family]

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


def _words(name: str) -> _Words | None:
    if name in _PLAIN:
        return _PLAIN[name]
    if (m := _AT_K_NAME.fullmatch(name)) and m.group(1) in _AT_K:
        w = _AT_K[m.group(1)]
        return _Words(w.family, w.words.format(k=m.group(2)), w.kind)
    if (m := _LABEL_NAME.fullmatch(name)) and m.group(1) in _PER_LABEL:
        w = _PER_LABEL[m.group(1)]
        return _Words(w.family, w.words.format(label=m.group(2)), w.kind)
    if name.startswith("judge_"):
        for suffix, w in _JUDGE_SUFFIX_WORDS.items():
            if name.endswith(suffix):
                return _Words(w.family, w.words.format(name=name[6:-len(suffix)]), w.kind)
        return _Words("judge", f"LLM judge's verdict on {name[6:]} (0–1)", "score")
    return None


def describe(name: str) -> MetricText:
    """The words for any metric name; unknown names keep their id and land in "Other"."""
    info = metric_info(name)
    w = _words(name)
    higher = info.higher_is_better if info is not None else True
    definition = info.doc if info is not None else "no definition in the metric registry"
    if w is None:
        kind: Kind = "ms" if "_ms" in name else "share"
        return MetricText(name, "other", name, definition, higher, kind)
    return MetricText(name, w.family, w.words, definition, higher, w.kind)


def group_by_family(names: list[str]) -> list[tuple[str, list[MetricText]]]:
    """(family title, metrics) in FAMILIES order; metrics keep the order they came in."""
    groups: dict[str, list[MetricText]] = {}
    for n in names:
        t = describe(n)
        groups.setdefault(t.family, []).append(t)
    return [(FAMILIES[f], groups[f]) for f in FAMILIES if f in groups]


def format_value(name: str, value: float | None) -> str:
    """A value as a person reads it: shares as percentages (53.3%), scores with three decimals,
    milliseconds with one, dollars with four significant digits."""
    if value is None or not math.isfinite(value):
        return "–"
    kind = describe(name).kind
    return _FORMATS[kind](value)


def format_delta(name: str, delta: float | None) -> str:
    """A change as a person reads it: percentage points for shares (+16.7 pp), else signed."""
    if delta is None or not math.isfinite(delta):
        return "–"
    kind = describe(name).kind
    return _DELTA_FORMATS[kind](delta)


_FORMATS = {
    "share": lambda v: f"{100 * v:.1f}%",
    "score": lambda v: f"{v:.3f}",
    "ms": lambda v: f"{v:,.1f} ms",
    "usd": lambda v: f"${v:,.4g}",
    "count": lambda v: f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}",
}
_DELTA_FORMATS = {
    "share": lambda v: f"{100 * v:+.1f} pp",
    "score": lambda v: f"{v:+.3f}",
    "ms": lambda v: f"{v:+,.1f} ms",
    "usd": lambda v: f"{'+' if v >= 0 else '−'}${abs(v):,.4g}",
    "count": lambda v: f"{v:+,.0f}",
}
