"""Model or dataset: split the change between two runs on different dataset versions.

With v1 the baseline's dataset version and v2 the candidate's, the sound split needs the
baseline measured on v2 as well (the counterfactual "old system, new items"):

    total change   = C̄(v2) − B̄(v1)
    dataset part   = B̄(v2) − B̄(v1)      the same system, measured on the new items
    system part    = C̄(v2) − B̄(v2)      the new system on the same items (paired; verdicts, gate)

so a candidate that fails only the new items, or gains only on them, is credited to the system
(the audit's two cases), and the dataset part says how much harder or easier the items became.
Without the baseline on v2, only the shared items can be paired: the system part on them is
known, the system part on the added items is not, and the split says which command measures it.
Pure: values in, values out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _values(run: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, float]:
    out = {}
    for i, v in run.items():
        x = v.get(name)
        if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x)):
            out[i] = float(x)
    return out


def split_change(
    baseline: Mapping[str, Mapping[str, Any]],
    candidate: Mapping[str, Mapping[str, Any]],
    metrics: Sequence[str],
    *,
    baseline_on_candidate_items: Mapping[str, Mapping[str, Any]] | None = None,
    rerun_command: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Per metric: total, dataset and system parts (module docstring). `baseline` is the
    baseline run on its own items (v1); `baseline_on_candidate_items` the baseline variant on the
    candidate's items (v2), when available. Without it the result has `system_part_shared` and
    `system_part_added: None`, with `how_to_measure` naming `rerun_command`."""
    out: dict[str, dict[str, Any]] = {}
    for name in metrics:
        b1, c2 = _values(baseline, name), _values(candidate, name)
        if not b1 or not c2:
            continue
        b1_mean, c2_mean = float(np.mean(list(b1.values()))), float(np.mean(list(c2.values())))
        row: dict[str, Any] = {"baseline": b1_mean, "candidate": c2_mean, "total_change": c2_mean - b1_mean,
                               "n_baseline": len(b1), "n_candidate": len(c2)}
        if baseline_on_candidate_items is not None:
            b2 = _values(baseline_on_candidate_items, name)
            pairs = sorted(set(b2) & set(c2))
            if b2 and pairs:
                b2_mean = float(np.mean(list(b2.values())))
                row.update({
                    "method": "baseline re-measured on the candidate's items",
                    "baseline_on_candidate_items": b2_mean,
                    "dataset_part": b2_mean - b1_mean,
                    "system_part": float(np.mean([c2[i] - b2[i] for i in pairs])),
                    "n_paired": len(pairs),
                })
                row["residual"] = row["total_change"] - row["dataset_part"] - row["system_part"]
                out[name] = row
                continue
        pairs = sorted(set(b1) & set(c2))
        added = sorted(set(c2) - set(b1))
        removed = sorted(set(b1) - set(c2))
        row.update({
            "method": "shared items only (the baseline has not run on the added items)",
            "system_part_shared": float(np.mean([c2[i] - b1[i] for i in pairs])) if pairs else None,
            "system_part_added": None,
            "n_shared": len(pairs), "n_added": len(added), "n_removed": len(removed),
            "system_part": None, "dataset_part": None,
            "how_to_measure": (f"the system part on the {len(added)} added items is unknown until the baseline "
                               f"runs on them: {rerun_command}" if rerun_command else
                               f"the system part on the {len(added)} added items is unknown until the baseline "
                               "variant runs on the candidate's dataset version"),
        })
        out[name] = row
    return out
