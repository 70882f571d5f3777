"""The audit's c8_split.py, adapted: the split now pairs the candidate with the baseline re-measured
on the candidate's items (`previous_baseline` is the baseline's own run on v1). Cases B and C are
credited to the system. Case D (an unchanged but stochastic system) is now judged by the paired
verdict on all v2 items, with its interval."""
import zlib

import numpy as np

from shipcall.config.contract import Contract
from shipcall.core.compare import compare

C = Contract(primary="contains_answer", metrics={}, cohorts=["difficulty"])


def u_of(i: str) -> float:
    return (zlib.crc32(i.encode()) % 10_000) / 10_000  # fixed per item (the audit used hash(), salted per process)


def system(ids, skill_easy, skill_hard):
    out = {}
    for i in ids:
        skill = skill_hard if i.startswith("hard") else skill_easy
        out[i] = {"contains_answer": float(u_of(i) < skill)}
    return out


v1 = [f"easy{i:03d}" for i in range(300)]
v2 = v1 + [f"hard{i:03d}" for i in range(100)]
tags = {i: {"difficulty": "hard" if i.startswith("hard") else "easy"} for i in v2}


def show(title, base_v1, base_v2, cand, truth):
    res = compare(base_v2, cand, tags, C, n_resamples=2000, previous_baseline=base_v1)
    s = res.dataset_split["contains_answer"]
    ov = next(r for r in res.overall if r.metric == "contains_answer")
    print(f"{title}\n   total {s['total_change']:+.4f} = dataset {s['dataset_part']:+.4f} + system "
          f"{s['system_part']:+.4f}; paired verdict on {res.shared_items} items: {ov.verdict} "
          f"(delta {ov.delta:+.4f}, CI [{ov.ci_low:+.4f}, {ov.ci_high:+.4f}]); truth: {truth}")
    return s


S = lambda ids: system(ids, 0.8, 0.3)  # noqa: E731
S2 = lambda ids: system(ids, 0.8, 0.05)  # noqa: E731
S3 = lambda ids: system(ids, 0.8, 0.7)  # noqa: E731
truth_b = float(np.mean([S2([i])[i]["contains_answer"] - S([i])[i]["contains_answer"] for i in v2]))
truth_c = float(np.mean([S3([i])[i]["contains_answer"] - S([i])[i]["contains_answer"] for i in v2]))
show("A. v1->v2 adds 100 hard items; system unchanged", S(v1), S(v2), S(v2), "system 0; the change is the dataset")
b = show("B. candidate identical on v1 items, fails the hard items (0.30 -> 0.05)", S(v1), S(v2), S2(v2),
         f"system effect on v2 {truth_b:+.4f}")
c = show("C. candidate much better on the hard items (0.30 -> 0.70)", S(v1), S(v2), S3(v2),
         f"system effect on v2 {truth_c:+.4f}")
print(f"B attributed to the system: {abs(b['system_part'] - truth_b) < 1e-9}; "
      f"C attributed to the system: {abs(c['system_part'] - truth_c) < 1e-9}")
