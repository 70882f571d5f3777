"""What every benchmark shares: how a run is measured, how two are paired, how a figure is written.

A figure here is always a ratio against the anchor (the library a user would otherwise use) measured in
the same run, interleaved A, B, A, B… so that a busy machine slows both sides alike; CPU time is given
beside wall time because it survives load far better, and the load average is printed with it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the modules run as scripts (`python benchmarks/NAME.py`) and import each other flat
    sys.path.insert(0, str(HERE))

import report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
QUICK_MD = HERE / ".data" / "BENCHMARKS.quick.md"


def shared_data() -> Path:
    """The public data sets: $SHIPCALL_DATA, else ../shared/data beside the repository (as the tests)."""
    return Path(os.environ.get("SHIPCALL_DATA", ROOT.parent / "shared" / "data"))


@dataclass(frozen=True)
class Sample:
    """One measured run: CPU seconds (user + system), wall seconds, peak resident memory in MB."""

    cpu_s: float
    wall_s: float
    peak_rss_mb: float


@dataclass(frozen=True)
class Spread:
    median: float
    min: float
    max: float
    n: int

    def __str__(self) -> str:
        return f"{self.median:.3g} (min {self.min:.3g}, max {self.max:.3g}, n={self.n})"


def measure_process(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | str | None = None,
                    stdin: bytes | None = None, check: bool = True) -> Sample:
    """Run `cmd` to the end; its own CPU time and peak RSS come from os.wait4 (not the children's total)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    err = proc.stderr.read() if proc.stderr is not None else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    return Sample(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


def measure_call(fn: Callable[[], object]) -> Sample:
    """Run `fn` in this process; peak RSS is the process's peak so far (measure memory in a process of its own)."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return Sample(cpu, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def alternate(runs: dict[str, Callable[[], Sample]], repeats: int) -> dict[str, list[Sample]]:
    """Each run `repeats` times, interleaved (A, B, A, B, …), so drifting load hits every side alike."""
    out: dict[str, list[Sample]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            out[name].append(fn())
    return out


def spread(values: list[float]) -> Spread:
    if not values:
        raise ValueError("no values to summarise")
    return Spread(statistics.median(values), min(values), max(values), len(values))


def ratios(ours: list[Sample], anchor: list[Sample], field: str = "cpu_s") -> Spread:
    """Per-pair ratios ours/anchor (pair i ran next to pair i, so it shared its load)."""
    return spread([getattr(a, field) / getattr(b, field) for a, b in zip(ours, anchor, strict=True)])


def log(msg: str, *, name: str = "bench") -> None:
    """Progress to stderr (stdout stays for results)."""
    print(f"[{name}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def machine() -> dict[str, Any]:
    """The machine, the code measured and the load at the time (1, 5, 15 minutes)."""
    return {**report.machine(), "load": loadavg()}


def machine_line(m: dict[str, Any]) -> str:
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']:.0f} GB RAM, Python {m['python']}; "
            f"commit {m['commit']}; {m['date']}; load average {m['load']}")


def table(header: list[str], rows: list[list[str]]) -> str:
    return report.table(header, rows)


def write_section(name: str, text: str, *, quick: bool = False) -> Path:
    """Replace the block between `<!-- name:start -->` and `<!-- name:end -->` (append it if missing).

    Quick (CI-sized) runs go to benchmarks/.data/BENCHMARKS.quick.md, never to BENCHMARKS.md: their
    sizes are too small to quote.
    """
    path = QUICK_MD if quick else BENCHMARKS_MD
    path.parent.mkdir(parents=True, exist_ok=True)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")
    return path
