"""Timing of `compare` (issue 13's statistics) beside what a user would otherwise run: SciPy's
BCa bootstrap (`scipy.stats.bootstrap`, 10,000 resamples) once per metric × cohort row.

    python benchmarks/compare_stats.py [--repeats 5]

Data: 2,000 paired items, 3 metrics (hit@5 0/1, f1 and ndcg@10 continuous; the audit's
generator), overall + 9 cohorts = 30 rows; 10,000 resamples (the product's default).
Prints median and min of the repeats (wall seconds) and the ratio ours / SciPy."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shipcall.core.compare import compare  # noqa: E402
from tests.stats_promises.sims import contract, draw_null, to_runs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    sizes = [200] * 9 + [200]
    b, c, cohort = draw_null(rng, sizes[:9] + [200], 0.3)
    base, cand, tags = to_runs(b, c, cohort)
    ours, ref = [], []
    for r in range(args.repeats):
        t = time.perf_counter()
        compare(base, cand, tags, contract(), seed=r)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        labels = np.array(cohort)
        for m in b:
            d = c[m] - b[m]
            for idx in [slice(None), *(labels == f"c{k}" for k in range(9))]:
                bootstrap((d[idx],), np.mean, n_resamples=10_000, method="BCa", random_state=r)
        ref.append(time.perf_counter() - t)
    mo, mr = statistics.median(ours), statistics.median(ref)
    print("| | median s | min s |\n| --- | ---: | ---: |")
    print(f"| `compare` (30 rows, tests + adjusted and 95% intervals + items needed) | {mo:.3f} | {min(ours):.3f} |")
    print(f"| `scipy.stats.bootstrap` BCa, one call per row (intervals only) | {mr:.3f} | {min(ref):.3f} |")
    print(f"| ratio ours / SciPy (median) | {mo / mr:.2f}× | |")


if __name__ == "__main__":
    main()
