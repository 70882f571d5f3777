"""The metric aggregation phase of run.py, in a process of its own (its peak memory is its own)."""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

PY = sys.executable


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99), "mean": statistics.fmean(ms),
            "n": len(ms)}


# -- metric aggregation vs ranx ------------------------------------------------------------------

RANX_NAMES = {"recall": "recall", "precision": "precision", "hit": "hit_rate", "mrr": "mrr", "ndcg": "ndcg"}


def aggregation(params: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numba
    import ranx
    import synth

    from shipcall.core.metrics import aggregate
    from shipcall.core.metrics.retrieval import score_retrieval

    n, repeat = params["rows"], params["repeat"]
    ks = [1, 3, 5, 10]
    t0 = time.perf_counter()
    items, results = synth.synthetic_results(n, seed=params["seed"])
    gen_s = time.perf_counter() - t0
    by_id = {it.id: it for it in items}

    def score() -> None:
        for r in results:
            r.metrics = score_retrieval(by_id[r.item_id], r, ks)

    metrics = [f"{RANX_NAMES[f]}@{k}" for f in RANX_NAMES for k in ks]
    qrels_dict = {it.id: dict(it.evidence) for it in items}
    run_dict = {r.item_id: {d.doc_id: d.score for d in r.retrieved_docs} for r in results}
    cores = os.cpu_count() or 1
    built: dict[str, Any] = {}

    def build() -> None:
        built["qrels"], built["run"] = ranx.Qrels(qrels_dict), ranx.Run(run_dict)

    def ev(threads: int) -> Callable[[], Any]:
        return lambda: ranx.evaluate(built["qrels"], built["run"], metrics, threads=threads, save_results_in_run=False)

    score()
    rss_ours = peak_rss_mb()
    # the first evaluate in a process compiles numba's JIT code (or loads it from numba's cache):
    # warm up on a slice, and time it
    few = list(qrels_dict)[:1000]
    t0 = time.perf_counter()
    ranx.evaluate(ranx.Qrels({q: qrels_dict[q] for q in few}), ranx.Run({q: run_dict[q] for q in few}), metrics)
    warmup_s = time.perf_counter() - t0

    # interleaved rounds (ours, then ranx, again and again), so that a busy machine slows both
    # alike; the best round of each counts (as timeit does)
    steps: dict[str, Callable[[], Any]] = {
        "ours.score_retrieval": score,
        "ours.aggregate": lambda: aggregate(items, results, [], ks),
        "ours.aggregate_with_cohorts": lambda: aggregate(items, results, None, ks),
        "ranx.build_qrels_run": build,
        "ranx.evaluate": ev(cores),
        "ranx.evaluate_threads_1": ev(1),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    outputs: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in steps.items():
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    best = {name: min(v) for name, v in times.items()}
    overall, _ = outputs["ours.aggregate"]
    _, cohorts = outputs["ours.aggregate_with_cohorts"]
    ranx_scores = outputs["ranx.evaluate"]
    max_diff = max(abs(overall[f"{f}@{k}"] - ranx_scores[f"{RANX_NAMES[f]}@{k}"]) for f in RANX_NAMES for k in ks)
    return {
        "rows": n, "metrics": len(metrics), "ks": ks, "repeat": repeat, "generate_s": gen_s,
        "ours": {"score_retrieval": best["ours.score_retrieval"], "aggregate": best["ours.aggregate"],
                 "aggregate_with_cohorts": best["ours.aggregate_with_cohorts"],
                 "score_and_aggregate": best["ours.score_retrieval"] + best["ours.aggregate"]},
        "ranx": {"jit_warmup_first_call": warmup_s, "build_qrels_run": best["ranx.build_qrels_run"],
                 "evaluate": best["ranx.evaluate"], "evaluate_threads_1": best["ranx.evaluate_threads_1"],
                 "build_and_evaluate": best["ranx.build_qrels_run"] + best["ranx.evaluate"]},
        "all_times_s": times, "all_cpu_s": cpu,
        "n_cohorts": len(cohorts), "max_abs_diff_vs_ranx": max_diff,
        "numba_threads": min(cores, numba.config.NUMBA_NUM_THREADS),
        "cpu_count": os.cpu_count(), "peak_rss_before_ranx_mb": rss_ours, "peak_rss_mb": peak_rss_mb(),
    }


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"aggregate": aggregation}
