"""Start-up, and metric aggregation beside ranx.

    python benchmarks/run.py            # 10 start-ups each; 100,000 scored rows, 5 interleaved repeats
    python benchmarks/run.py --quick    # 5 start-ups; 10,000 rows (.data/BENCHMARKS.quick.md)

1. start-up: `shipcall --help` and `python -c "import shipcall.cli.main"` beside `python -c pass` (the floor),
   whole processes interleaved, CPU and wall.
2. aggregation: every per-item retrieval metric and `aggregate` over synthetic scored rows, beside
   `ranx.evaluate` on the same rows, in a process of its own, the steps interleaved.
The other figures have modules of their own: ingest.py (ingest + index build), query.py (the query
path), runloop.py (a run, items per CPU-second, beside raw bm25s + ranx), compare.py, serve.py, ...
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import common
import synth
from common import HERE, Sample, alternate, log, machine, machine_line, measure_process, spread, table

PY = sys.executable


def shipcall_exe() -> str:
    beside = Path(PY).with_name("shipcall")
    return str(beside) if beside.is_file() else (shutil.which("shipcall") or "shipcall")


def startup(runs: int) -> dict[str, list[Sample]]:
    exe = shipcall_exe()
    cmds = {"shipcall --help": [exe, "--help"], "import shipcall.cli.main": [PY, "-c", "import shipcall.cli.main"],
            "python -c pass": [PY, "-c", "pass"]}
    for cmd in cmds.values():  # warm the file cache
        measure_process(cmd)
    return alternate({k: (lambda c=c: measure_process(c)) for k, c in cmds.items()}, runs)


def aggregation(rows: int, repeat: int) -> dict[str, Any]:
    """phases.aggregation in a child process (its peak memory is its own)."""
    out = synth.DATA / "result-aggregate.json"
    out.unlink(missing_ok=True)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import phases; "
            "json.dump(phases.aggregation(json.loads(sys.argv[2])), open(sys.argv[3], 'w'))")
    subprocess.run([PY, "-c", code, str(HERE), json.dumps({"rows": rows, "repeat": repeat, "seed": 42}), str(out)],
                   check=True)
    return dict(json.loads(out.read_text()))


def render(up: dict[str, list[Sample]], agg: dict[str, Any], m: dict[str, Any], load: tuple[str, str],
           quick: bool) -> str:
    floor = up["python -c pass"]
    rows = []
    for name, samples in up.items():
        w, c = spread([s.wall_s for s in samples]), spread([s.cpu_s for s in samples])
        above = spread([s.wall_s - f.wall_s for s, f in zip(samples, floor, strict=True)])
        rows.append([f"`{name}`", f"{w.median:.3f} ({w.min:.3f})", f"{c.median:.3f} ({c.min:.3f})",
                     "" if samples is floor else f"{above.median:+.3f}"])
    t, cpu = agg["all_times_s"], agg["all_cpu_s"]

    def cell(step: str) -> str:
        w, c = spread(t[step]), spread(cpu[step])
        return f"{w.median:.2f} ({w.min:.2f}) / {c.median:.2f}"

    def ratio(ours: list[str], anchor: list[str]) -> str:
        per = [sum(cpu[s][i] for s in ours) / sum(cpu[s][i] for s in anchor) for i in range(len(cpu[ours[0]]))]
        sp = spread(per)
        return f"{sp.median:.2f}× ({sp.min:.2f}–{sp.max:.2f})"

    a_rows = [
        ["per-item retrieval metrics (`score_retrieval` × rows)", cell("ours.score_retrieval"), "", ""],
        ["`aggregate` (no cohorts) ↔ `ranx.evaluate` (Qrels/Run built, warm)", cell("ours.aggregate"),
         cell("ranx.evaluate"), ratio(["ours.aggregate"], ["ranx.evaluate"])],
        ["metrics + `aggregate` ↔ `ranx.evaluate` (warm)", "", "",
         ratio(["ours.score_retrieval", "ours.aggregate"], ["ranx.evaluate"])],
        ["metrics + `aggregate` ↔ `ranx.evaluate`, 1 thread", "", cell("ranx.evaluate_threads_1"),
         ratio(["ours.score_retrieval", "ours.aggregate"], ["ranx.evaluate_threads_1"])],
        ["metrics + `aggregate` ↔ build `Qrels`/`Run` from dicts + `evaluate`", "", cell("ranx.build_qrels_run"),
         ratio(["ours.score_retrieval", "ours.aggregate"], ["ranx.build_qrels_run", "ranx.evaluate"])],
        ["`aggregate` with cohorts (12 `topic` values)", cell("ours.aggregate_with_cohorts"), "", ""],
    ]
    n_up = len(floor)
    return "\n".join([
        "## Start-up and metric aggregation" + (" (quick)" if quick else ""),
        "",
        f"`python benchmarks/run.py{' --quick' if quick else ''}`; {machine_line(m)} at the start (1, 5 and 15 "
        f"minutes), {load[1]} at the end.",
        "",
        f"### Start-up ({n_up} runs of each, interleaved, after a warm-up)",
        "",
        table(["command", "wall s, median (min)", "CPU s, median (min)", "wall above the floor, median"], rows),
        "",
        "The floor is an interpreter that does nothing; the target for `shipcall --help` is under 0.2 s of wall.",
        "",
        f"### Metric aggregation beside ranx ({agg['rows']:,} rows, {agg['metrics']} metrics, "
        f"{agg['repeat']} interleaved repeats)",
        "",
        f"Synthetic rows (benchmarks/synth.py `synthetic_results`, seed 42: 1–4 relevant documents with grades 1–3, "
        f"a {agg['ks'][-1]}-document ranking holding each relevant document with probability 0.6); recall, "
        f"precision, hit, MRR and nDCG at k = {', '.join(map(str, agg['ks']))}. Each repeat runs every step once, "
        "in turn. Cells: wall s median (min) / CPU s median; ratios are ours ÷ ranx in CPU time per repeat, median "
        f"(min–max). ranx's first `evaluate` in the process (numba JIT or cache load, 1,000 queries) took "
        f"{agg['ranx']['jit_warmup_first_call']:.2f} s and is not in the repeats. Our means equal ranx's to "
        f"{agg['max_abs_diff_vs_ranx']:.1e} (largest difference over the {agg['metrics']} metrics).",
        "",
        table(["step", "ours", "ranx", "ours ÷ ranx (CPU)"], a_rows),
        "",
        f"Peak RSS of the aggregation process: {agg['peak_rss_before_ranx_mb']:,.0f} MB before ranx, "
        f"{agg['peak_rss_mb']:,.0f} MB after.",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="CI-sized (.data/BENCHMARKS.quick.md)")
    ap.add_argument("--repeats", type=int, default=5, help="aggregation repeats")
    args = ap.parse_args(argv)
    load0 = common.loadavg()
    m = machine()
    synth.DATA.mkdir(parents=True, exist_ok=True)
    log("start-up")
    up = startup(5 if args.quick else 10)
    log("metric aggregation")
    agg = aggregation(10_000 if args.quick else 100_000, args.repeats)
    text = render(up, agg, m, (load0, common.loadavg()), args.quick)
    log(f"written to {common.write_section('run', text, quick=args.quick)}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
