"""`shipcall compare` and `gate` end to end, dataset health at 10,000 items, and the statistics
beside the library a user would otherwise run (issue 21; it replaces issue 13's compare_stats.py).

    python -m benchmarks compare [--quick] [--repeats 5] [--before 7222bbc] [--health-before 7a7cb6e]

1. Whole processes, alternated (before, after, before, after...): `shipcall compare r1 r2` and
   `shipcall gate --no-record` on a generated 2,000-item workspace (benchmarks/compare_ws.py: the
   SQuAD slice as corpus and questions, 9 topic cohorts, two runs with hit@5, f1 and ndcg@10 =
   30 tests, 10,000 resamples), and `compare` on the same items with two real runs (137 tests).
   "Before" is the code at `--before` (git archive of src/ into benchmarks/.data/), so both sides
   share the machine's load (BEFORE_NOTES says what each known ref was: 7222bbc, the code before
   scipy.special's compiled functions were loaded alone and the bootstrap's counts and gathers
   were sped up; 7a294e3, before the lean reads). Bytecode is written (as in a pip install) and
   warmed first.
2. In process, on the same per-item values: `core.compare.compare` (the statistics alone: the
   anchor of 1) beside `scipy.stats.bootstrap` (BCa, 10,000 resamples, one call per row: what a
   user would otherwise run, and it gives intervals only), and the bootstrap's matrix products
   on one BLAS thread beside two.
3. Dataset health (`core.health.check_health`) on 10,000 items (SQuAD questions and seeded
   paraphrases of them: many near-duplicates), before (`--health-before`: 7a7cb6e, the exact
   all-pairs product) and after, each in its own process; the
   near-duplicate pairs found beside the exact all-pairs answer (recall, precision), and beside
   MinHash LSH from datasketch (if installed), the library the issue suggested.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import common  # noqa: E402
import compare_ws  # noqa: E402
import synth  # noqa: E402

DATA = HERE / ".data" / "compare"
# What the code at a `--before` ref lacked, for the report.
BEFORE_NOTES = {
    "7222bbc": "the code before scipy.special's compiled functions were loaded alone (no array-API layer, no "
               "numpy.f2py), before one OpenBLAS thread from the start and the faster bootstrap counts and gathers",
    "7a294e3": "the code before the lean reads (no SQLAlchemy, no scipy.optimize on the compare path)",
}
WS_VERSION = "1"  # bump when compare_ws changes, to rebuild the workspaces


def log(msg: str) -> None:
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


# -- inputs ----------------------------------------------------------------------------------

def workspace(kind: str, n_items: int) -> tuple[Path, str, str]:
    root = DATA / f"{kind}-{n_items}"
    stamp = root / ".bench-version"
    if stamp.is_file() and stamp.read_text() == WS_VERSION:
        return root, "r1", "r2"
    log(f"building the {kind} workspace ({n_items} items)")
    made = compare_ws.synthetic(root, n_items) if kind == "synthetic" else compare_ws.squad(root, n_items)
    stamp.write_text(WS_VERSION)
    return made


def before_src(ref: str) -> Path:
    """src/ as it was at `ref` (git archive), for the "before" processes."""
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    dst = DATA / f"before-{sha}"
    if not (dst / "src" / "shipcall").is_dir():
        tar = subprocess.run(["git", "archive", sha, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(tar)) as t:
            t.extractall(dst, filter="data")
    return dst / "src"


def child_env(src: Path) -> dict[str, str]:
    """The environment of a measured process: that source tree first, bytecode written (as an
    installed package has it), one BLAS setting for both sides (the machine's default)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    return env


# -- 1. whole processes ------------------------------------------------------------------------

def processes(srcs: dict[str, Path], cases: dict[str, tuple[Path, list[str]]], repeats: int,
              ) -> dict[str, dict[str, list[common.Sample]]]:
    out: dict[str, dict[str, list[common.Sample]]] = {}
    for case, (cwd, args) in cases.items():
        runs: dict[str, Callable[[], common.Sample]] = {}
        for side, src in srcs.items():
            cmd, env = [sys.executable, "-m", "shipcall", *args], child_env(src)
            common.measure_process(cmd, env=env, cwd=cwd, check=False)  # warm: bytecode, page cache
            runs[side] = lambda cmd=cmd, env=env, cwd=cwd: common.measure_process(cmd, env=env, cwd=cwd, check=False)
        log(f"{case}: {repeats} × {', '.join(runs)}")
        out[case] = common.alternate(runs, repeats)
    return out


def same_output(srcs: dict[str, Path], cwd: Path, args: list[str]) -> dict[str, bool]:
    """Whether before and after print the same text, and the same JSON (`--json`) byte for byte
    but for a decision's `created_at` (the clock: `gate` stamps its decision). Trivially true with
    one side."""
    def outputs(extra: list[str]) -> set[str]:
        return {_without_clock(subprocess.run([sys.executable, "-m", "shipcall", *args, *extra], cwd=cwd,
                                              env=child_env(src), capture_output=True, text=True,
                                              check=False).stdout) for src in srcs.values()}
    return {"text": len(outputs([])) == 1, "json": len(outputs(["--json"])) == 1}


def _without_clock(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if not line.lstrip().startswith('"created_at": '))


# -- 2. in process: the statistics, SciPy's bootstrap, BLAS threads ------------------------------

def statistics(root: Path, repeats: int) -> dict[str, list[common.Sample]]:
    import numpy as np
    from scipy.stats import bootstrap
    from threadpoolctl import threadpool_limits

    from shipcall.app.decisions import load_run
    from shipcall.app.workspace import Workspace
    from shipcall.core.compare import compare
    from shipcall.core.stats.studentized import _resample_t

    ws = Workspace.open(root)
    b, c = load_run(ws, "r1"), load_run(ws, "r2")
    contract = ws.contract(None)
    tags = {i: it.tags for i, it in c.items.items()}
    ids = sorted(set(b.values) & set(c.values))
    metrics = sorted(set.intersection(*(set(b.values[i]) & set(c.values[i]) for i in ids)))
    d = np.array([[c.values[i][m] - b.values[i][m] for m in metrics] for i in ids])
    topics = np.array([tags[i].get("topic", "") for i in ids])
    groups = [np.arange(len(ids)), *(np.flatnonzero(topics == t) for t in sorted(set(topics)))]
    n = len(ids)
    centred = d - d.mean(axis=0)
    design = np.hstack([centred, centred**2, np.ones_like(d)]).astype(np.float32)

    def scipy_rows() -> None:
        for j in range(d.shape[1]):
            for g in groups:
                bootstrap((d[g, j],), np.mean, n_resamples=10_000, method="BCa", rng=np.random.default_rng(0))

    def products(threads: int) -> Callable[[], common.Sample]:
        def run() -> None:
            with threadpool_limits(limits=threads, user_api="blas"):
                tstar = np.full((10_000, len(groups), d.shape[1]), np.nan, dtype=np.float32)
                _resample_t(tstar, d, [design[g] for g in groups], groups, 10_000, 0)
        return lambda: common.measure_call(run)

    log(f"statistics in process: {len(metrics)} metrics × {len(groups)} groups, {n} items")
    return common.alternate({
        "compare": lambda: common.measure_call(lambda: compare(b.values, c.values, tags, contract, seed=0)),
        "scipy": lambda: common.measure_call(scipy_rows),
        "blas1": products(1),
        "blas2": products(2),
    }, repeats)


# -- 3. dataset health at 10,000 items -----------------------------------------------------------

def health_child(n_items: int) -> None:
    """In a process of its own (PYTHONPATH chooses before or after): check_health on the items;
    prints the Sample and the near-duplicate pairs' count as JSON."""
    from shipcall.core.health import check_health

    items, docs = compare_ws.health_items(n_items)
    found: list[Any] = []
    sample = common.measure_call(lambda: found.append(check_health(items, doc_texts=docs, doc_changed_at={},
                                                                   item_added_at={}, cohort_keys=["topic"])))
    near = [f.items for f in found[0].findings if f.check == "near_duplicate"]
    print(json.dumps({"sample": vars(sample), "near": len(near), "pairs": sorted(near)}))


def health(srcs: dict[str, Path], n_items: int, repeats: int) -> tuple[dict[str, list[common.Sample]],
                                                                         dict[str, Any]]:
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in srcs}

    def run(side: str) -> Callable[[], common.Sample]:
        def go() -> common.Sample:
            p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--health-child", str(n_items)],
                               env=child_env(srcs[side]), capture_output=True, text=True, check=True)
            results[side].append(json.loads(p.stdout))
            return common.Sample(**results[side][-1]["sample"])
        return go

    log(f"dataset health, {n_items} items: {repeats} × {', '.join(srcs)}")
    samples = common.alternate({side: run(side) for side in srcs}, repeats)
    exact = {tuple(p) for p in results["before"][0]["pairs"]} if "before" in results else None
    ours = {tuple(p) for p in results["after"][0]["pairs"]}
    quality: dict[str, Any] = {"pairs": len(ours)}
    if exact is not None:
        quality |= {"exact_pairs": len(exact), "recall": len(ours & exact) / max(len(exact), 1),
                    "precision": len(ours & exact) / max(len(ours), 1)}
    quality |= datasketch_anchor(n_items, exact or ours)
    return samples, quality


def datasketch_anchor(n_items: int, exact: set[tuple[str, ...]]) -> dict[str, Any]:
    """MinHash LSH from datasketch for the same near-duplicates, in a process of its own: its CPU
    time (and its import's) and its recall of the exact pairs. Empty without datasketch."""
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--lsh-child", str(n_items)],
                       capture_output=True, text=True, check=False, env=child_env(ROOT / "src"))
    if p.returncode != 0:
        log("datasketch anchor skipped: " + (p.stderr.strip().splitlines() or ["?"])[-1])
        return {}
    got = json.loads(p.stdout)
    pairs = {tuple(x) for x in got.pop("pairs")}
    return got | {"lsh_pairs": len(pairs), "lsh_recall": len(pairs & exact) / max(len(exact), 1)}


def lsh_child(n_items: int) -> None:
    """Candidates from MinHash LSH (128 permutations, LSH threshold 0.5, so that pairs at 0.8 are
    rarely missed), then the exact Jaccard ≥ 0.8 on them, as core/health.py decides."""
    t0 = time.process_time()
    from datasketch import MinHash, MinHashLSH

    import_s = time.process_time() - t0
    from shipcall.core.metrics.answer import normalize_answer

    items, _ = compare_ws.health_items(n_items)

    def near() -> list[tuple[str, str]]:
        norm = [normalize_answer(it.question) for it in items]
        sets = [sorted(set(q.split())) for q in norm]
        hashes = MinHash.bulk([[t.encode() for t in s] for s in sets], num_perm=128, seed=1)
        lsh = MinHashLSH(threshold=0.5, num_perm=128)
        with lsh.insertion_session() as session:
            for i, m in enumerate(hashes):
                session.insert(i, m, check_duplication=False)
        out = []
        for i, m in enumerate(hashes):
            for j in lsh.query(m):
                if j > i and norm[i] != norm[j]:
                    a, b = set(sets[i]), set(sets[j])
                    n = len(a & b)
                    if n / (len(a) + len(b) - n) >= 0.8:
                        out.append((items[i].id, items[j].id))
        return out

    found: list[Any] = []
    sample = common.measure_call(lambda: found.append(near()))
    print(json.dumps({"lsh_cpu_s": sample.cpu_s, "lsh_import_s": import_s, "pairs": found[0]}))


# -- 4. where a compare process's CPU goes (after) ----------------------------------------------

def stages(root: Path, repeats: int) -> dict[str, list[float]]:
    got: dict[str, list[float]] = {}
    for _ in range(repeats):
        p = subprocess.run([sys.executable, str(HERE / "compare_stages.py"), str(root)],
                           env=child_env(ROOT / "src"), capture_output=True, text=True, check=True)
        for k, v in json.loads(p.stdout).items():
            got.setdefault(k, []).append(v)
    return got


# -- report ------------------------------------------------------------------------------------

def fmt(values: list[float], unit: str = "s") -> str:
    sp = common.spread(values)
    return f"{sp.median:.3f} {unit} (min {sp.min:.3f})"


def ratio(a: list[common.Sample], b: list[common.Sample], field: str = "cpu_s") -> str:
    r = common.ratios(a, b, field)
    return f"{r.median:.2f}× (min {r.min:.2f}, max {r.max:.2f})"


def report(m: dict[str, Any], procs: dict[str, dict[str, list[common.Sample]]], same: dict[str, dict[str, bool]],
           stats: dict[str, list[common.Sample]], health_s: dict[str, list[common.Sample]], quality: dict[str, Any],
           args: argparse.Namespace, sizes: dict[str, int], staged: dict[str, list[float]]) -> str:
    lines = [
        "## `compare` end to end and dataset health (issue 21)",
        "",
        f"`python -m benchmarks compare{' --quick' if args.quick else ''}` — {common.machine_line(m)} "
        f"(at the end: {common.loadavg()}). "
        + ("CI-sized: this commit only. " if args.quick else f"Whole processes: before = src/ at `{args.before}` "
           f"({BEFORE_NOTES.get(args.before, 'the code before')}), after = this commit, alternated before/after, "
           f"{args.repeats} repeats each; "
           f"dataset health: before = src/ at `{args.health_before}` (the all-pairs product). ")
        + "Bytecode written and warmed. "
        "CPU time (user + system of the process) beside wall time: on this shared 2-core machine wall time "
        "follows the load, CPU time far less.",
        "",
        "### Whole processes",
        "",
    ]
    rows = []
    for case, sides in procs.items():
        b, a = sides.get("before"), sides["after"]
        rows.append([case, fmt([x.cpu_s for x in b]) if b else "–", fmt([x.cpu_s for x in a]),
                     ratio(a, b) if b else "–", fmt([x.wall_s for x in b]) if b else "–", fmt([x.wall_s for x in a]),
                     f"{common.spread([x.peak_rss_mb for x in a]).median:.0f} MB",
                     *(("–" if not b else "yes" if same.get(case, {}).get(kind) else "no")
                       for kind in ("text", "json"))])
    lines.append(common.table(["command", "CPU before", "CPU after", "after / before (CPU)", "wall before",
                               "wall after", "peak RSS after", "same text output", "same JSON output (but the clock)"],
                              rows))
    s = stats
    lines += [
        "",
        f"Workspaces: {sizes['items']} items (SQuAD 2.0 slice questions, its 312 paragraphs as the corpus); "
        "*synthetic*: 9 topic cohorts, two runs with hit@5 (0/1), f1 and ndcg@10 (the statistics audit's "
        "generator) = 30 tests; *squad*: two real runs (BM25 + extractive, heading vs sentence chunks), every "
        "metric they have over the topic and kind cohorts = 137 tests. 10,000 resamples.",
        "",
        "### The statistics alone (in process, the synthetic workspace's values)",
        "",
        common.table(["", "CPU", "wall", "ratio (CPU)"], [
            ["`core.compare.compare`: 30 rows, tests, adjusted and 95% intervals, items needed (anchor)",
             fmt([x.cpu_s for x in s["compare"]]), fmt([x.wall_s for x in s["compare"]]), "1"],
            ["`scipy.stats.bootstrap` BCa, one call per row (intervals only)", fmt([x.cpu_s for x in s["scipy"]]),
             fmt([x.wall_s for x in s["scipy"]]), ratio(s["scipy"], s["compare"])],
            ["the bootstrap's matrix products, 1 BLAS thread (now)", fmt([x.cpu_s for x in s["blas1"]]),
             fmt([x.wall_s for x in s["blas1"]]), ratio(s["blas1"], s["compare"])],
            ["the same, 2 BLAS threads (before)", fmt([x.cpu_s for x in s["blas2"]]),
             fmt([x.wall_s for x in s["blas2"]]), ratio(s["blas2"], s["compare"])],
        ]),
        "",
        f"Whole `compare` process / the statistics alone (CPU, synthetic): "
        f"{ratio(procs['compare (synthetic)']['after'], s['compare'])}.",
        "",
        "### Where the CPU of a `compare` process goes (after, synthetic workspace)",
        "",
        "Each stage in the order the command runs it, timed in one process (median and min of the repeats; "
        "the sum of the medians is near the whole process's CPU above, the printing of the report aside):",
        "",
        common.table(["stage", "CPU"], [[k, fmt(v)] for k, v in staged.items()]
                     + [["sum of the medians", f"{sum(common.spread(v).median for v in staged.values()):.3f} s"]]),
        "",
        f"### Dataset health, {sizes['health']} items",
        "",
    ]
    hb, ha = health_s.get("before"), health_s["after"]
    hrows = [["`check_health` after (exact prefix filtering)", fmt([x.cpu_s for x in ha]),
              fmt([x.wall_s for x in ha]), ratio(ha, hb) if hb else "–"]]
    if hb:
        hrows.insert(0, ["`check_health` before (near-duplicates by a sparse all-pairs product)",
                         fmt([x.cpu_s for x in hb]), fmt([x.wall_s for x in hb]), "1"])
    lines.append(common.table(["", "CPU", "wall", "ratio (CPU)"], hrows))
    q = quality
    lines += [""]
    if "recall" in q:
        lines.append(f"Near-duplicate pairs (Jaccard ≥ 0.8): after {q['pairs']}, exact all-pairs answer (before) "
                     f"{q['exact_pairs']}: recall {q['recall']:.3f}, precision {q['precision']:.3f}.")
    if "lsh_cpu_s" in q:
        lines.append(f"MinHash LSH from datasketch on the same items (128 permutations, LSH threshold 0.5, then the "
                     f"exact Jaccard): {q['lsh_cpu_s']:.3f} s CPU for the near-duplicates alone plus "
                     f"{q['lsh_import_s']:.3f} s to import datasketch, recall {q['lsh_recall']:.3f}; the prefix filter "
                     f"is exact and needs no import, so dataset health (run by every `compare` and `gate`) uses it.")
    lines += ["", *targets(procs, health_s, quality, stats, sizes, same, args)]
    return "\n".join(lines)


def targets(procs: dict[str, dict[str, list[common.Sample]]], health_s: dict[str, list[common.Sample]],
            quality: dict[str, Any], stats: dict[str, list[common.Sample]], sizes: dict[str, int],
            same: dict[str, dict[str, bool]], args: argparse.Namespace) -> list[str]:
    """The issue's targets against this run's medians, said plainly."""
    def med(xs: list[common.Sample], field: str) -> float:
        return common.spread([getattr(x, field) for x in xs]).median

    a = procs["compare (synthetic)"]["after"]
    h = health_s["after"]
    wall, cpu, h_cpu, h_wall = med(a, "wall_s"), med(a, "cpu_s"), med(h, "cpu_s"), med(h, "wall_s")
    b1, b2 = med(stats["blas1"], "cpu_s"), med(stats["blas2"], "cpu_s")

    def held(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out = ["Against the targets:", "",
           f"- `compare` end to end ≤ 1.0 s wall ({sizes['items']} items, 30 tests): {held(wall <= 1.0)} here, "
           f"{wall:.2f} s wall for {cpu:.2f} s of CPU at the load above (a process gets a fraction of a core). "
           f"On an idle core wall time would be about the CPU time: in CPU time {held(cpu <= 1.0)}. "
           "Where the rest goes: the stage table above (the statistics, the pydantic config and contract models "
           "and the reads are the largest left; scipy.special's package, SQLAlchemy and scipy.optimize are no "
           "longer imported by `compare` or `gate --no-record`).",
           f"- Dataset health on {sizes['health']} items ≤ 1 s: {held(h_cpu <= 1.0)} in CPU time ({h_cpu:.2f} s), "
           f"{h_wall:.2f} s wall at this load."]
    if "recall" in quality:
        out.append(f"- Near-duplicate recall of exact Jaccard ≥ 0.95: {held(quality['recall'] >= 0.95)} "
                   f"(recall {quality['recall']:.3f}, precision {quality['precision']:.3f}).")
    out += [f"- BLAS threads pinned for the bootstrap where faster: one thread {b1:.3f} s CPU against two "
            f"{b2:.3f} s ({b2 / b1:.1f}×) for the same products.",
            "- Results identical: " + (
                "the printed output and the JSON of `compare` and `gate` are byte for byte the same before and after "
                "(the last two columns above; the decision's `created_at` aside), and every interval end is within "
                "1e-7 of the golden file recorded at 7a7cb6e (tests/core/test_compare_golden.py, "
                "tests/core/test_tango_interval.py)."
                if not args.quick and all(v["text"] and v["json"] for v in same.values()) else
                "the printed output of `compare` and `gate` is the same before and after (the text column above; "
                "see the JSON column), and every interval end is within 1e-7 of the golden file recorded at 7a7cb6e "
                "(tests/core/test_compare_golden.py, tests/core/test_tango_interval.py).")]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized: 300 items, 2 repeats, no real runs, no before side")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--before", default="7222bbc", help="the code whose processes to compare with (a git ref)")
    ap.add_argument("--health-before", default="7a7cb6e", help="the code whose dataset health to compare with")
    ap.add_argument("--health-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--lsh-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.health_child is not None:
        health_child(args.health_child)
        return 0
    if args.lsh_child is not None:
        lsh_child(args.lsh_child)
        return 0
    if not synth.SQUAD.is_file():  # the workspaces' questions come from the SQuAD slice
        print(f"the SQuAD slice is not at {synth.SQUAD} (set SHIPCALL_DATA)", file=sys.stderr)
        return 0 if args.quick else 2  # CI without the public data: nothing to measure
    args.repeats = args.repeats or (2 if args.quick else 5)
    sizes = {"items": 300, "health": 1000} if args.quick else {"items": 2000, "health": 10_000}
    m = common.machine()
    srcs = {"after": ROOT / "src"}
    if not args.quick:  # CI-sized runs only have to run: no second source tree (nor git history) needed
        srcs = {"before": before_src(args.before), **srcs}
    syn, b1, c1 = workspace("synthetic", sizes["items"])
    cases = {"compare (synthetic)": (syn, ["compare", b1, c1]),
             "gate (synthetic)": (syn, ["gate", "--baseline", b1, "--candidate", c1, "--no-record"])}
    if not args.quick:
        real, b2, c2 = workspace("squad", sizes["items"])
        cases["compare (squad)"] = (real, ["compare", b2, c2])
    procs = processes(srcs, cases, args.repeats)
    same = {case: same_output(srcs, cwd, a) for case, (cwd, a) in cases.items()}
    stats = statistics(syn, args.repeats)
    staged = stages(syn, args.repeats)
    health_srcs = {"after": srcs["after"]} if args.quick else {"before": before_src(args.health_before),
                                                                 "after": srcs["after"]}
    health_s, quality = health(health_srcs, sizes["health"], args.repeats)
    text = report(m, procs, same, stats, health_s, quality, args, sizes, staged)
    path = common.write_section("compare", text, quick=args.quick)
    print(text)
    log(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
