"""The generated workspaces `benchmarks/compare.py` times `shipcall compare` and `gate` on.

- `synthetic(root, n_items)`: the issue's layout. The SQuAD v2 slice's paragraphs as the corpus
  (ingested: dataset health checks gold answers against it), `n_items` of its questions as the
  dataset with a `topic` tag of 9 values (the contract's cohorts), and two finished runs written
  through the store with the three per-item metrics of the statistics audit (hit@5 0/1; f1 and
  ndcg@10 continuous: tests/stats_promises/sims.py's generator, the candidate redrawn on 30% of
  the items) and result rows shaped like a real run's (5 retrieved chunks, an answer, its
  sentence, a citation, latencies, failure modes). 3 metrics × (overall + 9 cohorts) = 30 tests.
- `squad(root)`: the same corpus and items, two real `shipcall run`s (BM25 + extractive, the
  default and a sentence-chunking variant): every metric a real run has (137 tests).

Seeded: the same arguments give the same workspace.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(HERE), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

import synth  # noqa: E402

N_TOPICS = 9
CONTRACT = """primary: f1
metrics:
  f1: {min: 0.0}
cohorts: [topic]
guarded: [f1, hit@5]
tolerance: 0.02
alpha: 0.05
correction: holm
min_cohort_size: 20
"""
CANDIDATE_VARIANT = """  candidate:
    extends: baseline
    chunker: {kind: sentence, size: 120, overlap: 20}
"""


def shipcall(*args: str, cwd: Path) -> str:
    p = subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=cwd, capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        raise RuntimeError(f"shipcall {' '.join(args)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout


def _base(root: Path, n_items: int, topics: bool) -> Path:
    """A workspace with the SQuAD corpus ingested and `n_items` questions imported as `squad`."""
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    info = synth.write_squad(n_items)
    shipcall("init", str(root), cwd=root.parent)
    shipcall("ingest", str(info["docs"]), cwd=root)
    items = Path(str(info["items"]))
    if topics:  # the 9 cohorts: a seeded topic per item instead of the 5 articles
        rng = np.random.default_rng(3)
        rows = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
        for row, t in zip(rows, rng.integers(0, N_TOPICS, len(rows)), strict=True):
            row["tags"] = {"topic": f"t{int(t)}", "kind": row["tags"]["kind"]}
        items = root / "items.jsonl"
        items.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    shipcall("dataset", "import", str(items), "--name", "squad", cwd=root)
    return root


def synthetic(root: Path, n_items: int = 2000, seed: int = 0) -> tuple[Path, str, str]:
    """The 30-test workspace; returns (root, baseline run id, candidate run id)."""
    from tests.stats_promises.sims import draw_null

    _base(root, n_items, topics=True)
    (root / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
    from shipcall.adapters.clock import now
    from shipcall.app.workspace import Workspace
    from shipcall.core.runs import Citation, ItemResult, Retrieved, Run

    ws = Workspace.open(root)
    ds = ws.store.load_dataset("squad")
    docs = sorted(d.id for d in ws.store.documents())
    rng = np.random.default_rng(seed)
    b, c, _ = draw_null(rng, [len(ds.items)], 0.3)
    ids = []
    for name, values in (("baseline", b), ("candidate", c)):
        run = ws.store.create_run(Run(
            id="", variant=name, variant_hash=f"synthetic-{name}", dataset="squad", dataset_version=ds.version,
            corpus_version=ws.store.corpus_version() or "", code_version="bench", started_at=now(),
            config={"variant": {"retriever": {"kind": "bm25", "k": 5}, "generator": {"kind": "extractive"}}}))
        rows = []
        for k, it in enumerate(ds.items):
            picked = rng.choice(len(docs), 5, replace=False)
            retrieved = [Retrieved(docs[j], f"{docs[j]}#0", float(10 - r), r + 1) for r, j in enumerate(picked)]
            metrics = {m: float(v[k]) for m, v in values.items()}
            answer = (it.answers[0] if getattr(it, "answers", ()) else "") if metrics["f1"] > 0 else "no idea"
            sentence = f"{it.question} The answer is {answer}. " * 3
            modes = ([] if metrics["f1"] == 1.0 else ["wrong_answer"]) + \
                ([] if metrics["hit@5"] else ["retrieval_miss"])
            rows.append((k, ItemResult(
                item_id=it.id, retrieved=retrieved, retrieved_docs=list(retrieved), answer=answer, context=sentence,
                citations=[Citation(retrieved[0].doc_id, retrieved[0].chunk_id, ("Heading",), sentence)],
                support=0.5, latency_ms={"retrieve": 0.3, "generate": 2.0, "total": 2.3}, metrics=metrics,
                failure_modes=modes)))
        ws.store.save_item_results(run.id, rows)
        run.status, run.finished_at, run.n_items = "finished", now(), len(rows)
        run.metrics = {m: float(np.mean(v)) for m, v in values.items()}
        ws.store.finish_run(run)
        ids.append(run.id)
    return root, ids[0], ids[1]


def squad(root: Path, n_items: int = 2000) -> tuple[Path, str, str]:
    """Two real runs on the SQuAD slice; returns (root, baseline run id, candidate run id)."""
    _base(root, n_items, topics=False)
    cfg = root / "shipcall.yaml"
    text = cfg.read_text(encoding="utf-8")
    commented = "  # candidate:\n  #   extends: baseline\n  #   chunker: {kind: sentence, size: 120, overlap: 20}\n"
    if commented not in text:
        raise RuntimeError("shipcall init's variants changed: update benchmarks/compare_ws.py")
    cfg.write_text(text.replace(commented, CANDIDATE_VARIANT), encoding="utf-8")
    contract = root / "contract.yaml"
    contract.write_text(contract.read_text(encoding="utf-8").replace("# cohorts: [topic]  ", "cohorts: [topic, kind]"),
                        encoding="utf-8")
    ids = []
    for variant in ("baseline", "candidate"):
        out = json.loads(shipcall("run", "--dataset", "squad", "--variant", variant, "--json", cwd=root))
        ids.append(out["run_id"])
    return root, ids[0], ids[1]


def health_items(n_items: int, seed: int = 0) -> tuple[list, dict[str, str]]:
    """`n_items` rag Items for dataset health, and the corpus (document id → normalised text):
    the SQuAD slice's questions (with their gold answers and paragraph as evidence), then seeded
    variants of them (1–3 words dropped, inserted or replaced) up to `n_items`, as a dataset that
    grew by paraphrase has: many near-duplicates at every Jaccard similarity."""
    from shipcall.core.datasets import parse_item
    from shipcall.core.metrics.answer import normalize_answer

    data = json.loads(synth.SQUAD.read_text(encoding="utf-8"))["data"]
    base, docs = [], {}
    for a, art in enumerate(data):
        for p, para in enumerate(art["paragraphs"]):
            doc = f"a{a}/p{p:03d}.md"
            docs[doc] = normalize_answer(para["context"])
            for qa in para["qas"]:
                answers = [x["text"] for x in qa.get("answers", []) if x["text"].strip()]
                base.append({"question": qa["question"], "answers": answers, "evidence": [doc]} if answers else
                            {"question": qa["question"], "answerable": False})
    rng = np.random.default_rng(seed)
    vocab = sorted({w for b in base for w in b["question"].split()})
    rows = [dict(b) for b in base[:n_items]]
    while len(rows) < n_items:
        b = base[int(rng.integers(len(base)))]
        words = b["question"].split()
        for _ in range(int(rng.integers(1, 4))):
            op, at = int(rng.integers(3)), int(rng.integers(len(words) + 1))
            if op == 0 and len(words) > 2:
                del words[min(at, len(words) - 1)]
            elif op == 1:
                words.insert(at, vocab[int(rng.integers(len(vocab)))])
            else:
                words[min(at, len(words) - 1)] = vocab[int(rng.integers(len(vocab)))]
        rows.append(b | {"question": " ".join(words)})
    items = [parse_item({"id": f"q{i:05d}", "tags": {"topic": f"t{i % 9}"}, **r}) for i, r in enumerate(rows)]
    return items, docs
