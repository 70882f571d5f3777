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
import subprocess
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
    ap.add_argument("--without-usearch", action="store_true",
                    help="no usearch build or queries (its HNSW build of 1M vectors took over an hour of a busy "
                         "2-core machine: measure it at a smaller --n, written to section --section)")
    ap.add_argument("--section", default="lancedb", help="the BENCHMARKS.md section written (default lancedb)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--nprobes", type=int, default=20, help="LanceDB partitions searched per query (the default)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--make-data", dest="make_data", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--vectors", help=argparse.SUPPRESS)
    ap.add_argument("--queries-file", dest="queries_file", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    n = args.n or (20_000 if args.quick else 1_000_000)
    if args.make_data:
        make_data(n, args.queries)
        return 0
    if args.child:
        args.step, args.queries = args.child, args.queries_file
        return child(args)
    repeats = args.repeats or (2 if args.quick else 5)
    build_repeats = args.build_repeats or repeats
    start = common.machine()
    t_data = time.perf_counter()
    # The data is made in a process of its own: on Linux a child's peak RSS starts at its parent's peak
    # when spawned (the parent's high-water mark is carried across exec), so this driver must stay small.
    subprocess.run([sys.executable, __file__, "--make-data", "--n", str(n), "--queries", str(args.queries)],
                   check=True)
    vpath, qpath = DATA / f"vectors-{n}.npy", DATA / f"queries-{n}-{args.queries}.npy"
    print(f"data: {n:,} × {DIM} in {time.perf_counter() - t_data:.0f} s ({vpath})", file=sys.stderr)
    work = DATA / f"work-{n}"
    log = DATA / f"measured-{n}-{args.queries}-{args.nprobes}.jsonl"  # one line per measured process (--resume)
    done: dict[tuple[str, int], tuple[common.Sample, dict]] = {}
    logged: dict[str, dict] = {}  # the machine (commit, date, load) when the measurements began and ended
    if args.resume and log.exists():
        for line in log.read_text().splitlines():
            m = json.loads(line)
            if m["step"].startswith("machine-"):
                logged[m["step"]] = m["machine"]
            else:
                done[(m["step"], m["repeat"])] = (common.Sample(**m["sample"]), m["data"])
    else:
        log.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    if "machine-start" in logged:
        start = logged["machine-start"]
    else:
        with log.open("a") as f:
            f.write(json.dumps({"step": "machine-start", "machine": start}) + "\n")
    measured_before = len(done)
    folders = {k: work / k for k in ("lancedb", "usearch") if k == "lancedb" or not args.without_usearch}
    kinds = [k for k in INDEXES if k != "usearch" or not args.without_usearch]

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
    # A finished run removed its indexes: resuming it (more repeats, or only the report) rebuilds them
    # only when a query measurement still needs one.
    missing = [(f"query-{k}", r) for k in kinds for r in range(repeats)] + [("sweep-lancedb", 0)]
    need_index = any(step not in done for step in missing)
    for kind, folder in folders.items():  # one build of each first, so that the queries have an index to open
        if need_index and not (folder / ("lancedb" if kind == "lancedb" else "ann.usearch")).exists():
            done.pop((f"build-{kind}", 0), None)
        measure(f"build-{kind}", 0, folder)
    queries: dict[str, list[tuple[common.Sample, dict]]] = {k: [] for k in kinds}
    floor: dict[str, list[common.Sample]] = {"lancedb": [], "numpy": []}
    for r in range(repeats):  # interleaved: each kind once per repeat, so drifting load hits them alike
        for lib in floor:
            floor[lib].append(measure(f"imports-{lib}", r, work)[0])
        for kind in kinds:
            queries[kind].append(measure(f"query-{kind}", r, folders.get(kind.split("-")[0], work)))
    nprobes_sweep = measure("sweep-lancedb", 0, folders["lancedb"])[1]
    for r in range(1, build_repeats):  # the remaining builds (they replace the index the queries read: last)
        for kind, folder in folders.items():
            measure(f"build-{kind}", r, folder)
    builds = {k: [done[(f"build-{k}", r)] for r in range(build_repeats)] for k in folders}
    driver_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lowest = min(s.peak_rss_mb for s, _ in done.values())
    if driver_mb >= lowest:  # the children's peaks would read the driver's, not their own
        print(f"warning: this driver peaked at {driver_mb:,.0f} MB, at or above the lowest child's "
              f"{lowest:,.0f} MB: peak RSS figures are floored at it", file=sys.stderr)
    if len(done) == measured_before and "machine-end" in logged:  # nothing new measured: the run's own end
        end = logged["machine-end"]
    else:
        end = common.machine()
        with log.open("a") as f:
            f.write(json.dumps({"step": "machine-end", "machine": end}) + "\n")
    text = report(n, repeats, build_repeats, args, start, end, builds, queries, floor, nprobes_sweep)
    path = common.write_section(args.section, text, quick=args.quick)
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
        f"## The on-disk vector index (`index: lancedb`) beside the in-memory ones, {n:,} vectors", "",
        f"{common.machine_line(start)}; load average at the end {end['load']} (other helpers' tests and benchmarks "
        f"shared the 2 cores). {libs}. Command: `python benchmarks/lance_index.py --n {n} --repeats {repeats} "
        f"--build-repeats {build_repeats}"
        + (" --without-usearch" if args.without_usearch else "")
        + (f" --section {args.section}" if args.section != "lancedb" else "") + "`.", "",
        f"Data: {n:,} synthetic unit vectors, {DIM}-d float32 ({n * DIM * 4 / 1e9:.2f} GB), around "
        f"{max(n // 100, 2):,} Gaussian centres; {args.queries} queries, each the normalised mean of two stored "
        "vectors; k = 10. Figures are the median (min) over the processes, the kinds interleaved within each "
        f"repeat: {repeats} per query measurement, {build_repeats} per build. Peak RSS is the whole process; "
        "\"above floor\" subtracts (median) a process that only imports the same libraries (LanceDB brings "
        f"pyarrow and pandas: {_med([s.peak_rss_mb for s in floor['lancedb']])} MB; NumPy and usearch: "
        f"{_med([s.peak_rss_mb for s in floor['numpy']])} MB). Latency: one query at a time after {WARMUP} "
        "warm-up queries, CPU ms per query beside it (all threads), the first (cold) query apart; "
        "\"open\" is from imported to ready.", "",
        *([] if "usearch" in queries else [
            "usearch HNSW is not in this run (`--without-usearch`): its build of these vectors (connectivity 16, "
            "expansion 128) would take over an hour of this busy 2-core machine. The next section measures it "
            "beside LanceDB and exact at a smaller n. A usearch process loads the same matrix as exact, plus its "
            "graph memory-mapped, so it holds at least exact's peak RSS.", ""]),
        "Answering (a process opens the index and answers the queries):", "",
    ]
    rows = []
    for kind in queries:
        got = queries[kind]
        base = statistics.median(s.peak_rss_mb for s in floor_of[kind])
        rows.append([names[kind], _med([s.peak_rss_mb for s, _ in got]),
                     _med([s.peak_rss_mb - base for s, _ in got]),
                     _med([d["p50_ms"] for _, d in got], "{:.2f}"), _med([d["p95_ms"] for _, d in got], "{:.2f}"),
                     _med([d["cpu_ms"] for _, d in got], "{:.2f}"), _med([d["first_ms"] for _, d in got], "{:.1f}"),
                     _med([d["open_s"] for _, d in got], "{:.2f}")])
    lines.append(common.table(["Index", "Peak RSS MB", "above floor MB", "p50 ms", "p95 ms", "CPU ms/query",
                               "first query ms", "open s"], rows))
    lines += ["", " ".join(_ratios(queries, anchor) for anchor in ("usearch", "exact") if anchor in queries), "",
              "Building (a process holding the vectors, as an index build does, writes the index; recall@10 "
              "against exact search on the queries above, timed apart):", ""]
    rows = []
    for kind in builds:
        got = builds[kind]
        name = names[kind].split(";")[0] + (")" if kind == "lancedb" else "")
        rows.append([name, _med([d["build_s"] for _, d in got], "{:,.1f}"),
                     _med([d["build_cpu_s"] for _, d in got], "{:,.1f}"), _med([s.peak_rss_mb for s, _ in got]),
                     _med([d["disk_mb"] for _, d in got]), _med([d["recall@10"] for _, d in got], "{:.3f}"),
                     _med([d["recall_s"] for _, d in got], "{:,.1f}")])
    lines.append(common.table(["Index", "Build s", "Build CPU s", "Peak RSS MB", "On disk MB", "recall@10",
                               "recall check s"], rows))
    if "usearch" in builds:
        pairs = list(zip(builds["lancedb"], builds["usearch"], strict=True))
        b = common.spread([a["build_cpu_s"] / c["build_cpu_s"] for (_, a), (_, c) in pairs])
        lines += ["", f"Build CPU time LanceDB ÷ usearch, pair by pair: {b.median:.2f} (min {b.min:.2f})."]
    lines += ["", "`ann_nprobes` (partitions searched per query, of "
              f"{parts:,}) against recall@10 and latency, the same index and queries, one process (one run, "
              "settings in this order, so the later ones find more of the file in the OS cache):", ""]
    lines.append(common.table(["ann_nprobes", "recall@10", "p50 ms", "p95 ms"],
                              [[k + (" (default)" if int(k) == args.nprobes else ""), f"{d['recall@10']:.3f}",
                                f"{d['p50_ms']:.1f}", f"{d['p95_ms']:.1f}"] for k, d in nprobes_sweep.items()
                               if isinstance(d, dict)]))
    lines += ["", advice(queries, floor_of, builds, nprobes_sweep, args.nprobes), ""]
    return "\n".join(lines)


def _ratios(queries: dict[str, list[tuple[common.Sample, dict]]], anchor: str) -> str:
    """LanceDB ÷ the anchor, process by process (the same repeat: the same load)."""
    ours, theirs = queries["lancedb"], queries[anchor]
    rss = common.ratios([s for s, _ in ours], [s for s, _ in theirs], "peak_rss_mb")
    p50 = common.spread([a["p50_ms"] / b["p50_ms"] for (_, a), (_, b) in zip(ours, theirs, strict=True)])
    cpu = common.spread([a["cpu_ms"] / b["cpu_ms"] for (_, a), (_, b) in zip(ours, theirs, strict=True)])
    return (f"LanceDB ÷ {anchor}, pair by pair: peak RSS {rss.median:.2f} (min {rss.min:.2f}); p50 latency "
            f"{p50.median:.2f}× (min {p50.min:.2f}×); CPU per query {cpu.median:.2f}× (min {cpu.min:.2f}×).")


def advice(queries: dict[str, list[tuple[common.Sample, dict]]], floor_of: dict[str, list[common.Sample]],
           builds: dict[str, list[tuple[common.Sample, dict]]], nprobes_sweep: dict[str, Any], nprobes: int) -> str:
    """What the figures mean for a user choosing `index:`, in numbers from this run."""
    def med(kind: str, key: str) -> float:
        return statistics.median(d[key] for _, d in queries[kind])

    def above(kind: str) -> float:
        base = statistics.median(s.peak_rss_mb for s in floor_of[kind])
        return statistics.median(s.peak_rss_mb - base for s, _ in queries[kind])

    def total(kind: str) -> float:
        return statistics.median(s.peak_rss_mb for s, _ in queries[kind])

    def recall(kind: str) -> float:
        return statistics.median(d["recall@10"] for _, d in builds[kind])

    def disk(kind: str) -> float:
        return statistics.median(d["disk_mb"] for _, d in builds[kind])

    settings = {int(k): d for k, d in nprobes_sweep.items() if isinstance(d, dict)}  # not ru_maxrss_mb
    enough = [k for k, d in settings.items() if d["recall@10"] >= 0.95]
    at = min(enough) if enough else None
    top = max(settings)
    sweep_text = (f"`ann_nprobes` {at} reaches recall@10 {settings[at]['recall@10']:.2f} at p50 "
                  f"{settings[at]['p50_ms']:.0f} ms" if at is not None else
                  f"no `ann_nprobes` in the sweep reaches 0.95 (at {top}: {settings[top]['recall@10']:.2f}, "
                  f"p50 {settings[top]['p50_ms']:.0f} ms)")
    has_u = "usearch" in queries
    u_rss = (f"and {total('usearch'):,.0f} MB for usearch ({above('exact'):,.0f} and {above('usearch'):,.0f} MB "
             "above theirs)" if has_u else f"({above('exact'):,.0f} MB above its imports; usearch, not measured at "
             "this n, loads the same matrix plus its graph, so it holds at least as much)")
    u_p50 = f"{med('usearch', 'p50_ms'):.2f} ms (usearch) and " if has_u else ""
    u_recall = f" against {recall('usearch'):.2f} for usearch" if has_u else ""
    u_disk = f", usearch's folder {disk('usearch'):,.0f} MB" if has_u else ""
    return (
        f"What this means for a user. An answering process with `index: lancedb` peaks at {total('lancedb'):,.0f} MB "
        f"({above('lancedb'):,.0f} MB above its imports), against {total('exact'):,.0f} MB for the exact matrix "
        f"{u_rss}: the in-memory indexes hold every vector in every process (each `serve` replica, each Ray actor), "
        "LanceDB what its queries touch and its cache keeps (`ann_cache_mb`; with LanceDB's own, unbounded cache "
        f"the same process reached {total('lancedb-uncapped'):,.0f} MB), so the saving grows with the vectors and "
        "is paid per process" + ("" if total("lancedb") < min(total(k) for k in ("usearch", "exact") if k in queries)
                                 else " (at this size LanceDB's imports, pyarrow and pandas, outweigh the vectors: "
                                      "no saving yet)") + ". Latency and recall: p50 "
        f"{med('lancedb', 'p50_ms'):.1f} ms against {u_p50}{med('exact', 'p50_ms'):.0f} ms (exact: a scan of every "
        f"vector), and recall@10 {recall('lancedb'):.2f} at the default `ann_nprobes` {nprobes}{u_recall} on these "
        f"(synthetic, overlapping-cluster) vectors — {sweep_text}. "
        "On disk the LanceDB table holds the vectors twice (data and IVF_FLAT index: "
        f"{disk('lancedb'):,.0f} MB{u_disk}). Choose `index: lancedb` above "
        "`ann_threshold` when memory per process is what limits you (several replicas or actors on one machine, "
        f"or more vectors than RAM comfortably holds) and ~{med('lancedb', 'p50_ms'):.0f} ms per question is small "
        "beside the rest of the answer (an LLM call takes seconds); then check the recall@10 the build reports "
        "and raise `ann_nprobes` until it is enough (latency grows about in proportion, as the sweep shows). "
        "Keep the default usearch when the vectors fit in every process's memory"
        + (": here it is " + ("faster" if med("usearch", "p50_ms") < med("lancedb", "p50_ms") else "slower")
           + " and finds " + ("more" if recall("usearch") > recall("lancedb") else "fewer") + " of the true top 10."
           if has_u else " (its latency and recall beside LanceDB's: the next section).")
    )


if __name__ == "__main__":
    raise SystemExit(main())
