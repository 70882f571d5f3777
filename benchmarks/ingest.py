"""Ingest + index build against raw bm25s, whole processes, CPU beside wall, disk and peak memory.

    python benchmarks/ingest.py             # 20,000 and 100,000 synthetic Markdown documents, 5 repeats
    python benchmarks/ingest.py --quick     # 1,000 documents, 3 repeats (CI-sized; .data/BENCHMARKS.quick.md)

Each repeat runs three processes back to back, interleaved so that the machine's load falls on all
of them alike:
- ours: `shipcall ingest FOLDER -q` into a fresh workspace (read, parse, store, chunk, index);
- raw bm25s over the documents: read every file, `bm25s.tokenize` (English stop words and stemmer,
  as our default), `BM25.index`, `BM25.save` (benchmarks/raw_ingest.py docs);
- raw bm25s over the same strings ours indexes (each chunk's heading path and text, exported once
  from our index to a JSON-lines file): the library's cost on exactly our input.
CPU time and peak RSS are the child's own (os.wait4). Disk: ours is everything `ingest` writes (the
workspace's store and indexes); raw is its saved index plus one copy of the text (the files).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import synth
from common import (
    HERE,
    ROOT,
    Sample,
    alternate,
    log,
    machine,
    machine_line,
    measure_process,
    ratios,
    spread,
    table,
    write_section,
)

PY = sys.executable
WORK = HERE / ".data" / "ingest"


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def init_workspace(ws: Path) -> None:
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run([PY, "-m", "shipcall", "init", str(ws)], check=True, capture_output=True)


def export_strings(ws: Path, out: Path) -> int:
    """The strings our BM25 index holds, one JSON string a line (not measured)."""
    code = ("import json, sys\n"
            "from shipcall.app.workspace import Workspace\n"
            "from shipcall.app.feature import Feature\n"
            "from shipcall.adapters.retrievers.bm25 import index_text\n"
            "f = Feature.open(Workspace.open(sys.argv[1]), show_progress=False)\n"
            "with open(sys.argv[2], 'w', encoding='utf-8') as o:\n"
            "    for c in f.retriever.chunks:\n"
            "        o.write(json.dumps(index_text(c), ensure_ascii=False) + '\\n')\n"
            "print(len(f.retriever.chunks))\n")
    p = subprocess.run([PY, "-c", code, str(ws), str(out)], check=True, capture_output=True, text=True)
    return int(p.stdout.strip().splitlines()[-1])


def analysis_cpu(ws: Path) -> float:
    """The CPU seconds the index build spent on the stored sentence analysis (its shipcall.json)."""
    total = 0.0
    for meta in (ws / ".shipcall" / "index").glob("*/shipcall.json"):
        total += float((json.loads(meta.read_text()).get("sentences") or {}).get("cpu_seconds") or 0.0)
    return total


def measure_size(n_docs: int, repeats: int) -> dict[str, Any]:
    corpus = synth.write_corpus(n_docs)
    folder = Path(str(corpus["path"]))
    work = WORK / str(n_docs)
    work.mkdir(parents=True, exist_ok=True)
    ws, raw_docs, raw_strings = work / "ws", work / "raw-docs", work / "raw-strings"
    strings = work / "strings.jsonl"
    log(f"{n_docs:,} documents ({int(corpus['bytes']) / 1e6:.1f} MB): exporting the strings our index holds")
    init_workspace(ws)
    measure_process([PY, "-m", "shipcall", "ingest", str(folder), "-q"], cwd=ws)
    n_chunks = export_strings(ws, strings)
    disk: dict[str, int] = {}
    reingest: list[Sample] = []
    analysis: list[float] = []

    def ours() -> Sample:
        init_workspace(ws)
        s = measure_process([PY, "-m", "shipcall", "ingest", str(folder), "-q"], cwd=ws)
        disk["ours"] = folder_bytes(ws / ".shipcall")
        disk["ours_sentences"] = sum(f.stat().st_size for f in (ws / ".shipcall").rglob("sentences.*"))
        analysis.append(analysis_cpu(ws))
        reingest.append(measure_process([PY, "-m", "shipcall", "ingest", "-q"], cwd=ws))  # nothing changed
        return s

    def raw(mode: str, source: Path, out: Path) -> Sample:
        shutil.rmtree(out, ignore_errors=True)
        s = measure_process([PY, str(HERE / "raw_ingest.py"), mode, str(source), str(out)])
        disk[mode] = folder_bytes(out)
        return s

    runs = {"ours": ours, "raw-docs": lambda: raw("docs", folder, raw_docs),
            "raw-strings": lambda: raw("strings", strings, raw_strings)}
    log(f"{n_docs:,} documents: {repeats} interleaved repeats of ours, raw bm25s (documents), raw bm25s (strings)")
    load_start = os.getloadavg()
    samples = alternate(runs, repeats)
    load_end = os.getloadavg()
    for p in (ws, raw_docs, raw_strings):
        shutil.rmtree(p, ignore_errors=True)
    return {
        "n_docs": n_docs, "bytes": int(corpus["bytes"]), "n_chunks": n_chunks, "repeats": repeats,
        "samples": {k: [vars(s) for s in v] for k, v in samples.items()},
        "reingest": [vars(s) for s in reingest], "disk": disk, "analysis_cpu": analysis,
        "load": [load_start, load_end],
    }


def _samples(r: dict[str, Any], name: str) -> list[Sample]:
    return [Sample(**s) for s in r["samples"][name]]


BEFORE = HERE / "data" / "ingest-before.json"  # this benchmark at commit 7a7cb6e (before issue 21's ingest work)
BEFORE_COMMIT = "7a7cb6e"


def ratio_cells(r: dict[str, Any]) -> dict[str, str]:
    """The headline ratios of one size: CPU and RSS (median per pair) and disk, against both anchors."""
    ours, docs, strs = (_samples(r, k) for k in ("ours", "raw-docs", "raw-strings"))
    text = r["bytes"]
    out = {}
    for tag, anchor, disk in (("docs", docs, r["disk"]["docs"] + text), ("strings", strs, r["disk"]["strings"] + text)):
        out[f"cpu_{tag}"] = f"{ratios(ours, anchor, 'cpu_s').median:.2f}×"
        out[f"rss_{tag}"] = f"{ratios(ours, anchor, 'peak_rss_mb').median:.2f}×"
        out[f"disk_{tag}"] = f"{r['disk']['ours'] / disk:.2f}×"
    return out


def before_after(results: list[dict[str, Any]]) -> list[str]:
    if not BEFORE.is_file():
        return []
    before = {r["n_docs"]: r for r in json.loads(BEFORE.read_text())}
    rows = []
    for r in results:
        b = before.get(r["n_docs"])
        if b is None:
            continue
        x, y = ratio_cells(b), ratio_cells(r)
        for what, key in (("CPU", "cpu"), ("peak RSS", "rss"), ("disk", "disk")):
            rows.append([f"{r['n_docs']:,}", what, f"{x[key + '_docs']} → **{y[key + '_docs']}**",
                         f"{x[key + '_strings']} → **{y[key + '_strings']}**"])
    if not rows:
        return []
    return [f"Before (commit {BEFORE_COMMIT}, the same benchmark, {before[results[0]['n_docs']]['repeats']} repeats, "
            "measured the same day) → now, ours ÷ anchor (medians of the per-pair ratios):", "",
            table(["documents", "", "÷ raw bm25s over the documents", "÷ raw bm25s over the same strings"], rows), ""]


def without_analysis(r: dict[str, Any], ours: list[Sample]) -> list[Sample]:
    """Ours with each run's sentence-analysis CPU time taken off (what the index build records): the
    share of ingest that is BM25 and storage, beside the stored analysis the run loop reads."""
    return [Sample(**{**vars(s), "cpu_s": s.cpu_s - a}) for s, a in zip(ours, r["analysis_cpu"], strict=True)]


def _analysed(r: dict[str, Any]) -> bool:
    """Whether this run's index build analysed sentences (index format 3; none since)."""
    return any(r.get("analysis_cpu") or ()) or bool(r.get("disk", {}).get("ours_sentences"))


def sizes_flag(results: list[dict[str, Any]], quick: bool) -> str:
    """The --sizes a run was given, when not its default ones."""
    got = [r["n_docs"] for r in results]
    return "" if got == ([1000] if quick else [20_000, 100_000]) else f" --sizes {','.join(map(str, got))}"


def verdict(results: list[dict[str, Any]]) -> list[str]:
    """Issue 21's ingest targets against this run, each met or not, with and without the analysis."""
    sizes = {r["n_docs"] for r in results}
    out = ["Issue 21's targets in this run (against raw bm25s over the documents; over the same strings in "
           "brackets):", ""]
    for r in results:
        ours, docs, strs = (_samples(r, k) for k in ("ours", "raw-docs", "raw-strings"))
        text, d = r["bytes"], r["disk"]

        def met(x: float, limit: float) -> str:
            return f"{x:.2f}× ({'met' if x <= limit else 'not met'})"

        line = (f"- {r['n_docs']:,} documents: CPU ≤ 1.2×: {met(ratios(ours, docs).median, 1.2)} "
                f"[{ratios(ours, strs).median:.2f}×]; disk ≤ 1.3×: {met(d['ours'] / (d['docs'] + text), 1.3)} "
                f"[{d['ours'] / (d['strings'] + text):.2f}×]")
        if _analysed(r) and "ours_sentences" in d:
            bare = without_analysis(r, ours)
            line += (f"; without the stored sentence analysis: CPU {met(ratios(bare, docs).median, 1.2)}, disk "
                     f"{met((d['ours'] - d['ours_sentences']) / (d['docs'] + text), 1.3)}")
        if r["n_docs"] >= 100_000:
            line += f"; peak RSS ≤ 1.2×: {met(ratios(ours, docs, 'peak_rss_mb').median, 1.2)}"
        out.append(line + ".")
    if 100_000 not in sizes:
        out.append("- 100,000 documents (and the peak-RSS target, set at that size): not measured in this run.")
    return [*out, ""]


def render(results: list[dict[str, Any]], m: dict[str, Any], quick: bool) -> str:
    lines = [
        "## Ingest and index build",
        "",
        f"`python benchmarks/ingest.py{' --quick' if quick else ''}{sizes_flag(results, quick)}`; {machine_line(m)}.",
        "",
        "Data: synthetic Markdown (benchmarks/synth.py, seed 42: headings, paragraphs, lists, tables; words drawn "
        "from SciFact's vocabulary with its frequencies, 200 topics), the default variant (heading chunker, BM25). "
        "Each repeat runs three whole processes back to back: ours, `shipcall ingest FOLDER -q` into a fresh "
        "workspace (read, parse, store, chunk, index); raw bm25s over the documents (read every file, "
        "`bm25s.tokenize` with English stop words and stemmer, `BM25.index`, `BM25.save`); raw bm25s over the very "
        "strings ours indexes (each chunk's heading path and text, read from a JSON-lines file). CPU time and peak "
        "RSS are each child's own. Disk: ours is all that `ingest` writes (store and index); raw is its saved index "
        "plus one copy of the text (the files). Ratios are per interleaved pair; median (min, max) of the repeats.",
        "",
        *(["Since the run-loop work (issue 21's `run` target) the index build also analyses every chunk's sentences "
           "and stores the analysis with the index (what `run` and `ask` rank sentences by, so that no process "
           "redoes it); raw bm25s has no such step. Its CPU time (recorded by the build itself) and its files get "
           "rows of their own; the rows \"without the sentence analysis\" subtract them from ours, pair by pair "
           "(derived, not separate processes).", ""] if any(_analysed(r) for r in results) else
          ["The index build analyses no sentences (it did from the run-loop work until index format 4): a chunk's "
           "sentence analysis, what the extractive generator ranks sentences by, is worked out the first time a "
           "`run` or an `ask` retrieves it and kept with the index for every later process "
           "(src/shipcall/adapters/retrievers/sentences.py), so it is not part of an ingest.", ""]),
        *before_after(results),
        *verdict(results),
    ]
    for r in results:
        ours, docs, strs = (_samples(r, k) for k in ("ours", "raw-docs", "raw-strings"))
        per_k = 1000 / r["n_docs"]
        mb = 1e6
        text = r["bytes"]
        disk_ours = r["disk"]["ours"]
        disk_docs = r["disk"]["docs"] + text
        disk_strs = r["disk"]["strings"] + text

        def cell(xs: list[Sample], field: str, fmt: str = "{:.2f}") -> str:
            sp = spread([getattr(x, field) for x in xs])
            return f"{fmt.format(sp.median)} ({fmt.format(sp.min)})"

        def ratio(a: list[Sample], b: list[Sample], field: str) -> str:
            sp = ratios(a, b, field)
            return f"{sp.median:.2f}× ({sp.min:.2f}–{sp.max:.2f})"

        lines += [
            f"### {r['n_docs']:,} documents ({text / mb:.1f} MB, {r['n_chunks']:,} chunks), {r['repeats']} repeats",
            "",
            f"Load average (1, 5, 15 min) {r['load'][0][0]:.1f} / {r['load'][0][1]:.1f} / {r['load'][0][2]:.1f} "
            f"at the start, {r['load'][1][0]:.1f} / {r['load'][1][1]:.1f} / {r['load'][1][2]:.1f} at the end, "
            "on 2 cores.",
            "",
            table(["", "ours: `shipcall ingest`", "raw bm25s, documents", "raw bm25s, same strings"], [
                ["CPU s, median (min)", cell(ours, "cpu_s"), cell(docs, "cpu_s"), cell(strs, "cpu_s")],
                ["wall s, median (min)", cell(ours, "wall_s"), cell(docs, "wall_s"), cell(strs, "wall_s")],
                ["peak RSS MB, median (min)", cell(ours, "peak_rss_mb", "{:.0f}"), cell(docs, "peak_rss_mb", "{:.0f}"),
                 cell(strs, "peak_rss_mb", "{:.0f}")],
                ["disk MB per 1,000 documents", f"{disk_ours / mb * per_k:.2f}", f"{disk_docs / mb * per_k:.2f}",
                 f"{disk_strs / mb * per_k:.2f}"],
                *([["of ours: the stored sentence analysis, CPU s, median (min)",
                    f"{spread(r['analysis_cpu']).median:.2f} ({spread(r['analysis_cpu']).min:.2f})", "–", "–"],
                   ["of ours: the stored sentence analysis, disk MB per 1,000 documents",
                    f"{r['disk'].get('ours_sentences', 0) / mb * per_k:.2f}", "–", "–"]]
                  if _analysed(r) else []),
            ]),
            "",
            table(["ours ÷ anchor", "raw bm25s, documents", "raw bm25s, same strings"], [
                ["CPU", ratio(ours, docs, "cpu_s"), ratio(ours, strs, "cpu_s")],
                ["wall", ratio(ours, docs, "wall_s"), ratio(ours, strs, "wall_s")],
                ["peak RSS", ratio(ours, docs, "peak_rss_mb"), ratio(ours, strs, "peak_rss_mb")],
                ["disk", f"{disk_ours / disk_docs:.2f}×", f"{disk_ours / disk_strs:.2f}×"],
                *([["CPU without the sentence analysis", ratio(without_analysis(r, ours), docs, "cpu_s"),
                    ratio(without_analysis(r, ours), strs, "cpu_s")],
                   ["disk without the sentence analysis",
                    f"{(disk_ours - r['disk']['ours_sentences']) / disk_docs:.2f}×",
                    f"{(disk_ours - r['disk']['ours_sentences']) / disk_strs:.2f}×"]]
                  if _analysed(r) and "ours_sentences" in r["disk"] else []),
            ]),
            "",
            f"Re-ingesting the unchanged folder (ours, nothing to store or rebuild): CPU "
            f"{spread([s['cpu_s'] for s in r['reingest']])} s.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 documents (CI-sized; writes .data/BENCHMARKS.quick.md)")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                    help="documents per corpus, comma-separated (default 20000,100000; --quick 1000)")
    ap.add_argument("--repeats", type=int, default=None, help="interleaved repeats (default 5; --quick 3)")
    ap.add_argument("--render", type=Path, default=None, metavar="RESULTS",
                    help="only rewrite the section from a results file (.data/ingest/results.json) and its machine")
    args = ap.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        text = render(saved["results"], saved["machine"], args.quick)
        log(f"wrote {write_section('ingest', text, quick=args.quick).relative_to(ROOT)}")
        return 0
    sizes = args.sizes or ([1000] if args.quick else [20_000, 100_000])
    args.repeats = args.repeats or (3 if args.quick else 5)
    m = machine()
    results = [measure_size(n, args.repeats) for n in sizes]
    m["load"] = machine()["load"]
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / f"results{'-quick' if args.quick else ''}.json").write_text(json.dumps(results, indent=1))
    (WORK / f"run{'-quick' if args.quick else ''}.json").write_text(json.dumps({"results": results, "machine": m}))
    text = render(results, m, args.quick)
    path = write_section("ingest", text, quick=args.quick or args.sizes is not None)
    print(text)
    log(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
