"""Every benchmark with one command.

    python -m benchmarks all            # the full set: figures written to BENCHMARKS.md (hours on 2 cores)
    python -m benchmarks all --quick    # CI-sized: every benchmark runs end to end, nothing enforced,
                                        # written to benchmarks/.data/BENCHMARKS.quick.md
    python -m benchmarks serve dense    # some of them (extra flags are passed on to each)

Each benchmark runs in a process of its own (`python benchmarks/NAME.py`), so its peak memory is its own
and one that fails does not hide the others; the exit code is 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The registered benchmarks, in the order `all` runs them; each is benchmarks/NAME.py with
# `main(argv) -> int` accepting --quick.
MODULES: tuple[str, ...] = ("run", "ingest", "query", "answers", "dense", "drafting", "hardening", "compare",
                            "scale", "serve", "tasks", "lance_index", "runloop")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nbenchmarks: " + ", ".join(MODULES))
        return 0 if argv else 2
    names = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    chosen = list(MODULES) if names == ["all"] else names
    unknown = [n for n in chosen if n not in MODULES]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from: all, {', '.join(MODULES)}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        t0 = time.perf_counter()
        print(f"== {name} {' '.join(flags)}", file=sys.stderr, flush=True)
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py"), *flags])
        print(f"== {name}: exit {code} after {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
