"""Answer metrics: SQuAD v2 exact match and F1, and two measures for sentence-length answers
scored against short gold answers (`contains_answer`, `answer_recall`).

The prediction is "" for an abstention (see `abstention.prediction`). `exact_match` and `f1`
score the answer alone (an extractive answer's span: "20 days"). `contains_answer` and
`answer_recall` score what the reader is shown: the answer, or the context it was taken from
(its sentence), whichever scores higher (`abstention.shown_texts`), so that they measure the
same thing for a span with its sentence as for a sentence-length answer. Normalisation is the
official SQuAD v2 one (`evaluate-v2.0.py`, Rajpurkar, Jia and Liang 2018): lower-case, remove
the characters of `string.punctuation`, remove the articles a/an/the as whole words, collapse
white space. Gold answers that normalise to "" are dropped; if none is left — and always for an
unanswerable item — the single gold answer is "", so only an empty prediction scores 1 on
exact match and F1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from shipcall.core.datasets import Item
from shipcall.core.metrics.abstention import is_abstention, prediction, shown_texts
from shipcall.core.metrics.normalize import normalize_answer
from shipcall.core.runs import ItemResult


def answer_tokens(text: str) -> list[str]:
    """The normalised tokens of a text (SQuAD `get_tokens`)."""
    return normalize_answer(text).split()


def gold_answers(item: Item) -> list[str]:
    """The gold answers as the official script uses them: those that survive normalisation, or
    [""] when none does or the item is unanswerable."""
    if not item.answerable:
        return [""]
    return [a for a in item.answers if normalize_answer(a)] or [""]


def exact_match(pred: str, golds: Sequence[str]) -> float:
    """max over golds of [normalise(pred) == normalise(gold)] (SQuAD v2 `compute_exact`)."""
    p = normalize_answer(pred)
    return max(float(p == normalize_answer(g)) for g in golds)


def token_f1(pred: str, gold: str) -> float:
    """SQuAD v2 `compute_f1`: with common = |pred tokens ∩ gold tokens| (multiset),
    precision = common / |pred|, recall = common / |gold|, F1 = 2PR / (P + R); when either side
    has no tokens, 1 if both are empty else 0."""
    p, g = answer_tokens(pred), answer_tokens(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def f1(pred: str, golds: Sequence[str]) -> float:
    """max over golds of `token_f1` (SQuAD v2)."""
    return max(token_f1(pred, g) for g in golds)


def contains_answer(pred: str, golds: Sequence[str]) -> float:
    """1 if some gold answer's normalised tokens occur in the prediction's normalised tokens as a
    contiguous run of whole tokens (" 20 days " in " employees get 20 days of leave "), else 0.
    Golds that normalise to "" never match."""
    hay = f" {normalize_answer(pred)} "
    for g in golds:
        needle = normalize_answer(g)
        if needle and f" {needle} " in hay:
            return 1.0
    return 0.0


def answer_recall(pred: str, golds: Sequence[str]) -> float:
    """max over golds of |gold tokens ∩ prediction tokens| (multiset) / |gold tokens| — the share
    of a gold answer's normalised tokens the prediction contains. Golds without tokens are
    skipped; 0 if none is left."""
    p = Counter(answer_tokens(pred))
    best = 0.0
    for g in golds:
        gt = Counter(answer_tokens(g))
        if gt:
            best = max(best, sum((gt & p).values()) / sum(gt.values()))
    return best


def score_answer(item: Item, result: ItemResult) -> dict[str, float]:
    """`exact_match`, `f1`, `contains_answer`, `answer_recall` for items with gold answers or
    unanswerable items; `{}` otherwise.

    Exact match and F1 score the answer; contains_answer and answer_recall the best of the
    answer and its context. Unanswerable: exact match and F1 per SQuAD v2 (1 only for an empty
    prediction);
    contains_answer and answer_recall are 1 only for an abstention. Answerable: an abstention
    scores 0 on all four. In the degenerate case where no gold answer survives normalisation,
    exact match and F1 follow the official script (gold "") and the other two are omitted.
    """
    if item.answerable and not item.answers:
        return {}
    pred = prediction(result)
    golds = gold_answers(item)
    out = {"exact_match": exact_match(pred, golds), "f1": f1(pred, golds)}
    if not item.answerable:
        abstained = float(is_abstention(result))
        out["contains_answer"] = abstained
        out["answer_recall"] = abstained
    elif golds != [""]:
        shown = shown_texts(result) or [""]
        out["contains_answer"] = max(contains_answer(t, golds) for t in shown)
        out["answer_recall"] = max(answer_recall(t, golds) for t in shown)
    return out
