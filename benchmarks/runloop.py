"""The run loop and a cold `ask` beside raw bm25s (+ ranx), before and after issue 21's work.

    python benchmarks/runloop.py            # full: SciFact 809 + 10,000 synthetic items, before and after
    python benchmarks/runloop.py --quick    # CI-sized: this code only, small sets; writes .data/BENCHMARKS.quick.md
    python benchmarks/runloop.py --before none   # the current code only

`run` (warm process): `shipcall.app.run.run(ws, dataset, variant)` called in a process that has
imported everything and run once already. Each call opens the variant (loads the index and what
is stored with it), answers every item (BM25 + the extractive generator), scores it, stores the
results in SQLite (batched commits) and aggregates the run, as `shipcall run` does after start-up.
The anchor, in the same process and interleaved with it: raw bm25s loads an index of the same
chunk texts (same tokenizer: bm25s's, the variant's stemmer and stopwords), scores every item's
question (`BM25.get_scores` and a top-k partition, the same k: leaner than `BM25.retrieve`),
maps chunks to documents (best chunk) and scores the run with `ranx.evaluate` on the same
metrics and cut-offs. Figures: per-pair CPU-time ratios ours/anchor, median and min of >= 5
repeats.

`ask` (cold process): `python -m shipcall ask QUESTION --json` in the workspace, beside a
`python -c` that imports bm25s, loads the same raw bm25s index and answers the question's top k
(ids and scores only: a stricter anchor than one that also reads the texts). Whole processes,
interleaved; CPU time from os.wait4.

Before and after: the code at BEFORE (main before this work) is unpacked with `git archive` and
run from its own workspaces (PYTHONPATH), interleaved with the current code's processes, so
both ratios come from the same machine at the same time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import common  # noqa: E402

ROOT = HERE.parent
DATA = HERE / ".data" / "runloop"
BEFORE = "093acd0"  # main before issue 21's run-loop work was merged in (its results are the fixtures)
SECTION = "runloop"
SIZES = {
    "full": {"scifact_limit": 0, "synthetic_docs": 10_000, "synthetic_items": 10_000, "repeats": 5, "ask_repeats": 7},
    "quick": {"scifact_limit": 200, "synthetic_docs": 600, "synthetic_items": 600, "repeats": 5, "ask_repeats": 5},
}
ASK_QUESTIONS = (
    "What is the role of vitamin D in bone health?",
    "Does smoking increase the risk of cardiovascular disease?",
    "How do T cells recognise antigens?",
    "Is obesity associated with insulin resistance?",
    "What causes antibiotic resistance in bacteria?",
)


def log(msg: str) -> None:
    print(f"[runloop] {msg}", file=sys.stderr, flush=True)


# -- code versions and workspaces ------------------------------------------------------------------

def source_tree(ref: str | None) -> Path:
    """The `src` folder of the code to measure: this checkout's, or `ref`'s unpacked once."""
    if ref is None:
        return ROOT / "src"
    dest = DATA / f"src-{ref}"
    if not (dest / "src" / "shipcall" / "__init__.py").is_file():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            tar.extractall(dest, filter="data")
    return dest / "src"


def code_key(src: Path) -> str:
    """A hash of the code under `src` (workspaces are rebuilt when the code that built them changed)."""
    h = hashlib.sha256()
    for p in sorted(src.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".md", ".toml") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(src)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def env_for(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env.pop("SHIPCALL_STORE_URL", None)
    env.pop("SHIPCALL_STORE", None)
    return env


def shipcall(src: Path, ws: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=ws, env=env_for(src), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def scifact_dir() -> Path:
    return common.shared_data() / "scifact-train"


def synthetic_items(n_docs: int, n_items: int) -> tuple[Path, Path]:
    """A synthetic Markdown corpus (benchmarks/synth.py) and one item per query: its evidence is
    the document the query was drawn from; off-corpus queries are unanswerable items."""
    import synth

    manifest = synth.write_corpus(n_docs, seed=42, n_queries=n_items)
    corpus = Path(str(manifest["path"]))
    items = DATA / f"synthetic-{n_docs}-{n_items}.jsonl"
    if not items.is_file():
        with items.open("w", encoding="utf-8") as out, open(str(manifest["queries"]), encoding="utf-8") as f:
            for line in f:
                q = json.loads(line)
                item: dict[str, Any] = {"id": q["id"], "question": q["query"]}
                if q["doc"]:
                    item["evidence"] = [q["doc"]]
                else:
                    item["answerable"] = False
                out.write(json.dumps(item) + "\n")
    return corpus, items


def workspace(src: Path, kind: str, size: dict[str, int]) -> Path:
    """A workspace of `kind` (scifact | synthetic) built by the code in `src` (reused while that code is unchanged)."""
    tag = "scifact" if kind == "scifact" else f"synthetic-{size['synthetic_docs']}-{size['synthetic_items']}"
    ws = DATA / f"ws-{code_key(src)}-{tag}"
    if (ws / ".bench-ready").is_file():
        return ws
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    log(f"building {ws.name} with {src}")
    shipcall(src, ws, "init", ".")
    if kind == "scifact":
        shipcall(src, ws, "ingest", "--quiet", "--format", "beir", str(scifact_dir()))
        shipcall(src, ws, "dataset", "import", "--format", "beir", "--split", "train", "--name", "bench",
                 str(scifact_dir()))
    else:
        corpus, items = synthetic_items(size["synthetic_docs"], size["synthetic_items"])
        shipcall(src, ws, "ingest", "--quiet", str(corpus))
        shipcall(src, ws, "dataset", "import", "--name", "bench", str(items))
    (ws / ".bench-ready").write_text("ok\n")
    return ws


# -- the worker: ours and the anchor in one warm process -------------------------------------------

METRICS = ("recall", "precision", "hit", "mrr", "ndcg")
RANX_NAMES = {"hit": "hit_rate"}


def anchor_index(ws: Any, variant: Any) -> tuple[Path, list[str], dict[str, Any]]:
    """A raw bm25s index of the variant's chunk texts (as shipcall indexes them) saved in the
    workspace, the document id of each chunk, and the tokenizer settings."""
    from shipcall.app.feature import Feature

    feature = Feature.open(ws, variant=variant, name="anchor")
    chunks = feature.retriever.chunks
    from shipcall.adapters.retrievers.bm25 import index_text

    cfg = variant.retriever
    settings = {"stemmer": cfg.stemmer, "stopwords": list(cfg.stopwords or []), "k1": cfg.k1, "b": cfg.b,
                "method": cfg.method}
    path = Path(ws.root) / ".anchor-bm25s"
    if not (path / "params.index.json").is_file():
        import bm25s

        tok = _tokenizer(settings)
        ids = tok.tokenize([index_text(c) for c in chunks], update_vocab=True, show_progress=False,
                           return_as="ids")
        model = bm25s.BM25(k1=cfg.k1, b=cfg.b, method=cfg.method, backend="numpy")
        model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=tok.get_vocab_dict()), show_progress=False)
        model.save(str(path))
        tok.save_vocab(str(path))
    return path, [c.doc_id for c in chunks], settings


def _tokenizer(settings: dict[str, Any]) -> Any:
    import bm25s
    import Stemmer

    stem = Stemmer.Stemmer(settings["stemmer"]).stemWord if settings["stemmer"] else None
    return bm25s.tokenization.Tokenizer(stopwords=settings["stopwords"], stemmer=stem)


def anchor_run(path: Path, doc_ids: list[str], settings: dict[str, Any], questions: list[str],
               qids: list[str], qrels: dict[str, dict[str, int]], k: int, cutoffs: list[int]) -> dict[str, float]:
    """What a user of bm25s and ranx writes: load, tokenize, retrieve top k, score with ranx."""
    import bm25s
    from ranx import Qrels, Run, evaluate

    model = bm25s.BM25.load(str(path), backend="numpy")
    tok = _tokenizer(settings)
    tok.load_vocab(str(path))
    tokens = tok.tokenize(questions, update_vocab=False, show_progress=False, return_as="ids")
    run: dict[str, dict[str, float]] = {}
    for qid, ids in zip(qids, tokens, strict=True):
        ranked: dict[str, float] = {}
        if ids:
            scores = model.get_scores(ids)
            for i in _top(scores, k):
                s = float(scores[i])
                if s > 0:
                    ranked.setdefault(doc_ids[int(i)], s)
        run[qid] = ranked
    judged = {q: run[q] for q in qrels}
    names = [f"{RANX_NAMES.get(m, m)}@{c}" for m in METRICS for c in cutoffs]
    out = evaluate(Qrels(qrels), Run({q: v for q, v in judged.items() if v}), names, make_comparable=True)
    return {n: float(v) for n, v in out.items()}


def _top(scores: Any, k: int) -> Any:
    import numpy as np

    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def worker(args: argparse.Namespace) -> int:
    from shipcall.app.run import run
    from shipcall.app.workspace import Workspace

    ws = Workspace.open(args.ws)
    dataset = ws.store.load_dataset("bench")
    name, variant = ws.variant(None)
    items = list(dataset.items[:args.limit] if args.limit else dataset.items)
    path, doc_ids, settings = anchor_index(ws, variant)
    (Path(ws.root) / ".anchor-settings.json").write_text(json.dumps({"k": variant.retriever.k, **settings}))
    qrels = {it.id: dict(it.evidence) for it in items if it.evidence}
    cutoffs = list(ws.config.evaluation.k)
    questions, qids = [it.question for it in items], [it.id for it in items]
    state: dict[str, Any] = {}

    def ours() -> common.Sample:
        def go() -> None:
            state["ours"] = run(ws, dataset, name, limit=args.limit or None).run.metrics
        return common.measure_call(go)

    def anchor() -> common.Sample:
        def go() -> None:
            state["anchor"] = anchor_run(path, doc_ids, settings, questions, qids, qrels, variant.retriever.k, cutoffs)
        return common.measure_call(go)

    ours(), anchor()  # warm-up: imports, ranx's numba compilation, page cache
    samples = common.alternate({"ours": ours, "anchor": anchor}, args.repeats)
    out = {"items": len(items), "judged": len(qrels),
           "samples": {k: [s.__dict__ for s in v] for k, v in samples.items()},
           "ndcg@10": [state["ours"].get("ndcg@10"), state["anchor"].get("ndcg@10")]}
    Path(args.out).write_text(json.dumps(out), encoding="utf-8")
    return 0


def measure_run(src: Path, ws: Path, limit: int, repeats: int) -> dict[str, Any]:
    out = DATA / "worker.json"
    out.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--ws", str(ws), "--limit", str(limit),
                    "--repeats", str(repeats), "--out", str(out)], env=env_for(src), check=True)
    got = json.loads(out.read_text(encoding="utf-8"))
    got["samples"] = {k: [common.Sample(**s) for s in v] for k, v in got["samples"].items()}
    return got


# -- cold ask ----------------------------------------------------------------------------------

ANCHOR_ASK = """
import json, sys
import bm25s, Stemmer
path, question, k, stemmer, stopwords = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])
model = bm25s.BM25.load(path, backend="numpy")
import numpy as np
tok = bm25s.tokenization.Tokenizer(stopwords=stopwords, stemmer=Stemmer.Stemmer(stemmer).stemWord if stemmer else None)
tok.load_vocab(path)
ids = tok.tokenize([question], update_vocab=False, show_progress=False, return_as="ids")[0]
scores = model.get_scores(ids)
top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
top = top[np.argsort(-scores[top], kind="stable")]
print(json.dumps([[int(i), float(scores[i])] for i in top]))
"""


def measure_ask(versions: dict[str, tuple[Path, Path]], repeats: int) -> dict[str, list[common.Sample]]:
    """`shipcall ask` from a cold process for each code version, and the raw bm25s anchor."""
    first_ws = next(iter(versions.values()))[1]
    cfg = json.loads((first_ws / ".anchor-settings.json").read_text())
    turn = {"i": 0}
    runs = {}
    for label, (src, ws) in versions.items():
        def ours(src: Path = src, ws: Path = ws) -> common.Sample:
            q = ASK_QUESTIONS[turn["i"] % len(ASK_QUESTIONS)]
            return common.measure_process([sys.executable, "-m", "shipcall", "ask", q, "--json"], cwd=ws,
                                          env=env_for(src))
        runs[label] = ours

    def anchor() -> common.Sample:
        q = ASK_QUESTIONS[turn["i"] % len(ASK_QUESTIONS)]
        turn["i"] += 1
        return common.measure_process([sys.executable, "-c", ANCHOR_ASK, str(first_ws / ".anchor-bm25s"), q,
                                       str(cfg["k"]), cfg["stemmer"] or "", json.dumps(cfg["stopwords"])])
    runs["anchor"] = anchor
    for fn in runs.values():
        fn()  # warm the page cache
    turn["i"] = 0
    return common.alternate(runs, repeats)


# -- the report --------------------------------------------------------------------------------

def fmt(s: common.Spread, digits: int = 2) -> str:
    return f"{s.median:.{digits}f} (min {s.min:.{digits}f})"


def render(m: dict[str, Any], runs: dict[str, dict[str, dict[str, Any]]], ask: dict[str, list[common.Sample]],
           size: dict[str, int], before: str | None) -> str:
    summary = []
    for data, by_version in runs.items():
        got = {label: common.ratios(v["samples"]["ours"], v["samples"]["anchor"]) for label, v in by_version.items()}
        summary.append([f"`run` on {data}", *(f"{got[v].median:.2f}× (min {got[v].min:.2f})" if v in got else "–"
                                             for v in ("before", "after")), "≤ 3×"])
    got_ask = {label: common.ratios(v, ask["anchor"]) for label, v in ask.items() if label != "anchor"}
    summary.append(["cold `ask`", *(f"{got_ask[v].median:.2f}× (min {got_ask[v].min:.2f})" if v in got_ask else "–"
                                    for v in ("before", "after")), "(was 1.86× in the issue)"])
    lines = ["## The run loop and a cold `ask` (issue 21)", "",
             "CPU time against the anchor measured in the same run (ours / anchor, per pair; median and min):", "",
             common.table(["what", "before", "after", "target"], summary), "",
             f"Machine: {common.machine_line(m)}; load average at the end {common.loadavg()}.",
             "Ratios are per pair (ours / anchor, interleaved in the same process or as alternating processes), "
             f"median and min of {size['repeats']} repeats; CPU time is user + system. "
             + (f"*Before* is main at `{before}` (unpacked and run from its own workspaces in the same run); "
                "*after* is this commit." if before else "Only the current code was measured."),
             "", "### `run`, BM25 + extractive, warm process",
             "Anchor: raw bm25s (same chunk texts and tokenizer; `get_scores` and a top-k partition per question) "
             "+ `ranx.evaluate` on the same metrics and cut-offs, in the same process.", ""]
    header = ["data", "items", "code", "ours CPU s", "anchor CPU s", "CPU ratio", "wall ratio", "items per CPU-s",
              "ndcg@10 ours / ranx"]
    rows = []
    for data, by_version in runs.items():
        for label, got in by_version.items():
            ours, anchor = got["samples"]["ours"], got["samples"]["anchor"]
            cpu = common.spread([s.cpu_s for s in ours])
            a, b = got["ndcg@10"]
            rows.append([data, f"{got['items']:,}", label, fmt(cpu), fmt(common.spread([s.cpu_s for s in anchor]), 3),
                         f"**{fmt(common.ratios(ours, anchor))}**", fmt(common.ratios(ours, anchor, 'wall_s')),
                         f"{got['items'] / cpu.median:,.0f}", f"{a:.4f} / {b:.4f}"])
    lines += [common.table(header, rows), ""]
    lines += ["### `ask` from a cold process",
              "Anchor: `python -c` importing bm25s, loading the same raw index and printing the top k ids and scores.",
              ""]
    anchor = ask["anchor"]
    rows = []
    for label, samples in ask.items():
        if label == "anchor":
            continue
        rows.append([label, fmt(common.spread([s.cpu_s for s in samples])),
                     fmt(common.spread([s.cpu_s for s in anchor])), f"**{fmt(common.ratios(samples, anchor))}**",
                     fmt(common.ratios(samples, anchor, "wall_s")),
                     f"{common.spread([s.peak_rss_mb for s in samples]).median:.0f} / "
                     f"{common.spread([s.peak_rss_mb for s in anchor]).median:.0f}"])
    header = ["code", "ours CPU s", "anchor CPU s", "CPU ratio", "wall ratio", "peak RSS MB ours / anchor"]
    lines += [common.table(header, rows), "", NOTES]
    return "\n".join(lines)


NOTES = """### Reading these figures
- Each process makes one untimed run first (imports, ranx's compilation, the page cache). Since
  the sentence analysis is worked out lazily (a chunk the first time a run or `ask` retrieves it,
  then kept with the index), that first run is also the one that analyses the chunks the items
  retrieve; the timed runs read the stored analysis back, as every later `shipcall run` on the
  same index does. The first run on a fresh index costs more by the analysis of the chunks it
  touches (SciFact: 2,288 of 5,820).
- What a SciFact run spends beyond the anchor, profiled: the extractive generator, about two
  thirds of the run (ranking every sentence of the five retrieved chunks, the span of the asked
  type in the best ones, the support score; per question, not per chunk), then retrieval,
  scoring, storing and the variant's opening. The generator's answers must stay identical item
  for item; reaching 3x on SciFact would take a generator several times cheaper per question,
  not another trim. The synthetic items (short queries, shorter chunks) meet it.
- Garbage collection: a run keeps what lives long (the opened index, the results, the decoded
  analysis) out of the collector's sight while it answers (app/run.py); before, full
  collections were about an eighth of a SciFact run and a quarter of a 10,000-item one."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="CI-sized: this code only, small sets")
    ap.add_argument("--before", default=None, help=f"git ref of the code before (default {BEFORE}; 'none': skip)")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", choices=("scifact", "synthetic"), action="append", help="a data set (repeatable)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--ws", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args)
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.repeats:
        size["repeats"] = size["ask_repeats"] = args.repeats
    before = None if args.quick and args.before is None else (args.before or BEFORE)
    before = None if before == "none" else before
    m = common.machine()
    versions = {"after": source_tree(None)}
    if before:
        versions = {"before": source_tree(before), **versions}
    runs: dict[str, dict[str, Any]] = {}
    kinds = args.only or (["synthetic"] if args.quick else ["scifact", "synthetic"])  # quick: no 5,183-doc ingest
    spaces: dict[str, dict[str, Path]] = {k: {label: workspace(src, k, size) for label, src in versions.items()}
                                          for k in kinds}
    for kind in kinds:
        label_data = "SciFact train" if kind == "scifact" else f"synthetic ({size['synthetic_docs']:,} docs)"
        runs[label_data] = {}
        for label, src in versions.items():
            log(f"run: {kind} with the {label} code")
            limit = size["scifact_limit"] if kind == "scifact" else 0
            runs[label_data][label] = measure_run(src, spaces[kind][label], limit, size["repeats"])
    ask_kind = kinds[0]
    log("ask: cold processes")
    ask = measure_ask({label: (src, spaces[ask_kind][label]) for label, src in versions.items()},
                      size["ask_repeats"])
    text = render(m, runs, ask, size, before)
    print(text)
    path = common.write_section(SECTION, text, quick=args.quick)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
