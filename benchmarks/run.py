"""shipcall's benchmarks: one command, figures written to BENCHMARKS.md.

    python benchmarks/run.py            # the full sizes (~20,000 documents, 1,000 queries, ...)
    python benchmarks/run.py --quick    # a smoke version (minutes → seconds); writes .data/BENCHMARKS.quick.md

Phases, each in its own process so that its peak memory is its own:

1. startup    `shipcall --help` (median of 10) beside `python -c pass`
2. ingest     a synthetic 20,000-document (~40 MB) Markdown corpus through `shipcall.app.ingest.ingest`
3. query      ~1,000 queries, one at a time, k=5: our query path beside raw bm25s on the same chunks
4. eval       1,000 SQuAD v2 questions end to end through `shipcall.app.run.run`
5. aggregate  metric aggregation over 100,000 per-item rows beside `ranx.evaluate`

Generated inputs live in benchmarks/.data/ (gitignored) and are reused while their parameters
match. Results also go to benchmarks/.data/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import report  # noqa: E402
import synth  # noqa: E402

SIZES: dict[str, dict[str, int]] = {
    "full": {"docs": 20_000, "queries": 1_000, "items": 1_000, "rows": 100_000, "startup_runs": 10, "repeat": 3,
             "warmup": 50},
    "quick": {"docs": 2_000, "queries": 200, "items": 200, "rows": 10_000, "startup_runs": 5, "repeat": 2,
              "warmup": 20},
}
PHASE_ORDER = ("startup", "ingest", "query", "eval", "aggregate")


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run_phase(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; it writes its result as JSON to a file."""
    out = synth.DATA / f"result-{name}.json"
    out.unlink(missing_ok=True)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phase", name, "--params", json.dumps(params),
                    "--result", str(out)], check=True, cwd=ROOT)
    result = json.loads(out.read_text())
    result["phase_wall_s"] = time.perf_counter() - t0
    result["load_avg_1min"] = [load_before, os.getloadavg()[0]]
    return result


def child(name: str, params_json: str, result_path: str) -> None:
    import phases

    result = phases.PHASES[name](json.loads(params_json))
    Path(result_path).write_text(json.dumps(result, indent=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smaller sizes, a smoke test (writes .data/BENCHMARKS.quick.md)")
    ap.add_argument("--only", action="append", choices=PHASE_ORDER, help="run only this phase (repeatable)")
    ap.add_argument("--out", type=Path, default=None, help="where to write the report (default: BENCHMARKS.md)")
    ap.add_argument("--seed", type=int, default=42)
    for key in SIZES["full"]:
        ap.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, help=f"override the {key} size")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        child(args.phase, args.params, args.result)
        return 0

    mode = "quick" if args.quick else "full"
    sizes = dict(SIZES[mode])
    for key in sizes:
        value = getattr(args, key)
        if value is not None:
            sizes[key] = value
    custom = sizes != SIZES[mode]
    out = args.out or (synth.DATA / "BENCHMARKS.quick.md" if (args.quick or custom or args.only) else
                       ROOT / "BENCHMARKS.md")
    started = time.perf_counter()
    synth.DATA.mkdir(parents=True, exist_ok=True)

    log(f"generating inputs ({sizes['docs']:,} documents, seed {args.seed}) …")
    t0 = time.perf_counter()
    corpus = synth.write_corpus(sizes["docs"], seed=args.seed, n_queries=sizes["queries"])
    squad = synth.write_squad(sizes["items"], seed=args.seed)
    log(f"inputs ready in {time.perf_counter() - t0:.1f} s: {corpus['bytes'] / 1e6:.1f} MB corpus")

    params: dict[str, dict[str, Any]] = {
        "startup": {"runs": sizes["startup_runs"]},
        "ingest": {"corpus": corpus["path"], "bytes": corpus["bytes"], "workspace": str(synth.DATA / "ws-docs")},
        "query": {"workspace": str(synth.DATA / "ws-docs"), "queries": corpus["queries"], "k": 5,
                  "warmup": sizes["warmup"]},
        "eval": {"docs": squad["docs"], "items": squad["items"], "workspace": str(synth.DATA / "ws-squad"),
                 "repeat": sizes["repeat"]},
        "aggregate": {"rows": sizes["rows"], "repeat": sizes["repeat"], "seed": args.seed},
    }
    wanted = [p for p in PHASE_ORDER if not args.only or p in args.only]
    if "query" in wanted and "ingest" not in wanted and not (synth.DATA / "ws-docs" / "shipcall.yaml").is_file():
        wanted.insert(wanted.index("query"), "ingest")
    results: dict[str, Any] = {"mode": mode, "sizes": sizes, "seed": args.seed, "corpus": corpus, "squad": squad}
    for name in wanted:
        log(f"phase {name} …")
        results[name] = run_phase(name, params[name])
        log(f"phase {name} done in {results[name]['phase_wall_s']:.1f} s")
    results["total_s"] = time.perf_counter() - started
    results["machine"] = report.machine()
    (synth.DATA / "results.json").write_text(json.dumps(results, indent=1))
    write_report(out, report.render(results, command=_command(args)))
    log(f"wrote {out} ({results['total_s']:.0f} s in all)")
    print(report.summary_lines(results))
    return 0


_BLOCK = re.compile(r"^<!-- ([\w.-]+):start -->$.*?^<!-- \1:end -->$", re.DOTALL | re.MULTILINE)


def write_report(path: Path, text: str) -> None:
    """Write the report, keeping the sections other benchmark scripts maintain in the same file
    between marker lines `<!-- NAME:start -->` and `<!-- NAME:end -->` (e.g. benchmarks/dense.py)."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    kept = [m.group(0) for m in _BLOCK.finditer(old)]
    path.write_text(text.rstrip("\n") + "".join(f"\n\n{block}" for block in kept) + "\n", encoding="utf-8")


def _command(args: argparse.Namespace) -> str:
    return "python " + " ".join(["benchmarks/run.py", *sys.argv[1:]]) if sys.argv[1:] else "python benchmarks/run.py"


if __name__ == "__main__":
    sys.exit(main())
