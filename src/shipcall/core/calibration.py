"""Calibration: choose the abstention threshold (`min_score`) on a dataset, under a limit on
false answers, by cross-validation; and the trade-off curve behind the choice.

An item is answered when its support score is at least the threshold t. For a set of items:

    false answers(t) = unanswerable items with support ≥ t        FAR(t) = false answers / unanswerable
    refusals(t)      = answerable items with support < t          ORR(t) = refusals / answerable

The rule for a limit α: the lowest threshold (so the fewest refusals) whose FAR is at most α,
among the items' support values (and 0). Applied to the very data it was chosen on, that rule
is optimistic: on new questions FAR comes out above α. So the rule is applied with a margin δ,
at α − δ, and δ is chosen by K-fold cross-validation, stratified by answerable/unanswerable: for
each δ (0, 0.01, …, α), each fold's threshold is chosen on the other folds and counted on the
fold itself; the pooled held-out FAR and ORR estimate what the choice does on new questions.
The smallest δ whose cross-validated FAR is at most α wins (δ = α, answering only what beats
every unanswerable training item, when none does), and the final threshold is the rule at α − δ
on all items. Intervals are Wilson score intervals (95%) of the counts (Wilson 1927; scipy's
`BinomTestResult.proportion_ci(method="wilson")`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

MARGIN_STEP = 0.01


@dataclass(frozen=True)
class Scored:
    """One item: answerable or not, and the support score its answer got."""

    answerable: bool
    support: float


@dataclass(frozen=True)
class Rate:
    """count / n with its 95% Wilson interval (rate 0 and interval (0, 1) when n is 0)."""

    count: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.count / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"rate": round(self.rate, 6), "count": self.count, "n": self.n,
                "ci": [round(self.low, 6), round(self.high, 6)]}


def wilson(count: int, n: int) -> Rate:
    if n == 0:
        return Rate(0, 0, 0.0, 1.0)
    from scipy.stats import binomtest

    ci = binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    return Rate(count, n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    false_answers: Rate  # over unanswerable items
    refusals: Rate  # over answerable items


@dataclass(frozen=True)
class Calibration:
    """The chosen threshold with its cross-validated and in-sample rates."""

    threshold: float
    max_false_answer: float
    margin: float  # δ: the rule was applied at max_false_answer − margin
    folds: int
    seed: int
    cv_false_answers: Rate
    cv_refusals: Rate
    fold_thresholds: tuple[float, ...]
    in_sample_false_answers: Rate
    in_sample_refusals: Rate
    curve: tuple[CurvePoint, ...]
    met: bool  # the cross-validated FAR is within the limit


def counts(items: Sequence[Scored], t: float) -> tuple[int, int, int, int]:
    """(false answers, unanswerable, refusals, answerable) at threshold t."""
    fa = sum(1 for x in items if not x.answerable and x.support >= t)
    un = sum(1 for x in items if not x.answerable)
    ref = sum(1 for x in items if x.answerable and x.support < t)
    return fa, un, ref, len(items) - un


def candidates(items: Sequence[Scored]) -> list[float]:
    """Thresholds worth trying: 0 and every support value (rounded as generators report it)."""
    return sorted({0.0} | {round(x.support, 6) for x in items})


def lowest_threshold(items: Sequence[Scored], limit: float) -> float:
    """The lowest candidate threshold whose false-answer rate is at most `limit`; when none is
    (a limit below what any threshold reaches), the threshold above every unanswerable item."""
    unanswerable = sorted((x.support for x in items if not x.answerable), reverse=True)
    if not unanswerable:
        return 0.0
    allowed = int(limit * len(unanswerable) + 1e-9)  # false answers the limit allows
    if allowed >= len(unanswerable):
        return 0.0
    # answer only what beats the (allowed + 1)-th highest unanswerable support
    cut = unanswerable[allowed]
    above = [t for t in candidates(items) if t > cut]
    return above[0] if above else min(1.0, cut + 1e-6)


def folds_of(items: Sequence[Scored], k: int, seed: int) -> list[list[int]]:
    """k folds of item indices, stratified by answerable, seeded."""
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for flag in (True, False):
        idx = [i for i, x in enumerate(items) if x.answerable is flag]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


def cross_validate(items: Sequence[Scored], limit: float, k: int, seed: int) -> tuple[Rate, Rate, list[float]]:
    """Pooled held-out (false answers, refusals) of the rule at `limit`, and each fold's threshold."""
    folds = folds_of(items, k, seed)
    fa = un = ref = an = 0
    chosen: list[float] = []
    for fold in folds:
        held = set(fold)
        train = [x for i, x in enumerate(items) if i not in held]
        t = lowest_threshold(train, limit)
        chosen.append(t)
        a, b, c, d = counts([items[i] for i in fold], t)
        fa, un, ref, an = fa + a, un + b, ref + c, an + d
    return wilson(fa, un), wilson(ref, an), chosen


def calibrate(items: Sequence[Scored], max_false_answer: float, *, folds: int = 5, seed: int = 0,
              curve_points: int = 21) -> Calibration:
    """Choose the threshold (see the module docstring). Needs both answerable and unanswerable
    items and at least `folds` of each (callers check and say so)."""
    steps = int(round(max_false_answer / MARGIN_STEP))
    margin = max_false_answer
    cv: tuple[Rate, Rate, list[float]] | None = None
    for i in range(steps + 1):
        delta = round(i * MARGIN_STEP, 6)
        result = cross_validate(items, max_false_answer - delta, folds, seed)
        if result[0].rate <= max_false_answer + 1e-12:
            margin, cv = delta, result
            break
    if cv is None:
        cv = cross_validate(items, 0.0, folds, seed)
    threshold = lowest_threshold(items, max(0.0, max_false_answer - margin))
    fa, un, ref, an = counts(items, threshold)
    return Calibration(
        threshold=threshold, max_false_answer=max_false_answer, margin=margin, folds=folds, seed=seed,
        cv_false_answers=cv[0], cv_refusals=cv[1], fold_thresholds=tuple(cv[2]),
        in_sample_false_answers=wilson(fa, un), in_sample_refusals=wilson(ref, an),
        curve=tuple(tradeoff(items, threshold, curve_points)), met=cv[0].rate <= max_false_answer + 1e-12)


def tradeoff(items: Sequence[Scored], chosen: float, points: int = 21) -> list[CurvePoint]:
    """The trade-off curve: false answers and refusals (with intervals) at evenly spaced
    thresholds from 0 to 1, plus the chosen one."""
    grid = sorted({round(i / (points - 1), 6) for i in range(points)} | {chosen})
    out = []
    for t in grid:
        fa, un, ref, an = counts(items, t)
        out.append(CurvePoint(t, wilson(fa, un), wilson(ref, an)))
    return out
