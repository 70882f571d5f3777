"""The verdict words, and the one rule that assigns them (used by compare, the production-weighted
rows and the gate; nowhere else).

A row compares a metric's mean between two runs (overall or in one cohort) and carries: the
estimate δ, an interval adjusted for its family of tests (simultaneous: Bonferroni for Holm,
Benjamini–Yekutieli's false-coverage-rate level for BH), the unadjusted 95% interval, the
adjusted p-value and the contract's tolerance τ. In "better" units (δ for a higher-is-better
metric, −δ otherwise), with [lo, hi] the adjusted interval:

| verdict | when | what it says |
|---|---|---|
| `regressed` | adjusted p < alpha and δ worse | the drop is real (after correcting for the family) |
| `improved` | adjusted p < alpha and δ better | the gain is real |
| `no_change` | −τ ≤ lo and hi ≤ τ | any change is within ±tolerance |
| `not_worse` | lo ≥ −τ (but hi > τ) | a drop beyond the tolerance is excluded; a gain beyond it is not |
| `underpowered` | lo < −τ | a drop beyond the tolerance cannot be excluded (items needed given) |

Checked in this order, except that an interval inside ±τ wins over significance (a
significant change smaller than the tolerance is `no_change`, "within tolerance"). A row whose
unadjusted interval excludes 0 but whose adjusted test is not significant is never `no_change`:
it is `not_worse` or `underpowered` by its interval and says "likely improved (or regressed),
not significant after correcting for N tests". Fewer than two paired items: `underpowered`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["improved", "regressed", "no_change", "not_worse", "underpowered"]
VERDICTS: dict[str, str] = {
    "improved": "better, and the gain holds after correcting for every test in its family",
    "regressed": "worse, and the drop holds after correcting for every test in its family",
    "no_change": "any change lies within ±tolerance",
    "not_worse": "a drop larger than the tolerance is excluded, a gain larger than it is not",
    "underpowered": "too few items to exclude a drop larger than the tolerance",
}
MARK = {"improved": "+", "regressed": "!", "no_change": "=", "not_worse": "≥", "underpowered": "?"}
_EPS = 1e-12


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    likely: Literal["improved", "regressed"] | None  # unadjusted evidence the adjusted test does not confirm
    statement: str


def judge(
    *,
    higher_is_better: bool,
    n: int,
    delta: float,
    ci_low: float,
    ci_high: float,
    ci95_low: float,
    ci95_high: float,
    p_adjusted: float,
    alpha: float,
    tolerance: float,
    family_size: int,
) -> Judgement:
    """The verdict of one row (see the module docstring for the rule)."""
    if n < 2 or not math.isfinite(delta):
        return Judgement("underpowered", None, f"{n} paired item{'s' if n != 1 else ''}: no test is possible")
    sign = 1.0 if higher_is_better else -1.0
    gain = sign * delta
    lo, hi = (ci_low, ci_high) if higher_is_better else (-ci_high, -ci_low)
    lo95, hi95 = (ci95_low, ci95_high) if higher_is_better else (-ci95_high, -ci95_low)
    significant = p_adjusted < alpha
    likely: Literal["improved", "regressed"] | None = None
    if not significant and math.isfinite(lo95) and math.isfinite(hi95) and (lo95 > _EPS or hi95 < -_EPS):
        likely = "improved" if gain > 0 else "regressed"
    tests = f"{family_size} test{'s' if family_size != 1 else ''}"
    inside = lo >= -tolerance - _EPS and hi <= tolerance + _EPS
    if inside and likely is None:
        word = "within tolerance" + (", though the small change is significant" if significant else "")
        return Judgement("no_change", None, f"any change lies within ±{tolerance:g} ({word})")
    if significant and not inside:
        verdict: Verdict = "improved" if gain > 0 else "regressed"
        return Judgement(verdict, None, f"{verdict} (significant after correcting for {tests})")
    if lo >= -tolerance - _EPS:
        why = (f"likely {likely}, not significant after correcting for {tests}" if likely
               else f"a drop larger than {tolerance:g} is excluded")
        return Judgement("not_worse", likely, why)
    why = (f"likely {likely}, not significant after correcting for {tests}" if likely
           else f"a drop larger than {tolerance:g} cannot be excluded")
    return Judgement("underpowered", likely, why)
