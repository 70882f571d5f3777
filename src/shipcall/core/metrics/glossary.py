"""Metrics named in words, for the people who read verdicts and narratives (not the formulas:
those are in the registry's `doc`). `plain(metric)` never returns a metric id."""

from __future__ import annotations

import re

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
_AT_K = {"recall": "finds the right documents among its top {k}",
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
    if m and m.group(1) in _AT_K:
        return _AT_K[m.group(1)].format(k=m.group(2))
    if metric.startswith("judge_"):
        return f"is judged {metric[len('judge_'):].replace('_', ' ')} by the LLM judge"
    if "[" in metric:
        base, label = metric.rstrip("]").split("[", 1)
        return f"{plain(base)} for {label.replace('_', ' ')}"
    return metric.replace("_", " ").replace("@", " at ")
