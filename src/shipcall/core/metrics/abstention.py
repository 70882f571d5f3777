"""Abstention metrics: does the system say "not in the documentation" exactly when it should?

An item's result is an abstention when the generator abstained (`ItemResult.abstained`) or
returned an answer that is empty after SQuAD normalisation ("", "the", "." — as in SQuAD v2,
where such a prediction scores exactly like "no answer"). One rule for every metric: an
unanswerable item answered "the" scores exact_match = f1 = 1 (the official script's result) and
is therefore an abstention for `false_answer_rate` and `abstain_recall` too, never a false answer.

Per item (0/1, paired tests apply):

- `abstain_recall` (unanswerable items) = 1 if abstained;
- `false_answer_rate` (unanswerable items) = 1 if answered — lower is better;
- `over_refusal_rate` (answerable items) = 1 if abstained — lower is better.

Aggregate only: `abstain_precision` = abstentions on unanswerable items / all abstentions
(Rajpurkar, Jia and Liang 2018 report no-answer precision/recall the same way).
"""

from __future__ import annotations

from shipcall.core.datasets import Item
from shipcall.core.metrics.normalize import normalize_answer
from shipcall.core.runs import ItemResult


def is_abstention(result: ItemResult) -> bool:
    """True if the result abstained or its answer normalises to nothing (module docstring)."""
    return result.abstained or not normalize_answer(result.answer)


def prediction(result: ItemResult) -> str:
    """The text answer metrics score: "" for an abstention, else the answer."""
    return "" if is_abstention(result) else result.answer


def shown_texts(result: ItemResult) -> list[str]:
    """What the reader is shown, for the metrics of sentence-length answers (`contains_answer`,
    `answer_recall`): the answer and, when the generator gives one, the context it was taken
    from (an extractive answer's sentence); [] for an abstention."""
    if is_abstention(result):
        return []
    return [result.answer] + ([result.context] if result.context.strip() else [])


def score_abstention(item: Item, result: ItemResult) -> dict[str, float]:
    """`abstain_recall` and `false_answer_rate` on unanswerable items, `over_refusal_rate` on
    answerable ones."""
    abstained = is_abstention(result)
    if item.answerable:
        return {"over_refusal_rate": float(abstained)}
    return {"abstain_recall": float(abstained), "false_answer_rate": float(not abstained)}


def abstain_precision(abstained_on_unanswerable: int, abstained_on_answerable: int) -> float | None:
    """abstentions on unanswerable items / all abstentions; None when nothing was abstained."""
    total = abstained_on_unanswerable + abstained_on_answerable
    return abstained_on_unanswerable / total if total else None
