"""The on-disk vector index (`index: lancedb`) beside the in-memory ones, at 1M synthetic vectors.

    python benchmarks/lance_index.py [--n 1000000] [--repeats 5] [--queries 200]
    python benchmarks/lance_index.py --quick          # 20,000 vectors, 2 repeats: it runs, nothing to quote

(Not `benchmarks/lancedb.py`: the benchmarks run as scripts with this folder first on sys.path, where a
file of that name would hide the lancedb library itself.)

What it measures, each in a process of its own (peak RSS and CPU time from os.wait4; latency and
recall from inside the process, written to a JSON file):
- build: from the vectors in memory (what an index build has, from the embedding cache) to an index on
  disk — LanceDB IVF_FLAT (√n partitions; shipcall's LanceSearch.create) and usearch HNSW
  (connectivity 16, expansion 128, the defaults; VectorSearch.build); recall@10 against exact search
  on the benchmark's queries, measured as the build does it, is timed apart from the build.
- query: open the index as `shipcall` does when it answers (LanceDB: the table; usearch: vectors.npy
  loaded + the graph memory-mapped, as DenseIndex.load; exact: vectors.npy loaded) and answer
  `--queries` queries one at a time, k=10: latency p50/p95 after 5 warm-up queries, the first
  (cold) query apart. A process that only imports the same libraries gives the floor of peak RSS.

Data: n unit vectors, 384-d float32 (MiniLM's size), around n/100 Gaussian centres (noise σ equal to
the centres' per-dimension spread: clustered like embeddings, not uniform noise on the sphere, where
no index beats a scan); queries are normalised means of two stored vectors (as the build-time recall
check). Anchors, in the same run, interleaved: the in-memory exact matrix (shipcall's search below
`ann_threshold`) and usearch HNSW (above it, the default). Writes BENCHMARKS.md between
`<!-- lancedb:start -->` and `<!-- lancedb:end -->` (`--quick`: benchmarks/.data/BENCHMARKS.quick.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402

DIM = 384
SEED = 0
WARMUP = 5
DATA = HERE / ".data" / "lance_index"
INDEXES = ("lancedb", "lancedb-uncapped", "usearch", "exact")
CACHE_MB = 256  # ann_cache_mb's default


# --- the synthetic data ----------------------------------------------------------------------------

def make_data(n: int, queries: int) -> tuple[Path, Path]:
    """vectors-N.npy and queries-N.npy under benchmarks/.data (made once; 1.5 GB at 1M)."""
    DATA.mkdir(parents=True, exist_ok=True)
    vpath, qpath = DATA / f"vectors-{n}.npy", DATA / f"queries-{n}-{queries}.npy"
    if not vpath.exists():
        rng = np.random.default_rng(SEED)
        centres = rng.standard_normal((max(n // 100, 2), DIM)).astype(np.float32)
        out = np.lib.format.open_memmap(DATA / f".tmp-{n}.npy", mode="w+", dtype=np.float32, shape=(n, DIM))
        for i in range(0, n, 100_000):  # in blocks: the generator's float64 temporaries stay small
            m = min(100_000, n - i)
            block = centres[rng.integers(0, len(centres), m)] + rng.standard_normal((m, DIM), dtype=np.float32)
            out[i:i + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
        out.flush()
        del out
        (DATA / f".tmp-{n}.npy").rename(vpath)
    if not qpath.exists():
        v = np.load(vpath, mmap_mode="r")
        rng = np.random.default_rng(SEED + 1)
        a, b = np.sort(rng.integers(0, n, queries)), np.sort(rng.integers(0, n, queries))
        q = np.asarray(v[a], dtype=np.float32) + np.asarray(v[b], dtype=np.float32)
        np.save(qpath, (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32))
    return vpath, qpath


# --- the child processes ---------------------------------------------------------------------------

def child(args: argparse.Namespace) -> int:
    """One measured step in this process; results to --out as JSON."""
    out: dict[str, Any] = {}
    if args.step == "imports-lancedb":  # the floor under the LanceDB process: the same imports, nothing opened
        import lancedb  # noqa: F401

        from shipcall.adapters.retrievers.lance import LanceSearch  # noqa: F401
    elif args.step == "imports-numpy":  # the floor under the in-memory ones
        import usearch.index  # noqa: F401

        from shipcall.adapters.retrievers.dense import VectorSearch  # noqa: F401
    elif args.step == "sweep-lancedb":
        out = sweep(Path(args.dir), Path(args.vectors), Path(args.queries))
    elif args.step.startswith("build-"):
        out = build(args.step.removeprefix("build-"), Path(args.vectors), Path(args.queries), Path(args.dir),
                    args.nprobes)
    else:
        out = query(args.step.removeprefix("query-"), Path(args.dir), Path(args.vectors), Path(args.queries),
                    args.nprobes)
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(args.out).write_text(json.dumps(out))
    return 0


def build(kind: str, vpath: Path, qpath: Path, folder: Path, nprobes: int) -> dict[str, Any]:
    from shipcall.adapters.retrievers.dense import VectorSearch
    from shipcall.adapters.retrievers.lance import LanceSearch, partitions_for

    vectors = np.load(vpath)  # an index build holds the vectors (from the embedding cache) in memory
    qs = np.load(qpath)
    t0, c0 = time.perf_counter(), time.process_time()
    search: VectorSearch
    if kind == "lancedb":
        search = LanceSearch.create(vectors, folder / "lancedb", partitions=None, nprobes=nprobes)
        extra = {"partitions": partitions_for(len(vectors), None)}
    else:
        search = VectorSearch.build(vectors, ann_threshold=0)
        search.ann.save(str(folder / "ann.usearch"))
        np.save(folder / "vectors.npy", vectors)  # what an in-memory index folder holds besides the graph
        extra = {}
    built_s, built_cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    recall = search.ann_recall(query_vectors=qs)
    return {"build_s": built_s, "build_cpu_s": built_cpu, "recall_s": time.perf_counter() - t1,
            "recall@10": recall["recall@10"], "disk_mb": _size_mb(folder), **extra}


def query(kind: str, folder: Path, vpath: Path, qpath: Path, nprobes: int) -> dict[str, Any]:
    from shipcall.adapters.retrievers.dense import VectorSearch
    from shipcall.adapters.retrievers.lance import LanceSearch

    qs = np.load(qpath)
    t0 = time.perf_counter()
    if kind.startswith("lancedb"):
        import lancedb  # noqa: F401
    elif kind == "usearch":
        import usearch.index  # noqa: F401
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    search: VectorSearch
    if kind.startswith("lancedb"):  # the default cache, or LanceDB's own (which keeps what it reads)
        search = LanceSearch.open(folder / "lancedb", nprobes, None if kind.endswith("uncapped") else CACHE_MB)
    elif kind == "usearch":  # as DenseIndex.load: the matrix loaded, the graph memory-mapped
        from usearch.index import Index

        ann = Index.restore(str(folder / "ann.usearch"), view=True)
        ann.expansion_search = 128
        search = VectorSearch(np.load(folder / "vectors.npy"), ann)
    else:
        search = VectorSearch(np.load(vpath))
    open_s = time.perf_counter() - t0
    lat, cpu = [], []
    for i, q in enumerate(qs):
        w0, c0 = time.perf_counter(), time.process_time()
        search.search(q, 10)
        if i == 0:
            first_ms = 1000 * (time.perf_counter() - w0)
        if i >= WARMUP:
            lat.append(1000 * (time.perf_counter() - w0))
            cpu.append(1000 * (time.process_time() - c0))
    lat.sort()
    return {"import_s": import_s, "open_s": open_s, "first_ms": first_ms, "p50_ms": statistics.median(lat),
            "p95_ms": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))], "cpu_ms": statistics.mean(cpu),
            "queries": len(lat)}


SWEEP = (10, 20, 50, 100, 200)  # ann_nprobes settings: recall against latency, one process


def sweep(folder: Path, vpath: Path, qpath: Path) -> dict[str, Any]:
    """Recall@10 and latency of the built LanceDB index at several `ann_nprobes` (no rebuild: it is
    a query-time setting), against exact top 10 computed here in blocks of the memory-mapped vectors."""
    from shipcall.adapters.retrievers.lance import LanceSearch

    qs = np.load(qpath)
    v = np.load(vpath, mmap_mode="r")
    scores = np.concatenate([np.asarray(v[i:i + 100_000]) @ qs.T for i in range(0, len(v), 100_000)])
    exact = [set(np.argpartition(-scores[:, j], 10)[:10].tolist()) for j in range(len(qs))]
    del scores
    out: dict[str, Any] = {}
    for nprobes in SWEEP:
        search = LanceSearch.open(folder / "lancedb", nprobes, CACHE_MB)
        lat, hits = [], 0
        for i, q in enumerate(qs):
            t0 = time.perf_counter()
            rows, _ = search.search(q, 10)
            if i >= WARMUP:
                lat.append(1000 * (time.perf_counter() - t0))
            hits += len(set(rows.tolist()) & exact[i])
        out[str(nprobes)] = {"recall@10": hits / (10 * len(qs)), "p50_ms": statistics.median(lat),
                             "p95_ms": sorted(lat)[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]}
    return out


def _size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


# --- the driver ------------------------------------------------------------------------------------

def run_child(step: str, vpath: Path, qpath: Path, folder: Path, nprobes: int) -> tuple[common.Sample, dict]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    try:
        sample = common.measure_process([sys.executable, __file__, "--child", step, "--vectors", str(vpath),
                                         "--queries-file", str(qpath), "--dir", str(folder), "--nprobes",
                                         str(nprobes), "--out", str(out)])
        return sample, json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="20,000 vectors, 2 repeats (CI: it runs, nothing to quote)")
    ap.add_argument("--n", type=int, default=None, help="vectors (default 1,000,000; --quick 20,000)")
    ap.add_argument("--repeats", type=int, default=None, help="processes per query measurement (default 5; --quick 2)")
    ap.add_argument("--build-repeats", type=int, default=None,
                    help="processes per build (default: --repeats; a usearch build of 1M vectors takes most of an "
                         "hour on 2 busy cores)")
    ap.add_argument("--resume", action="store_true",
                    help="reuse the measurements a previous run of the same --n recorded (benchmarks/.data)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--nprobes", type=int, default=20, help="LanceDB partitions searched per query (the default)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--vectors", help=argparse.SUPPRESS)
    ap.add_argument("--queries-file", dest="queries_file", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        args.step, args.queries = args.child, args.queries_file
        return child(args)
    n = args.n or (20_000 if args.quick else 1_000_000)
    repeats = args.repeats or (2 if args.quick else 5)
    build_repeats = args.build_repeats or repeats
    start = common.machine()
    t_data = time.perf_counter()
    vpath, qpath = make_data(n, args.queries)
    print(f"data: {n:,} × {DIM} in {time.perf_counter() - t_data:.0f} s ({vpath})", file=sys.stderr)
    work = DATA / f"work-{n}"
    log = DATA / f"measured-{n}-{args.queries}-{args.nprobes}.jsonl"  # one line per measured process (--resume)
    done: dict[tuple[str, int], tuple[common.Sample, dict]] = {}
    if args.resume and log.exists():
        for line in log.read_text().splitlines():
            m = json.loads(line)
            done[(m["step"], m["repeat"])] = (common.Sample(**m["sample"]), m["data"])
    else:
        log.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    folders = {k: work / k for k in ("lancedb", "usearch")}

    def measure(step: str, r: int, folder: Path) -> tuple[common.Sample, dict]:
        if (step, r) not in done:
            if step.startswith("build-"):
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
            done[(step, r)] = run_child(step, vpath, qpath, folder, args.nprobes)
            s, d = done[(step, r)]
            with log.open("a") as f:
                f.write(json.dumps({"step": step, "repeat": r, "sample": s.__dict__, "data": d}) + "\n")
            print(f"{step} {r + 1}: {s.wall_s:,.0f} s wall, {s.cpu_s:,.0f} s CPU, {s.peak_rss_mb:,.0f} MB; "
                  + ", ".join(f"{k} {v:.3g}" for k, v in d.items() if isinstance(v, float)), file=sys.stderr)
        return done[(step, r)]

    work.mkdir(parents=True, exist_ok=True)
    for kind, folder in folders.items():  # one build of each first, so that the queries have an index to open
        if not (folder / ("lancedb" if kind == "lancedb" else "ann.usearch")).exists():
            done.pop((f"build-{kind}", 0), None)
        measure(f"build-{kind}", 0, folder)
    queries: dict[str, list[tuple[common.Sample, dict]]] = {k: [] for k in INDEXES}
    floor: dict[str, list[common.Sample]] = {"lancedb": [], "numpy": []}
    for r in range(repeats):  # interleaved: each kind once per repeat, so drifting load hits them alike
        for lib in floor:
            floor[lib].append(measure(f"imports-{lib}", r, work)[0])
        for kind in INDEXES:
            queries[kind].append(measure(f"query-{kind}", r, folders.get(kind.split("-")[0], work)))
    nprobes_sweep = measure("sweep-lancedb", 0, folders["lancedb"])[1]
    for r in range(1, build_repeats):  # the remaining builds (they replace the index the queries read: last)
        for kind, folder in folders.items():
            measure(f"build-{kind}", r, folder)
    builds = {k: [done[(f"build-{k}", r)] for r in range(build_repeats)] for k in folders}
    end = common.machine()
    text = report(n, repeats, build_repeats, args, start, end, builds, queries, floor, nprobes_sweep)
    path = common.write_section("lancedb", text, quick=args.quick)
    print(text)
    print(f"written to {path}", file=sys.stderr)
    if not args.quick:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _med(values: list[float], fmt: str = "{:,.0f}") -> str:
    s = common.spread(values)
    return f"{fmt.format(s.median)} (min {fmt.format(s.min)})"


def report(n: int, repeats: int, build_repeats: int, args: argparse.Namespace, start: dict, end: dict,
           builds: dict[str, list[tuple[common.Sample, dict]]], queries: dict[str, list[tuple[common.Sample, dict]]],
           floor: dict[str, list[common.Sample]], nprobes_sweep: dict[str, Any]) -> str:
    from importlib import metadata

    libs = ", ".join(f"{x} {metadata.version(x)}" for x in ("lancedb", "pyarrow", "usearch", "numpy"))
    parts = builds["lancedb"][0][1].get("partitions")
    names = {"lancedb": f"LanceDB IVF_FLAT on disk ({parts:,} partitions, {args.nprobes} probed; "
                        f"`ann_cache_mb` {CACHE_MB}, the default)",
             "lancedb-uncapped": "the same, with LanceDB's own cache (keeps every partition it reads)",
             "usearch": "usearch HNSW in memory (default above `ann_threshold`)",
             "exact": "exact: NumPy matrix in memory (below `ann_threshold`)"}
    floor_of = {"lancedb": floor["lancedb"], "lancedb-uncapped": floor["lancedb"], "usearch": floor["numpy"],
                "exact": floor["numpy"]}
    lines = [
        "## The on-disk vector index (`index: lancedb`) beside the in-memory ones", "",
        f"{common.machine_line(start)}; load average at the end {end['load']} (other helpers' tests and benchmarks "
        f"shared the 2 cores). {libs}. Command: `python benchmarks/lance_index.py --n {n} --repeats {repeats} "
        f"--build-repeats {build_repeats}`.", "",
        f"Data: {n:,} synthetic unit vectors, {DIM}-d float32 ({n * DIM * 4 / 1e9:.2f} GB), around "
        f"{max(n // 100, 2):,} Gaussian centres; {args.queries} queries, each the normalised mean of two stored "
        "vectors; k = 10. Figures are the median (min) over the processes, the kinds interleaved within each "
        f"repeat: {repeats} per query measurement, {build_repeats} per build. Peak RSS is the whole process; "
        "\"above floor\" subtracts (median) a process that only imports the same libraries (LanceDB brings "
        f"pyarrow and pandas: {_med([s.peak_rss_mb for s in floor['lancedb']])} MB; NumPy and usearch: "
        f"{_med([s.peak_rss_mb for s in floor['numpy']])} MB). Latency: one query at a time after {WARMUP} "
        "warm-up queries, CPU ms per query beside it (all threads), the first (cold) query apart; "
        "\"open\" is from imported to ready.", "",
        "Answering (a process opens the index and answers the queries):", "",
    ]
    rows = []
    for kind in INDEXES:
        got = queries[kind]
        base = statistics.median(s.peak_rss_mb for s in floor_of[kind])
        rows.append([names[kind], _med([s.peak_rss_mb for s, _ in got]),
                     _med([s.peak_rss_mb - base for s, _ in got]),
                     _med([d["p50_ms"] for _, d in got], "{:.2f}"), _med([d["p95_ms"] for _, d in got], "{:.2f}"),
                     _med([d["cpu_ms"] for _, d in got], "{:.2f}"), _med([d["first_ms"] for _, d in got], "{:.1f}"),
                     _med([d["open_s"] for _, d in got], "{:.2f}")])
    lines.append(common.table(["Index", "Peak RSS MB", "above floor MB", "p50 ms", "p95 ms", "CPU ms/query",
                               "first query ms", "open s"], rows))
    ours, anchor, exact = queries["lancedb"], queries["usearch"], queries["exact"]
    rss = common.ratios([s for s, _ in ours], [s for s, _ in anchor], "peak_rss_mb")
    rss_exact = common.ratios([s for s, _ in ours], [s for s, _ in exact], "peak_rss_mb")
    p50 = common.spread([a["p50_ms"] / b["p50_ms"] for (_, a), (_, b) in zip(ours, anchor, strict=True)])
    cpu = common.spread([a["cpu_ms"] / b["cpu_ms"] for (_, a), (_, b) in zip(ours, anchor, strict=True)])
    lines += ["", f"LanceDB ÷ usearch, pair by pair: peak RSS {rss.median:.2f} (min {rss.min:.2f}); "
                  f"p50 latency {p50.median:.1f}× (min {p50.min:.1f}×); CPU per query {cpu.median:.1f}× "
                  f"(min {cpu.min:.1f}×). LanceDB ÷ exact: peak RSS {rss_exact.median:.2f} "
                  f"(min {rss_exact.min:.2f}).", "",
              "Building (a process holding the vectors, as an index build does, writes the index; recall@10 "
              "against exact search on the queries above, timed apart):", ""]
    rows = []
    for kind in ("lancedb", "usearch"):
        got = builds[kind]
        name = names[kind].split(";")[0] + (")" if kind == "lancedb" else "")
        rows.append([name, _med([d["build_s"] for _, d in got], "{:,.1f}"),
                     _med([d["build_cpu_s"] for _, d in got], "{:,.1f}"), _med([s.peak_rss_mb for s, _ in got]),
                     _med([d["disk_mb"] for _, d in got]), _med([d["recall@10"] for _, d in got], "{:.3f}"),
                     _med([d["recall_s"] for _, d in got], "{:,.1f}")])
    lines.append(common.table(["Index", "Build s", "Build CPU s", "Peak RSS MB", "On disk MB", "recall@10",
                               "recall check s"], rows))
    pairs = list(zip(builds["lancedb"], builds["usearch"], strict=True))
    b = common.spread([a["build_cpu_s"] / c["build_cpu_s"] for (_, a), (_, c) in pairs])
    lines += ["", f"Build CPU time LanceDB ÷ usearch, pair by pair: {b.median:.2f} (min {b.min:.2f}).", "",
              "`ann_nprobes` (partitions searched per query, of "
              f"{parts:,}) against recall@10 and latency, the same index and queries, one process (one run, "
              "settings in this order, so the later ones find more of the file in the OS cache):", ""]
    lines.append(common.table(["ann_nprobes", "recall@10", "p50 ms", "p95 ms"],
                              [[k + (" (default)" if int(k) == args.nprobes else ""), f"{d['recall@10']:.3f}",
                                f"{d['p50_ms']:.1f}", f"{d['p95_ms']:.1f}"] for k, d in nprobes_sweep.items()
                               if isinstance(d, dict)]))
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
