"""The measured phases. Each runs in its own process (see run.py), so that its peak memory
(ru_maxrss) is its own, and returns a JSON-serialisable dict."""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
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


class Timers:
    """Wrap functions and methods to add up the wall time spent in them (instrumentation for
    the phase breakdowns; the overhead is a couple of microseconds a call)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []
        self.missing: list[str] = []

    def _timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1

        return wrapper

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        """Time `owner.attr` under `label`; a name the code no longer has is skipped (listed in
        `missing`), so the benchmark keeps running while the code changes."""
        if isinstance(owner, type):
            raw = next((c.__dict__[attr] for c in owner.__mro__ if attr in c.__dict__), None)
        else:
            raw = getattr(owner, attr, None)
        if raw is None:
            self.missing.append(label)
            return
        self._undo.append((owner, attr, raw))
        if isinstance(raw, classmethod):
            bound = getattr(owner, attr)
            setattr(owner, attr, classmethod(lambda _cls, *a, **k: self._timed(label, bound)(*a, **k)))
        else:
            setattr(owner, attr, self._timed(label, raw))

    def restore(self) -> None:
        for owner, attr, raw in reversed(self._undo):
            setattr(owner, attr, raw)
        self._undo.clear()


# -- start-up ------------------------------------------------------------------------------------

def _shipcall_exe() -> str:
    beside = Path(PY).with_name("shipcall")
    return str(beside) if beside.is_file() else (shutil.which("shipcall") or "shipcall")


def _median_wall(cmd: list[str], runs: int, warmup: int = 2) -> dict[str, Any]:
    for _ in range(warmup):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "runs": runs}


def startup(params: dict[str, Any]) -> dict[str, Any]:
    runs = params["runs"]
    exe = _shipcall_exe()
    help_cmd = [exe, "--help"]
    out: dict[str, Any] = {"exe": exe}
    out["help"] = _median_wall(help_cmd, runs)
    out["python_pass"] = _median_wall([PY, "-c", "pass"], runs)
    out["python_import_shipcall_cli"] = _median_wall([PY, "-c", "import shipcall.cli.main"], runs)
    # which packages `shipcall --help` imports, and the heaviest ones (python -X importtime)
    probe = ("import sys; sys.argv = ['shipcall', '--help']\n"
             "from shipcall.cli.main import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n")
    p = subprocess.run([PY, "-X", "importtime", "-c", probe], capture_output=True, text=True, check=True)
    top: list[tuple[int, str]] = []  # (cumulative µs, package) of the top-level imports
    everything: set[str] = set()
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        everything.add(name.split(".")[0])
        if not parts[2].startswith("   "):  # nested imports are indented by two more spaces
            top.append((int(parts[1]), name))
    top.sort(reverse=True)
    heavy = ("numpy", "bm25s", "sqlalchemy", "pydantic", "scipy", "yaml", "Stemmer", "torch", "fastapi")
    out["heaviest_imports_us"] = top[:6]
    out["heavy_modules_imported"] = sorted(m for m in heavy if m in everything)
    return out


# -- ingestion -----------------------------------------------------------------------------------

def ingest(params: dict[str, Any]) -> dict[str, Any]:
    import bm25s

    import shipcall.app.feature
    import shipcall.app.ingest
    from shipcall.adapters.retrievers.bm25 import BM25Index
    from shipcall.adapters.store.store import Store
    from shipcall.app.ingest import ingest as run_ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    ws_dir = Path(params["workspace"])
    shutil.rmtree(ws_dir, ignore_errors=True)
    t0 = time.perf_counter()
    init_workspace(ws_dir)
    init_s = time.perf_counter() - t0
    ws = Workspace.open(ws_dir)

    timers = Timers()
    timers.wrap(shipcall.app.ingest, "load_folder", "read + parse files (load_folder)")
    timers.wrap(Store, "apply_corpus_changes", "write documents to the store")
    timers.wrap(shipcall.app.feature, "chunk_corpus", "read back + chunk (chunk_corpus)")
    timers.wrap(BM25Index, "build", "BM25 index build (BM25Index.build)")
    timers.wrap(bm25s.tokenization.Tokenizer, "tokenize", "  tokenize + stem (bm25s Tokenizer)")
    timers.wrap(bm25s.BM25, "index", "  score matrix (bm25s BM25.index)")
    timers.wrap(bm25s.BM25, "save", "  save matrix (bm25s BM25.save)")
    gc.collect()
    t0 = time.perf_counter()
    report = run_ingest(ws, params["corpus"])
    total = time.perf_counter() - t0
    peak_after_ingest = peak_rss_mb()
    timers.restore()
    index_dirs = [p for p in ws.index_dir.iterdir() if (p / "shipcall.json").is_file()]
    meta = json.loads((index_dirs[0] / "shipcall.json").read_text())
    n_chunks = int(meta["n_chunks"])
    index_bytes = sum(f.stat().st_size for f in index_dirs[0].iterdir())
    secs = dict(timers.seconds)
    build = secs.get("BM25 index build (BM25Index.build)", 0.0)
    inner = sum(v for k, v in secs.items() if k.startswith("  "))
    secs["  df table, chunks.jsonl, vocabulary, rename"] = max(0.0, build - inner)
    order = ["read + parse files (load_folder)", "write documents to the store", "read back + chunk (chunk_corpus)",
             "BM25 index build (BM25Index.build)", "  tokenize + stem (bm25s Tokenizer)",
             "  score matrix (bm25s BM25.index)", "  save matrix (bm25s BM25.save)",
             "  df table, chunks.jsonl, vocabulary, rename"]
    breakdown = [[label, secs.get(label, 0.0)] for label in order]
    top = sum(v for k, v in breakdown if not k.startswith("  "))
    breakdown.append(["other (diff, hashes, metadata)", max(0.0, total - top)])

    # re-ingesting an unchanged folder: read + hash every file, nothing to rewrite or rebuild
    t0 = time.perf_counter()
    again = run_ingest(ws, params["corpus"])
    reingest_s = time.perf_counter() - t0
    return {
        "n_docs": report.ingested, "n_skipped": len(report.skipped), "n_chunks": n_chunks,
        "bytes": params["bytes"], "init_s": init_s, "total_s": total,
        "docs_per_s": report.ingested / total, "chunks_per_s": n_chunks / total,
        "mb_per_s": params["bytes"] / 1e6 / total, "breakdown_s": breakdown, "not_timed": timers.missing,
        "index_build_s": build, "index_bytes": index_bytes,
        "reingest_unchanged_s": reingest_s, "reingest_unchanged": again.unchanged,
        "peak_rss_mb": peak_after_ingest, "peak_rss_mb_with_reingest": peak_rss_mb(),
    }


# -- queries -------------------------------------------------------------------------------------

def query(params: dict[str, Any]) -> dict[str, Any]:
    from shipcall.app.feature import Feature
    from shipcall.app.workspace import Workspace

    queries = [json.loads(line)["query"] for line in Path(params["queries"]).read_text().splitlines()]
    k = params["k"]
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    ws = Workspace.open(params["workspace"])
    feature = Feature.open(ws)
    open_s = time.perf_counter() - t0
    rss_after_open = peak_rss_mb()
    ours = feature.retriever

    import bm25s
    import Stemmer

    from shipcall.adapters.retrievers.bm25 import index_text

    # raw bm25s on exactly the strings our index holds, with the same tokenizer settings
    texts = [index_text(c) for c in ours.chunks]
    stemmer = Stemmer.Stemmer("english")
    gc.collect()
    t0 = time.perf_counter()
    corpus_tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    raw_tokenize_s = time.perf_counter() - t0
    raw = bm25s.BM25(backend="numpy")
    raw.index(corpus_tokens, show_progress=False)
    raw_build_s = time.perf_counter() - t0
    del corpus_tokens, texts
    gc.collect()

    def raw_retrieve(q: str) -> Any:
        toks = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        return raw.retrieve(toks, k=k, show_progress=False)

    def ours_retrieve(q: str) -> Any:
        return ours.retrieve(q, k)

    def ours_answer(q: str) -> Any:
        return feature.answer(q)

    paths: dict[str, Callable[[str], Any]] = {
        "raw bm25s (tokenize + retrieve)": raw_retrieve,
        "ours: feature.retriever.retrieve": ours_retrieve,
        "ours: feature.answer (retrieve + extractive answer)": ours_answer,
    }
    # reference: raw bm25s on its numba backend (what we avoid: a JIT compile in every fresh process)
    corpus_tokens = bm25s.tokenize([index_text(c) for c in ours.chunks], stopwords="en", stemmer=stemmer,
                                   show_progress=False)
    raw_numba = bm25s.BM25(backend="numba")
    raw_numba.index(corpus_tokens, show_progress=False)
    del corpus_tokens
    gc.collect()
    t0 = time.perf_counter()
    raw_numba.retrieve(bm25s.tokenize([queries[0]], stopwords="en", stemmer=stemmer, show_progress=False), k=k,
                       show_progress=False)
    numba_first_s = time.perf_counter() - t0

    def raw_numba_retrieve(q: str) -> Any:
        toks = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        return raw_numba.retrieve(toks, k=k, show_progress=False)

    paths["reference: raw bm25s, numba backend"] = raw_numba_retrieve

    # diagnostics: the two halves of raw bm25s's retrieve, each timed on its own (inputs prepared
    # outside the timer): scoring, and its NumPy top-k selection
    from bm25s import selection

    raw_ids = {q: raw.get_tokens_ids(s) for q, s in zip(queries, _stems(bm25s, queries, stemmer), strict=True)}

    def raw_scoring(q: str) -> float:
        ids = raw_ids[q]
        t0 = time.perf_counter()
        if ids:
            raw.get_scores_from_ids(ids)
        return time.perf_counter() - t0

    def raw_selection(q: str) -> float:
        ids = raw_ids[q]
        scores = raw.get_scores_from_ids(ids) if ids else np.zeros(raw.scores["num_docs"], dtype=np.float32)
        t0 = time.perf_counter()
        selection.topk(scores, k=k, backend="numpy", sorted=True)
        return time.perf_counter() - t0

    self_timed = {"diagnostic: raw bm25s scoring only (get_scores_from_ids)": raw_scoring,
                  "diagnostic: raw bm25s top-k selection only (selection.topk)": raw_selection}
    paths.update(self_timed)
    names = list(paths)
    for q in queries[: params["warmup"]]:
        for fn in paths.values():
            fn(q)
    lat: dict[str, list[float]] = {n: [] for n in names}
    perf = time.perf_counter
    for i, q in enumerate(queries):
        # rotate the order per query, so no path always runs first (or right after another)
        for j in range(len(names)):
            name = names[(i + j) % len(names)]
            fn = paths[name]
            t0 = perf()
            took = fn(q)
            lat[name].append(took if name in self_timed else perf() - t0)

    # do both return the same top k? (chunk positions; bm25s returns zero-score rows for short
    # queries, ours stops at the first zero score; tied scores may come in either order)
    same_order = ties_only = 0
    max_score_diff = 0.0
    position = {id(c): i for i, c in enumerate(ours.chunks)}
    abstained = 0
    for q in queries:
        docs, scores = raw_retrieve(q)
        raw_top = [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        our_top = [(position[id(sc.chunk)], sc.score) for sc in ours.retrieve(q, k)]
        same_scores = len(raw_top) == len(our_top) and all(
            abs(a[1] - b[1]) <= 1e-4 * max(1.0, abs(a[1])) for a, b in zip(raw_top, our_top, strict=True))
        if [d for d, _ in raw_top] == [d for d, _ in our_top]:
            same_order += 1
        elif same_scores:
            ties_only += 1  # the same scores at every rank: only equal-scored chunks swapped or cut
        if len(raw_top) == len(our_top):
            max_score_diff = max([max_score_diff] + [abs(a[1] - b[1]) for a, b in zip(raw_top, our_top, strict=True)])
        abstained += feature.answer(q).answer.abstained
    stats = {n: summary_ms(v) for n, v in lat.items()}
    raw_s = stats[names[0]]
    ratio = {n: {m: stats[n][m] / raw_s[m] for m in ("p50", "p95", "mean")} for n in names[1:]}
    return {
        "n_queries": len(queries), "k": k, "n_chunks": len(ours.chunks), "open_s": open_s,
        "raw_tokenize_s": raw_tokenize_s, "raw_build_s": raw_build_s, "latency_ms": stats, "ratio": ratio,
        "numba_first_query_s": numba_first_s,
        "same_top_k": same_order, "same_top_k_but_ties": ties_only, "max_score_diff": max_score_diff,
        "abstained": abstained,
        "rss_start_mb": rss_start, "peak_rss_after_open_mb": rss_after_open, "peak_rss_mb": peak_rss_mb(),
    }


def _stems(bm25s: Any, queries: list[str], stemmer: Any) -> list[list[str]]:
    """Each query as bm25s.tokenize makes it (stemmed strings, stop words removed)."""
    out = []
    for q in queries:
        tok = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        inv = {i: w for w, i in tok.vocab.items()}
        out.append([inv[i] for i in tok.ids[0] if inv[i]])
    return out


# -- end-to-end evaluation -----------------------------------------------------------------------

_EVAL_FUNCS = [
    ("Feature.open (load the index)", "shipcall.app.run", "Feature", "open"),
    ("retrieve (BM25Index.retrieve)", "shipcall.adapters.retrievers.bm25", "BM25Index", "retrieve"),
    ("generate (ExtractiveGenerator.generate)", "shipcall.adapters.generators.extractive", "ExtractiveGenerator",
     "generate"),
    ("score_item (all metrics)", "shipcall.app.run", None, "score_item"),
    ("classify (failure modes)", "shipcall.app.run", None, "classify"),
    ("store.save_item_results", "shipcall.adapters.store.store", "Store", "save_item_results"),
    ("store.item_results (read back)", "shipcall.adapters.store.store", "Store", "item_results"),
    ("aggregate", "shipcall.app.run", None, "aggregate"),
]


def _eval_timers() -> Timers:
    import importlib

    timers = Timers()
    for label, module, cls, attr in _EVAL_FUNCS:
        owner = importlib.import_module(module)
        timers.wrap(getattr(owner, cls) if cls else owner, attr, label)
    return timers


def evaluate(params: dict[str, Any]) -> dict[str, Any]:
    import cProfile
    import pstats

    import shipcall.app.run
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest as run_ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.run import run
    from shipcall.app.workspace import Workspace

    batch = [getattr(shipcall.app.run, "BATCH_SECONDS", None), getattr(shipcall.app.run, "BATCH_ITEMS", None)]
    ws_dir = Path(params["workspace"])
    shutil.rmtree(ws_dir, ignore_errors=True)
    init_workspace(ws_dir)
    ws = Workspace.open(ws_dir)
    t0 = time.perf_counter()
    rep = run_ingest(ws, params["docs"])
    ingest_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    imp = import_dataset(ws, params["items"], "squad")
    import_s = time.perf_counter() - t0
    dataset = ws.store.load_dataset("squad")
    n = len(dataset.items)

    # 1. the plain run, as `shipcall run` does it in-process; each repeat is a new run in the store
    plain: list[float] = []
    outcome = None
    for _ in range(params["repeat"]):
        gc.collect()
        t0 = time.perf_counter()
        outcome = run(ws, dataset, None)
        plain.append(time.perf_counter() - t0)
    assert outcome is not None
    run1_s = min(plain)  # the best run counts, as with timeit; the median is reported beside it
    # 2. the same, instrumented (where the time goes, wall clock)
    timers = _eval_timers()
    t0 = time.perf_counter()
    run(ws, dataset, None)
    run2_s = time.perf_counter() - t0
    timers.restore()
    # 3. under cProfile: the heaviest functions by own time
    prof = cProfile.Profile()
    prof.enable()
    run(ws, dataset, None)
    prof.disable()
    st = pstats.Stats(prof)
    total_tt = sum(v[2] for v in st.stats.values())  # type: ignore[attr-defined]
    rows = sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:12]  # type: ignore[attr-defined]
    profile_top = [{"function": f"{Path(f).name}:{line}({fn})", "calls": v[1], "own_s": v[2], "cum_s": v[3],
                    "share": v[2] / total_tt} for (f, line, fn), v in rows]
    # 4. the CLI, a fresh process: start-up + open + run + print
    exe = _shipcall_exe()
    t0 = time.perf_counter()
    p = subprocess.run([exe, "--workspace", str(ws_dir), "run", "--dataset", "squad", "--json"],
                       capture_output=True, text=True, check=True)
    cli_s = time.perf_counter() - t0
    cli_out = json.loads(p.stdout)
    r = outcome.run
    keep = ("recall@5", "mrr@10", "ndcg@10", "contains_answer", "answer_recall", "f1", "exact_match",
            "groundedness", "assertion_pass_rate", "abstain_recall", "over_refusal_rate", "latency_ms_p50",
            "latency_ms_p95")
    return {
        "n_items": n, "n_docs": rep.ingested, "n_unanswerable": sum(1 for it in dataset.items if not it.answerable),
        "ingest_s": ingest_s, "import_s": import_s, "dataset_version": imp.version,
        "run_s": run1_s, "items_per_s": n / run1_s, "runs_s": plain, "median_items_per_s": n / statistics.median(plain),
        "run_instrumented_s": run2_s,
        "breakdown_s": dict(timers.seconds), "breakdown_calls": dict(timers.calls), "not_timed": timers.missing,
        "batch": batch, "profile_total_s": total_tt, "profile_top": profile_top,
        "cli_s": cli_s, "cli_items_per_s": n / cli_s, "cli_n_items": cli_out.get("n_items"),
        "errors": r.errors, "n_metrics": len(r.metrics), "n_cohorts": len(r.cohorts),
        "metrics": {m: r.metrics[m] for m in keep if m in r.metrics},
        "peak_rss_mb": peak_rss_mb(),
    }


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
    outputs: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in steps.items():
            gc.collect()
            t0 = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - t0)
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
        "all_times_s": times,
        "n_cohorts": len(cohorts), "max_abs_diff_vs_ranx": max_diff,
        "numba_threads": min(cores, numba.config.NUMBA_NUM_THREADS),
        "cpu_count": os.cpu_count(), "peak_rss_before_ranx_mb": rss_ours, "peak_rss_mb": peak_rss_mb(),
    }


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "startup": startup,
    "ingest": ingest,
    "query": query,
    "eval": evaluate,
    "aggregate": aggregation,
}
