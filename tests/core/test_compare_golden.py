"""Issue 21: `compare` gives the numbers it gave before the speed work (tests/fixtures/compare/
golden.json, recorded at commit 7a7cb6e), and the same numbers whatever the machine's BLAS threads.

Exact for everything but the interval ends: the bootstrap's matrix products now run on one BLAS
thread (stats/bootstrap.py `one_blas_thread`), and single-threaded OpenBLAS sums float32 products
in another order than the multi-threaded one the golden file was recorded with, which moves a
resampled t* in its last bits; an interval end can move by that much (below 1e-7, far below the
interval's own Monte Carlo error, and never in the printed digits). p-values, verdicts, items
needed, means and deltas are identical."""

from __future__ import annotations

import json
import math
from pathlib import Path

from threadpoolctl import threadpool_limits

from tests.fixtures.compare.make_golden import compute

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "compare" / "golden.json"
INTERVAL_ENDS = {"ci_low", "ci_high", "ci95_low", "ci95_high"}


def _diffs(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _diffs(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} entries"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diffs(x, y, f"{path}[{i}]")]
    if path.rsplit(".", 1)[-1] in INTERVAL_ENDS and isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=0, abs_tol=1e-7) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def test_compare_gives_the_numbers_it_gave_before_the_speed_work() -> None:
    now = json.loads(json.dumps(compute()))
    before = json.loads(GOLDEN.read_text())
    assert _diffs(before, now) == []


def test_compare_is_the_same_whatever_the_blas_threads() -> None:
    results = []
    for threads in (1, 2, 4):
        with threadpool_limits(limits=threads, user_api="blas"):
            results.append(compute())
    assert results[0] == results[1] == results[2]
