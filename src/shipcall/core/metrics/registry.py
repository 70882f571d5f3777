"""The metric registry: every metric shipcall writes, with its direction and kind, and
`score_item`, which computes the per-item values of every metric that applies to an item.

Metric ids are written as they appear in output (`recall@10`, `exact_match`). Metrics "at k"
are families: `metrics_for(ks)` instantiates them for the run's k values and `metric_info`
parses any `family@k` name. Lookups go through dictionaries, never if/elif chains.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shipcall.core.datasets import Item
from shipcall.core.metrics.abstention import score_abstention
from shipcall.core.metrics.answer import score_answer
from shipcall.core.metrics.assertions import score_assertions
from shipcall.core.metrics.groundedness import score_citations, score_groundedness
from shipcall.core.metrics.retrieval import score_retrieval
from shipcall.core.runs import ItemResult


@dataclass(frozen=True)
class Metric:
    """One metric as reported.

    `per_item`: the run value is the mean of per-item values (paired tests apply); False for
    aggregate-only metrics (latency percentiles, abstain_precision). `binary`: per-item values
    are 0/1, so McNemar's exact test applies.
    """

    name: str
    higher_is_better: bool
    per_item: bool
    binary: bool
    doc: str


@dataclass(frozen=True)
class _Family:
    higher_is_better: bool
    binary: bool
    doc: str  # with "{k}" for the cut-off


# Metrics defined for every k of the run (document-level ranking against item.evidence).
AT_K_FAMILIES: dict[str, _Family] = {
    "recall": _Family(True, False, "|relevant ∩ top-{k}| / |relevant| (trec_eval, ranx recall@{k})"),
    "precision": _Family(True, False, "|relevant ∩ top-{k}| / {k}, dividing by {k} even if fewer retrieved "
                         "(trec_eval, ranx precision@{k})"),
    "hit": _Family(True, True, "1 if any relevant document is in the top {k}, else 0 (ranx hit_rate@{k})"),
    "mrr": _Family(True, False, "1 / rank of the first relevant document within the top {k}, else 0 "
                   "(ranx mrr@{k})"),
    "ndcg": _Family(True, False, "Σ_{{i≤{k}}} rel_i / log2(i+1) ÷ the same for the judged grades sorted "
                    "descending (Järvelin & Kekäläinen 2002; trec_eval, ranx ndcg@{k})"),
}


def _m(name: str, higher: bool, per_item: bool, binary: bool, doc: str) -> Metric:
    return Metric(name, higher, per_item, binary, doc)


# Metrics without a cut-off, in report order.
PLAIN_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _m("exact_match", True, True, True,
           "max over gold answers of [normalise(prediction) == normalise(gold)] (SQuAD v2 evaluate-v2.0.py)"),
        _m("f1", True, True, False,
           "max over gold answers of the token F1 of normalised prediction and gold (SQuAD v2 script)"),
        _m("contains_answer", True, True, True,
           "1 if some normalised gold answer occurs as whole tokens in the normalised answer or in the context "
           "it was taken from (its sentence)"),
        _m("answer_recall", True, True, False,
           "max over gold answers, and over the answer and its context, of |gold tokens ∩ shown tokens| "
           "(multiset) / |gold tokens|"),
        _m("assertion_pass_rate", True, True, False,
           "passing assertions / assertions of the item (contains, not-contains, regex, …)"),
        _m("groundedness", True, True, False,
           "answer sentences with ≥80% of their content tokens in one retrieved chunk / answer sentences "
           "(summarize: summary sentences, with windows of three source lines in place of chunks)"),
        _m("citation_precision", True, True, False,
           "distinct cited documents that are evidence / distinct cited documents"),
        _m("abstain_recall", True, True, True,
           "on unanswerable items: 1 if the system abstained, else 0"),
        _m("abstain_precision", True, False, False,
           "abstentions on unanswerable items / all abstentions (aggregate only)"),
        _m("false_answer_rate", False, True, True,
           "on unanswerable items: 1 if the system answered, else 0"),
        _m("over_refusal_rate", False, True, True,
           "on answerable items: 1 if the system abstained, else 0"),
        _m("latency_ms_p50", False, False, False,
           "median of total latency (ms) over items without error (numpy percentile, linear)"),
        _m("latency_ms_p95", False, False, False,
           "95th percentile of total latency (ms) over items without error (numpy percentile, linear)"),
        _m("ttft_ms_p50", False, False, False,
           "median time to first token (ms, from the question: retrieval + the generator's first token) over "
           "items without error whose generator measures it (LLM generators; numpy percentile, linear)"),
        _m("ttft_ms_p95", False, False, False,
           "95th percentile of the time to first token (ms), as ttft_ms_p50"),
        _m("tokens_in", False, False, False, "prompt tokens of the run's answers, summed (as the provider reports)"),
        _m("tokens_out", False, False, False, "completion tokens of the run's answers, summed"),
        _m("cost", False, False, False,
           "US dollars the run's answers cost at the configured prices, summed (replies from the response cache "
           "count at their original cost)"),
        _m("cost_per_item", False, False, False, "cost / items with an answer from a priced generator"),
        _m("cost_paid", False, False, False,
           "US dollars this run paid: cost minus replies served from the response cache (0 for a cached re-run)"),
    )
}

# The classify and summarize tasks' metrics (core/metrics/classification.py, summarization.py).
TASK_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _m("accuracy", True, True, True,
           "classify: per item `correct` (1 if the predicted label is the gold label, else 0); run value = "
           "correct / items with a prediction (sklearn accuracy_score)"),
        _m("macro_f1", True, False, False,
           "classify: unweighted mean over labels of F1 = 2·tp / (gold + predicted) (sklearn f1_score macro)"),
        _m("weighted_f1", True, False, False,
           "classify: mean over labels of F1 weighted by gold count (sklearn f1_score weighted)"),
        _m("ece", False, False, False,
           "classify: expected calibration error, 10 equal-width confidence bins (lo, hi]: Σ |B|/n · "
           "|accuracy(B) − mean confidence(B)| (Guo et al. 2017)"),
        _m("rouge1", True, True, False,
           "summarize: ROUGE-1 F-measure (rouge-score, Porter stemming) against the best reference by ROUGE-1"),
        _m("rouge2", True, True, False, "summarize: ROUGE-2 F-measure, same reference as rouge1"),
        _m("rougeL", True, True, False, "summarize: ROUGE-L F-measure (longest common subsequence)"),
        _m("rougeLsum", True, True, False,
           "summarize: ROUGE-Lsum F-measure (summary-level LCS over newline-separated sentences)"),
        _m("key_point_coverage", True, True, False,
           "summarize: key points with at least half their content stems in the summary / key points"),
        _m("summary_words", True, False, False,
           "summarize: words of the summary (descriptive: reported as a mean, never paired-tested)"),
        _m("compression", False, False, False,
           "summarize: summary words / source words (descriptive: reported as a mean, never paired-tested)"),
    )
}
# Per label of a classify dataset: `precision[card_arrival]`, aggregate only.
LABEL_FAMILIES: dict[str, str] = {
    "precision": "classify: tp / items predicted as the label (0 when never predicted)",
    "recall": "classify: tp / items whose gold is the label",
    "f1": "classify: 2·tp / (gold + predicted) for the label",
}
_LABEL_NAME = re.compile(r"(precision|recall|f1)\[(.+)\]")

# LLM-as-judge metrics are named after the contract's judge metrics: `judge_<name>` is the per-item
# verdict normalised to 0–1 (mean over repeats); the suffixed names are aggregate-only.
JUDGE_PREFIX = "judge_"
JUDGE_SUFFIXES: dict[str, tuple[bool, str]] = {
    "_self_agreement": (True, "share of agreeing pairs among an item's repeated verdicts, mean over items "
                              "judged at least twice (--judge-repeats N)"),
    "_flip_rate": (False, "share of items judged at least twice whose verdict differs between repeats"),
    "_noise": (False, "judge noise of the run's mean verdict: 1.96 · sqrt(mean over items of the within-item "
                      "variance of repeated verdicts / repeats) / sqrt(items)"),
    "_kappa": (True, "Cohen's kappa (1960) between the judge's verdict (modal over repeats) and human labels, "
                     "on items that have both"),
}
_JUDGE_NAME = re.compile(r"judge_([a-z][a-z0-9_]*)")


def judge_metric_info(name: str) -> Metric | None:
    """The Metric for `judge_<name>` and its aggregate-only companions; None otherwise."""
    m = _JUDGE_NAME.fullmatch(name)
    if not m:
        return None
    for suffix, (higher, doc) in JUDGE_SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(JUDGE_PREFIX + suffix):
            return Metric(name, higher, False, False, doc)
    return Metric(name, True, True, True,
                  "the LLM judge's verdict on the contract's rubric, normalised to 0–1 (scale [lo, hi]: "
                  "(v − lo) / (hi − lo); labels worst→best: index / (labels − 1)), mean over repeats")

DEFAULT_KS: tuple[int, ...] = (1, 3, 5, 10)


def _at_k(family: str, k: int) -> Metric:
    f = AT_K_FAMILIES[family]
    return Metric(f"{family}@{k}", f.higher_is_better, True, f.binary, f.doc.format(k=k))


def metrics_for(ks: Sequence[int]) -> dict[str, Metric]:
    """The registry for these k values: `family@k` for every family and k, then the plain metrics."""
    out: dict[str, Metric] = {}
    for family in AT_K_FAMILIES:
        for k in sorted(set(ks)):
            out[f"{family}@{k}"] = _at_k(family, k)
    out.update(PLAIN_METRICS)
    out.update(TASK_METRICS)
    return out


METRICS: dict[str, Metric] = metrics_for(DEFAULT_KS)

_AT_K_NAME = re.compile(r"([a-z_]+)@([1-9][0-9]*)")


def metric_info(name: str) -> Metric | None:
    """The Metric for any name, including `ndcg@7`; None if the name is unknown."""
    if name in PLAIN_METRICS:
        return PLAIN_METRICS[name]
    if name in TASK_METRICS:
        return TASK_METRICS[name]
    if (label := _LABEL_NAME.fullmatch(name)) is not None:
        return Metric(name, True, False, False, LABEL_FAMILIES[label.group(1)])
    if name.startswith(JUDGE_PREFIX):
        return judge_metric_info(name)
    m = _AT_K_NAME.fullmatch(name)
    if m and m.group(1) in AT_K_FAMILIES:
        return _at_k(m.group(1), int(m.group(2)))
    return None


_Scorer = Callable[[Item, ItemResult, Sequence[int], Sequence[str]], dict[str, float]]

# Each family scorer returns only the metrics that apply to the item (empty dict otherwise).
SCORERS: dict[str, _Scorer] = {
    "retrieval": lambda item, result, ks, texts: score_retrieval(item, result, ks),
    "answer": lambda item, result, ks, texts: score_answer(item, result),
    "abstention": lambda item, result, ks, texts: score_abstention(item, result),
    "assertions": lambda item, result, ks, texts: score_assertions(item, result),
    "groundedness": lambda item, result, ks, texts: score_groundedness(item, result, texts),
    "citations": lambda item, result, ks, texts: score_citations(item, result),
}


def score_item(
    item: Item, result: ItemResult, ks: Sequence[int], retrieved_texts: Sequence[str] = ()
) -> dict[str, float]:
    """The per-item values of every metric that applies to the item (pure).

    `retrieved_texts` are the texts of the retrieved chunks (`result.retrieved`, in rank order);
    they are needed only for groundedness. An item whose result carries an error gets `{}`.
    Which metrics apply:

    - retrieval (`recall@k` … `ndcg@k` for each k): items with evidence;
    - answer (`exact_match`, `f1`, `contains_answer`, `answer_recall`): items with gold answers or
      unanswerable items;
    - abstention: every item (`abstain_recall`, `false_answer_rate` on unanswerable items,
      `over_refusal_rate` on answerable ones);
    - `assertion_pass_rate`: items with assertions;
    - `groundedness`: answered items, given retrieved_texts;
    - `citation_precision`: answered items with evidence and citations.
    """
    if result.error is not None:
        return {}
    out: dict[str, float] = {}
    for scorer in SCORERS.values():
        out.update(scorer(item, result, ks, retrieved_texts))
    return out
