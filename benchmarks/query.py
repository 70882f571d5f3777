"""The query path against raw bm25s, on two kinds of corpus: one query at a time, p50 and p95.

    python benchmarks/query.py             # 20,000 topical documents, 18,000 uniform ones; 1,000 queries; 5 repeats
    python benchmarks/query.py --quick     # 1,000 and 900 documents, 200 queries (.data/BENCHMARKS.quick.md)

Ours: `Feature.open(ws).retriever.retrieve(q, k)` (the BM25 index `shipcall ingest` built). Raw: bm25s as
its README shows, on exactly the strings ours indexes (heading path + chunk text), the same stop words and
stemmer, NumPy backend: `bm25s.tokenize([q], ...)` then `BM25.retrieve(tokens, k)`. Both in this process,
the same query alternating between them (which goes first alternates too), after a warm-up. Each repeat
times every query on both sides; p50 and p95 of the per-query wall times, and the CPU time of all queries,
are compared within the repeat; the table gives the median (min) over the repeats.

Why two corpora: what ours saves over raw bm25s is mostly in choosing the top k (bm25s partitions the
whole score array with NumPy, which is slow when most scores are exactly zero), so the ratio depends on
how many chunks a query touches: the topical Markdown corpus (synth.write_corpus: 200 topics, Zipf-like
words) leaves most chunks at zero for most queries; the uniform one (synth.write_uniform_corpus) less so.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import common
import numpy as np
import synth
from common import HERE, log, machine, machine_line, spread, table

PY = sys.executable
WORK = HERE / ".data" / "query"
K = 5


def workspace(name: str, folder: Path) -> Path:
    """A workspace with `folder` ingested (kept while the corpus is the same)."""
    ws = WORK / name
    stamp = ws / "corpus.txt"
    if stamp.is_file() and stamp.read_text() == str(folder) and (ws / "shipcall.yaml").is_file():
        return ws
    subprocess.run(["rm", "-rf", str(ws)], check=True)
    ws.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([PY, "-m", "shipcall", "init", str(ws)], check=True, capture_output=True)
    subprocess.run([PY, "-m", "shipcall", "ingest", str(folder), "-q"], check=True, capture_output=True, cwd=ws)
    stamp.write_text(str(folder))
    return ws


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def measure(name: str, ws: Path, queries: list[str], repeats: int, warmup: int) -> dict[str, Any]:
    import bm25s
    import Stemmer

    from shipcall.adapters.retrievers.bm25 import index_text
    from shipcall.app.feature import Feature
    from shipcall.app.workspace import Workspace

    feature = Feature.open(Workspace.open(ws), show_progress=False)
    ours = feature.retriever
    stemmer = Stemmer.Stemmer("english")
    raw = bm25s.BM25(backend="numpy")
    raw.index(bm25s.tokenize([index_text(c) for c in ours.chunks], stopwords="en", stemmer=stemmer,
                             show_progress=False), show_progress=False)
    n_chunks = len(ours.chunks)

    def raw_retrieve(q: str) -> Any:
        return raw.retrieve(bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False), k=K,
                            show_progress=False)  # bm25s's default n_threads=0: no thread pool

    def ours_retrieve(q: str) -> Any:
        return ours.retrieve(q, K)

    paths = {"ours": ours_retrieve, "raw": raw_retrieve}
    for q in queries[:warmup]:
        for fn in paths.values():
            fn(q)
    # how many chunks score exactly zero for a query (what makes NumPy's partition slow)
    zero = []
    for q in queries:
        ids = raw.get_tokens_ids(bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False,
                                                return_ids=False)[0])
        scores = raw.get_scores_from_ids(ids) if ids else np.zeros(n_chunks)
        zero.append(float(np.count_nonzero(scores == 0)) / n_chunks)
    # same answers? the same chunks, or the same scores rank by rank (tied chunks ordered or cut differently)
    position = {c.id: i for i, c in enumerate(ours.chunks)}
    same = same_scores = 0
    for q in queries:
        docs, scores = raw_retrieve(q)
        raw_top = [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        our_top = [(position[sc.chunk.id], sc.score) for sc in ours_retrieve(q)]
        same += [d for d, _ in raw_top] == [d for d, _ in our_top]
        same_scores += len(raw_top) == len(our_top) and all(
            abs(a[1] - b[1]) <= 1e-5 * max(1.0, abs(a[1])) for a, b in zip(raw_top, our_top, strict=True))
    # diagnostic, one pass: raw bm25s's two halves, scoring and its NumPy top-k selection
    from bm25s import selection

    halves: dict[str, list[float]] = {"scoring": [], "selection": []}
    for q in queries:
        ids = raw.get_tokens_ids(bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False,
                                                return_ids=False)[0])
        t0 = time.process_time()
        scores = raw.get_scores_from_ids(ids) if ids else np.zeros(n_chunks, dtype=np.float32)
        t1 = time.process_time()
        selection.topk(scores, k=K, backend="numpy", sorted=True)
        t2 = time.process_time()
        halves["scoring"].append(t1 - t0)
        halves["selection"].append(t2 - t1)
    runs = []
    perf, cpu = time.perf_counter, time.process_time
    for r in range(repeats):
        gc.collect()
        wall: dict[str, list[float]] = {p: [] for p in paths}
        cpus: dict[str, list[float]] = {p: [] for p in paths}
        for i, q in enumerate(queries):
            order = ("ours", "raw") if (i + r) % 2 == 0 else ("raw", "ours")
            for p in order:
                c0, t0 = cpu(), perf()
                paths[p](q)
                wall[p].append(perf() - t0)
                cpus[p].append(cpu() - c0)
        runs.append({p: {"p50_ms": pct(cpus[p], 50) * 1000, "p95_ms": pct(cpus[p], 95) * 1000,
                         "wall_p50_ms": pct(wall[p], 50) * 1000, "wall_p95_ms": pct(wall[p], 95) * 1000,
                         "cpu_s": sum(cpus[p])} for p in paths})
        log(f"{name}: repeat {r + 1}/{repeats}: CPU p50 ours {runs[-1]['ours']['p50_ms']:.3f} ms, "
            f"raw {runs[-1]['raw']['p50_ms']:.3f} ms")
    return {"name": name, "n_chunks": n_chunks, "n_queries": len(queries), "runs": runs, "same_top_k": same,
            "same_scores": same_scores,
            "raw_halves_ms": {h: {"p50": pct(v, 50) * 1000, "p95": pct(v, 95) * 1000} for h, v in halves.items()},
            "zero_share": {"median": float(np.median(zero)), "p5": pct(zero, 5), "p95": pct(zero, 95)}}


def render(results: list[dict[str, Any]], m: dict[str, Any], load: tuple[str, str], quick: bool,
           corpora: dict[str, str]) -> str:
    rows, halves = [], []
    for r in results:
        runs = r["runs"]

        def cell(path: str, key: str, runs: list[dict[str, Any]] = runs) -> str:
            sp = spread([x[path][key] for x in runs])
            return f"{sp.median:.3f} ({sp.min:.3f})"

        def ratio(key: str, runs: list[dict[str, Any]] = runs) -> str:
            sp = spread([x["ours"][key] / x["raw"][key] for x in runs])
            return f"{sp.median:.2f}× ({sp.min:.2f}–{sp.max:.2f})"

        rows.append([r["name"], f"{r['n_chunks']:,}", f"{r['zero_share']['median']:.0%}",
                     cell("ours", "p50_ms"), cell("raw", "p50_ms"), ratio("p50_ms"),
                     cell("ours", "p95_ms"), cell("raw", "p95_ms"), ratio("p95_ms"), ratio("cpu_s"),
                     ratio("wall_p50_ms"), ratio("wall_p95_ms"),
                     f"{r['same_top_k']:,} / {r['same_scores']:,} of {r['n_queries']:,}"])
        h = r["raw_halves_ms"]
        halves.append([r["name"], f"{h['scoring']['p50']:.3f}", f"{h['scoring']['p95']:.3f}",
                       f"{h['selection']['p50']:.3f}", f"{h['selection']['p95']:.3f}"])
    return "\n".join([
        "## Query path against raw bm25s" + (" (quick)" if quick else ""),
        "",
        f"`python benchmarks/query.py{' --quick' if quick else ''}`; {machine_line(m)} at the start (1, 5 "
        f"and 15 minutes), {load[1]} at the end.",
        "",
        f"Ours: `Feature.open(ws).retriever.retrieve(q, k={K})` on the index `shipcall ingest` built (default "
        "variant: heading chunker, BM25). Anchor: raw bm25s as its README shows it, on exactly the strings ours "
        "indexes, with the same stop words and stemmer, NumPy backend, its default threads (none): "
        "`bm25s.tokenize([q], ...)` then "
        f"`BM25.retrieve(tokens, k={K})`. One query at a time, the two alternating, after a warm-up; each repeat "
        "times every query on both sides, and its percentiles are compared within the repeat. Per-query times "
        "are CPU times (this process's, `time.process_time`): on a busy machine a sub-millisecond call's wall "
        "time mostly measures when the scheduler lets it run, which inflates the slower side's tail; the wall "
        f"ratios are given beside them. Figures: median (min) over {len(results[0]['runs'])} repeats, ms; ratios "
        "median (min–max). \"zero scores\": the median share of chunks a query leaves at exactly zero.",
        "",
        "Data: " + "; ".join(f"**{k}**: {v}" for k, v in corpora.items()) + ".",
        "",
        table(["corpus", "chunks", "zero scores", "ours p50", "raw p50", "ours ÷ raw p50", "ours p95", "raw p95",
               "ours ÷ raw p95", "ours ÷ raw, all queries", "wall p50 ratio", "wall p95 ratio",
               "same top k: chunks / scores"], rows),
        "",
        "Inside raw bm25s's retrieve (diagnostic, one pass, CPU ms): its scoring (`get_scores_from_ids`) and its "
        "NumPy top-k selection (`selection.topk`), each timed alone.",
        "",
        table(["corpus", "scoring p50", "scoring p95", "top-k selection p50", "top-k selection p95"], halves),
        "",
        "Reading it: ours calls bm25s's own scoring, so the scoring column is work both sides do; the rest of raw "
        "bm25s's time is its per-call tokenization (`bm25s.tokenize` builds a vocabulary for every call) and its "
        "top-k selection, NumPy's partition of the whole score array, which costs more when most scores are "
        "exactly zero: a topical corpus, where a query touches few chunks. Ours selects the top k from the "
        "scores itself. So the ratio, and above all its tail, depends on the corpus: compare the rows rather "
        "than quote one of them. \"same top k\": queries whose positive-scored top "
        f"{K} chunks are identical on both sides / whose scores are identical rank by rank (the difference: "
        "tied chunks ordered or cut differently).",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small corpora, 200 queries (.data/BENCHMARKS.quick.md)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    n_topical, n_uniform = (1_000, 900) if args.quick else (20_000, 18_000)
    n_queries = 200 if args.quick else 1000
    topical = synth.write_corpus(n_topical, n_queries=1000)
    uniform = synth.write_uniform_corpus(n_uniform, n_queries=1000)
    corpora = {
        "topical Markdown": f"{n_topical:,} synthetic Markdown documents (benchmarks/synth.py write_corpus, seed 42: "
                            "200 topics, SciFact's word frequencies, headings, lists, tables), its "
                            f"{n_queries:,} generated questions (keywords and natural phrasings, 5% off-corpus)",
        "uniform synthetic": f"{n_uniform:,} documents of 4 sections of 60–200 words drawn uniformly from the "
                             "1,000 most frequent SciFact content words (write_uniform_corpus, seed 7), "
                             f"{n_queries:,} queries of 3–5 words drawn the same way",
    }
    load0 = common.loadavg()
    m = machine()
    results = []
    for name, manifest, tag in (("topical Markdown", topical, "topical"), ("uniform synthetic", uniform, "uniform")):
        ws = workspace(f"ws-{tag}-{manifest['n_docs']}", Path(str(manifest["path"])))
        queries = [json.loads(line)["query"] for line in Path(str(manifest["queries"])).read_text().splitlines()]
        results.append(measure(name, ws, queries[:n_queries], args.repeats, 20 if args.quick else 50))
    text = render(results, m, (load0, common.loadavg()), args.quick, corpora)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / f"results{'-quick' if args.quick else ''}.json").write_text(json.dumps(results, indent=1))
    log(f"written to {common.write_section('query', text, quick=args.quick)}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
