"""Does the contract fit the data? `shipcall contract check --dataset NAME` warns, before any
gate, about what would make every verdict say little or nothing about a change:

- `cohort_missing`: a contract cohort key that no item of the dataset carries as a tag (its
  rows would be silently absent: a cohort compared nowhere);
- `cohort_small`: a cohort with fewer items than `min_cohort_size` (always "too small to trust");
- `must_pass_missing`: a must-pass item id the dataset does not have (it would block every gate);
- `threshold_missed`: a threshold the latest baseline run already misses (every gate says WAIT
  until a candidate reaches it, whatever the change did), or a contract metric that run did not
  measure.

Pure: items, the contract and the baseline run's metrics come in as values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shipcall.core.contract import Contract, MetricRule

FitKind = Literal["cohort_missing", "cohort_small", "must_pass_missing", "threshold_missed"]


@dataclass(frozen=True)
class FitWarning:
    kind: FitKind
    field: str  # where in contract.yaml: cohorts, must_pass, metrics.<name>
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "field": self.field, "detail": self.detail}


def misses(rule: MetricRule, value: float) -> str | None:
    """How `value` misses the rule ("below the minimum 0.8"), or None when it holds."""
    if rule.min is not None and value < rule.min:
        return f"below the minimum {rule.min:g}"
    if rule.max is not None and value > rule.max:
        return f"above the maximum {rule.max:g}"
    return None


def cohort_warnings(contract: Contract, tags: Iterable[Mapping[str, str]], dataset: str) -> list[FitWarning]:
    """Cohort keys no item carries, and cohorts smaller than min_cohort_size."""
    tags = list(tags)
    present = sorted({k for t in tags for k in t})
    out: list[FitWarning] = []
    for key in contract.cohorts:
        if not any(key in t for t in tags):
            have = f"its items' tags are {', '.join(present)}" if present else "its items have no tags"
            out.append(FitWarning("cohort_missing", "cohorts",
                                  f"no item of {dataset} has the tag {key!r} ({have}): that cohort would be "
                                  f"compared nowhere; tag the items or remove {key!r} from cohorts"))
            continue
        sizes = Counter(t[key] for t in tags if key in t)
        small = sorted((v, n) for v, n in sizes.items() if n < contract.min_cohort_size)
        if small:
            shown = ", ".join(f"{key}={v} ({n})" for v, n in small[:5]) + (" …" if len(small) > 5 else "")
            out.append(FitWarning("cohort_small", "cohorts",
                                  f"{len(small)} of {len(sizes)} {key} cohorts have fewer than min_cohort_size "
                                  f"{contract.min_cohort_size} items in {dataset}: {shown}; they will be "
                                  "reported as too small to trust"))
    return out


def must_pass_warnings(contract: Contract, item_ids: Iterable[str], dataset: str) -> list[FitWarning]:
    ids = set(item_ids)
    missing = [i for i in contract.must_pass if i not in ids]
    if not missing:
        return []
    return [FitWarning("must_pass_missing", "must_pass",
                       f"{len(missing)} must-pass items are not in {dataset}: {', '.join(missing[:10])}; "
                       "each would block every gate")]


def threshold_warnings(contract: Contract, metrics: Mapping[str, Any], run: str) -> list[FitWarning]:
    """Thresholds the baseline run `run` (its overall `metrics`) already misses."""
    out: list[FitWarning] = []
    for name, rule in contract.metrics.items():
        if rule.min is None and rule.max is None:
            continue
        value = metrics.get(name)
        if value is None or not math.isfinite(float(value)):
            out.append(FitWarning("threshold_missed", f"metrics.{name}",
                                  f"the baseline run {run} did not measure {name}: the gate can never show "
                                  "this threshold holds (a metric of another task, or judge metrics without a judge?)"))
            continue
        how = misses(rule, float(value))
        if how is not None:
            out.append(FitWarning("threshold_missed", f"metrics.{name}",
                                  f"the baseline run {run} reaches {name} = {float(value):.4g}, {how}: every "
                                  "gate will say WAIT until a candidate reaches it, whatever the change; set it "
                                  "from what users need and the baseline reaches, or keep it as a goal"))
    return out


def cohort_keys(tags: Iterable[Mapping[str, str]], *, max_values: int = 20) -> list[str]:
    """Tag keys worth comparing per cohort: two to `max_values` values, each on two items on
    average (a key with a value per item, such as a source id, makes cohorts of one)."""
    values: dict[str, Counter[str]] = {}
    for t in tags:
        for k, v in t.items():
            values.setdefault(k, Counter())[v] += 1
    return sorted(k for k, vs in values.items() if 2 <= len(vs) <= max_values and vs.total() >= 2 * len(vs))
