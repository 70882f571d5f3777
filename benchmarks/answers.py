"""Answer quality of the extractive answerer, today's default beside the new one, in one run.

    python benchmarks/answers.py                   # everything (about 15 min on 2 busy cores)
    python benchmarks/answers.py --no-semantic     # without the dense extra's semantic variant
    python benchmarks/answers.py --render          # rewrite the section from the last results
    python benchmarks/answers.py --resume          # after an interruption: measure only what is missing
    python benchmarks/answers.py --quick           # CI-sized: this checkout on the sample (seconds)

"Today's default" is the code at `--baseline-ref` (default: the commit the answers work started
from), extracted with `git archive` into benchmarks/.data/answers/today/ and run in a subprocess
with that tree first on PYTHONPATH; "new" is this checkout. Both build their workspaces with
their own `shipcall init` (so each uses its own default variant: heading chunker, BM25 k=5,
extractive generator with its own default `min_score`), ingest the same files, import the same
dataset and run it in-process `--repeats` times (wall time per run, median and min).

Data: the SQuAD 2.0 slice (`shared/data/squad2-train5`, articles 0–4: 2,442 questions, 160
unanswerable, one paragraph a document, as the acceptance check builds it); the bundled sample
(56 documents, 182 questions); the same sample with every Markdown and HTML file hard-wrapped at
72 columns; SciFact train (`shared/data/scifact-train`, BEIR: 809 claims with evidence, no gold
answers), for citations and refusals on documents nothing was tuned on. New only: `shipcall calibrate
--max-false-answer 0.25` on the sample and a run of the
variant it writes; the `semantic: true` variant (packaged all-MiniLM-L6-v2), uncalibrated and
calibrated, and on SQuAD.

Writes BENCHMARKS.md between `<!-- answers:start -->` and `<!-- answers:end -->` only, and
benchmarks/.data/answers/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common
from common import table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data" / "answers"
SHARED = Path(os.environ.get("SHIPCALL_DATA", ROOT.parent / "shared" / "data"))
SQUAD = SHARED / "squad2-train5" / "train-v2.0-articles0-4.json"
SCIFACT = SHARED / "scifact-train"
SAMPLE = ROOT / "src" / "shipcall" / "sample"
START, END = "<!-- answers:start -->", "<!-- answers:end -->"
BASELINE_REF = "1851dd6"  # main when the answers work (issue 14) started: "today's default"

# The driver runs inside each code version (old and new layouts), in-process, and prints JSON.
DRIVER = r'''
import json, sys, time, re, string
from collections import Counter
from pathlib import Path
try:
    from shipcall.app.workspace import Workspace
    from shipcall.app.run import run
except ImportError:  # the layout before the layers
    from shipcall.workspace import Workspace
    from shipcall.runner import run
root, dataset, variant, repeats = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ws = Workspace(root)
ds = ws.store.load_dataset(dataset)
seconds, cpu, r = [], [], None
for _ in range(repeats):
    t, c = time.perf_counter(), time.process_time()
    r = run(ws, ds, variant).run
    seconds.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
items = {it.id: it for it in ds.items}

def norm(s):
    s = s.lower().translate(str.maketrans("", "", string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())

span_hits = span_n = 0
answer_words, context_words = [], []
answered = cited = 0
for res in ws.store.item_results(r.id):
    it = items[res.item_id]
    if res.abstained or not res.answer.strip():
        continue
    answered += 1
    cited += any(c.doc_id in it.evidence for c in res.citations) if it.evidence else 0
    answer_words.append(len(res.answer.split()))
    context_words.append(len((getattr(res, "context", "") or res.answer).split()))
    if it.answerable and it.answers:
        span_n += 1
        hay = " " + norm(res.answer) + " "
        span_hits += any(norm(g) and " " + norm(g) + " " in hay for g in it.answers)
print(json.dumps({"metrics": r.metrics, "cohorts": {k: v["metrics"] for k, v in r.cohorts.items()},
                  "n": r.n_items, "seconds": seconds, "cpu": cpu,
                  "answer_alone_contains": span_hits / span_n if span_n else None,
                  "answered": answered / len(ds.items), "cited_evidence": cited / answered if answered else None,
                  "answer_words": sum(answer_words) / len(answer_words) if answer_words else 0,
                  "context_words": sum(context_words) / len(context_words) if context_words else 0}))
'''


def log(msg: str) -> None:
    common.log(msg, name="answers")


def sh(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 7200) -> str:
    p = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}… failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


class Version:
    """One code version: a src tree run with `python -m shipcall` and the driver."""

    def __init__(self, name: str, src: Path, code: str) -> None:
        self.name, self.src, self.code = name, src, code
        self.env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

    def shipcall(self, *args: str, cwd: Path) -> str:
        return sh([sys.executable, "-m", "shipcall", *args], cwd=cwd, env=self.env)

    def workspace(self, root: Path, corpus: Path, dataset: Path, extra: str = "") -> Path:
        if root.exists():
            shutil.rmtree(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        self.shipcall("init", str(root), cwd=root.parent)
        if extra:
            with (root / "shipcall.yaml").open("a", encoding="utf-8") as f:
                f.write(extra)
        beir = (corpus / "corpus.jsonl").is_file()  # SciFact: a BEIR folder, claims with evidence, no answers
        self.shipcall("ingest", str(corpus), *(["--format", "beir"] if beir else []), cwd=root)
        self.shipcall("dataset", "import", str(dataset), "--name", "d",
                      *(["--format", "beir", "--split", "train"] if beir else []), cwd=root)
        return root

    def measure(self, root: Path, variant: str, repeats: int) -> dict[str, Any]:
        driver = DATA / "driver.py"
        driver.write_text(DRIVER)
        out = sh([sys.executable, str(driver), str(root), "d", variant, str(repeats)], cwd=root, env=self.env)
        return {**json.loads(out.strip().splitlines()[-1]), "code": self.code}


def dist_info(ref: str, src: Path) -> None:
    """Give the extracted tree its own package metadata (its entry points: built-in generators and
    chunkers are registered through them), found before the installed checkout's on PYTHONPATH."""
    import tomllib

    project = tomllib.loads(subprocess.run(["git", "show", f"{ref}:pyproject.toml"], cwd=ROOT, capture_output=True,
                                           text=True, check=True).stdout)["project"]
    info = src / f"shipcall-{project.get('version', '0.0.0')}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: shipcall\nVersion: {project.get('version', '0')}\n")
    groups = project.get("entry-points", {})
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()) + "\n"
        for group, entries in groups.items()))
    (info / "RECORD").write_text("")


def squad_slice(out: Path) -> tuple[Path, Path]:
    """Corpus folder and items.jsonl from the first 5 articles, as the acceptance check builds them."""
    arts = json.loads(SQUAD.read_text(encoding="utf-8"))["data"][:5]
    corpus = out / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    with (out / "items.jsonl").open("w", encoding="utf-8") as items:
        for a, art in enumerate(arts):
            for p, para in enumerate(art["paragraphs"]):
                doc = f"a{a:02d}-p{p:03d}.txt"
                (corpus / doc).write_text(para["context"], encoding="utf-8")
                for qa in para["qas"]:
                    imp = qa.get("is_impossible", False)
                    golds = list(dict.fromkeys(x["text"] for x in qa["answers"]))
                    items.write(json.dumps({"id": qa["id"], "question": qa["question"],
                                            "answers": [] if imp else golds, "answerable": not imp,
                                            "evidence": [] if imp else [doc],
                                            "tags": {"article": art["title"]}}) + "\n")
    return corpus, out / "items.jsonl"


def hard_wrapped_sample(out: Path) -> Path:
    """The sample's documents with every Markdown paragraph/list item and HTML source line wrapped
    at 72 columns (headings, tables and code untouched); the PDF is hard-wrapped already."""
    dst = out / "docs"
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(SAMPLE / "docs", dst)
    for p in dst.rglob("*"):
        if p.suffix not in (".md", ".html"):
            continue
        lines = []
        for line in p.read_text(encoding="utf-8").split("\n"):
            m = re.match(r"(\s*(?:[-*+]|\d+\.)\s+)", line)
            if len(line) <= 72 or line.lstrip().startswith(("#", "|", ">", "```")):
                lines.append(line)
            else:
                lines.extend(textwrap.wrap(line, 72, subsequent_indent=" " * len(m.group(1)) if m else ""))
        p.write_text("\n".join(lines), encoding="utf-8")
    return dst


def calibrate(version: Version, root: Path, variant: str, limit: float) -> dict[str, Any]:
    out = version.shipcall("calibrate", "--dataset", "d", "--variant", variant, "--max-false-answer", str(limit),
                           "--json", cwd=root)
    return json.loads(out)


def collect(args: argparse.Namespace, result: dict[str, Any], save: Any) -> dict[str, Any]:
    """Measure every run not yet in `result` (a resumed benchmark keeps what it measured), saving
    after each one."""
    DATA.mkdir(parents=True, exist_ok=True)
    today_src = DATA / "today"
    if today_src.exists():
        shutil.rmtree(today_src)
    today_src.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", args.baseline_ref, "src"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(today_src)], input=archive.stdout, check=True)
    dist_info(args.baseline_ref, today_src / "src")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    versions = [Version("today", today_src / "src", args.baseline_ref), Version("new", ROOT / "src", head.strip())]
    squad_corpus, squad_items = squad_slice(DATA / "squad")
    wrapped = hard_wrapped_sample(DATA / "wrapped")
    sets = {"squad": (squad_corpus, squad_items), "sample": (SAMPLE / "docs", SAMPLE / "dataset.jsonl"),
            "sample_wrapped": (wrapped, SAMPLE / "dataset.jsonl")}
    if SCIFACT.is_dir() and not args.quick:
        sets["scifact"] = (SCIFACT, SCIFACT)
    result.setdefault("runs", {})
    result.update({"baseline_ref": args.baseline_ref, "repeats": args.repeats})
    runs = result["runs"]
    for name, (corpus, items) in sets.items():
        for v in versions:
            key = f"{v.name}/{name}"
            if key in runs:
                continue
            log(f"{v.name} on {name}")
            root = v.workspace(DATA / "ws" / f"{v.name}-{name}", corpus, items)
            runs[key] = v.measure(root, "baseline", args.repeats)
            save(result)
    new = versions[1]
    if "new/sample calibrated" not in runs:
        root = DATA / "ws" / "new-sample"
        if not root.exists():
            new.workspace(root, *sets["sample"])
        log("calibrate on the sample (max false answers 0.25)")
        cal = calibrate(new, root, "baseline", 0.25)
        result["calibration"] = cal
        runs["new/sample calibrated"] = new.measure(root, cal["new_variant"], 1)
        save(result)
    if not args.no_semantic:
        extra = "  semantic:\n    extends: baseline\n    generator: {semantic: true}\n"
        for name in ("sample", "squad"):
            key = f"semantic/{name}"
            if key in runs:
                continue
            corpus, items = sets[name]
            log(f"semantic on {name} (embeds every candidate sentence once)")
            root = DATA / "ws" / f"semantic-{name}"
            if not (root / ".shipcall" / "embeddings").is_dir():  # keep a filled embedding cache
                new.workspace(root, corpus, items, extra)
            cold = new.measure(root, "semantic", 1)
            warm = new.measure(root, "semantic", max(1, min(args.repeats, 3)))
            warm["cold_seconds"] = cold["seconds"]
            runs[key] = warm
            if name == "sample":
                cal_s = calibrate(new, root, "semantic", 0.25)
                result["semantic_calibration"] = cal_s
                runs["semantic/sample calibrated"] = new.measure(root, cal_s["new_variant"], 1)
            save(result)
    return result


# -- report --------------------------------------------------------------------------------------

def f3(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "–"


def para(run: dict[str, Any], metric: str) -> Any:
    return run["cohorts"].get("phrasing=paraphrase", {}).get(metric)


def render(r: dict[str, Any]) -> str:
    runs, meta = r["runs"], r["_run"]
    t_sq, n_sq = runs["today/squad"]["metrics"], runs["new/squad"]["metrics"]
    t_sa, n_sa = runs["today/sample"], runs["new/sample"]
    cal = runs["new/sample calibrated"]["metrics"]
    c = r["calibration"]
    targets = [
        ["SQuAD slice: f1", "≥ 0.16 (today × 2)", f"{f3(t_sq['f1'])} → **{f3(n_sq['f1'])}**",
         "yes" if n_sq["f1"] >= max(0.16, 2 * t_sq["f1"]) else "**no**"],
        ["SQuAD slice: exact_match", "≥ 0.05", f"{f3(t_sq['exact_match'])} → **{f3(n_sq['exact_match'])}**",
         "yes" if n_sq["exact_match"] >= 0.05 else "**no**"],
        ["SQuAD slice: contains_answer", f"≥ today ({f3(t_sq['contains_answer'])})",
         f"{f3(t_sq['contains_answer'])} → **{f3(n_sq['contains_answer'])}**",
         "yes" if n_sq["contains_answer"] >= t_sq["contains_answer"] else "**no**"],
        ["sample: contains_answer", "≥ 0.60", f"{f3(t_sa['metrics']['contains_answer'])} → "
         f"**{f3(n_sa['metrics']['contains_answer'])}**",
         "yes" if n_sa["metrics"]["contains_answer"] >= 0.60 else "**no**"],
        ["sample, phrasing=paraphrase: contains_answer", "≥ 0.40",
         f"{f3(para(t_sa, 'contains_answer'))} → **{f3(para(n_sa, 'contains_answer'))}**",
         "yes" if (para(n_sa, "contains_answer") or 0) >= 0.40 else "**no**"],
        ["sample, after `calibrate --max-false-answer 0.25`: over_refusal_rate", "≤ 0.20",
         f"**{f3(cal.get('over_refusal_rate'))}** (false_answer_rate {f3(cal.get('false_answer_rate'))})",
         "yes" if cal.get("over_refusal_rate", 1) <= 0.20 else "**no**"],
    ]
    if "semantic/sample" in runs:
        s = runs["semantic/sample"]
        sc = runs["semantic/sample calibrated"]["metrics"]
        targets += [
            ["sample, semantic (dense extra): contains_answer / paraphrase", "≥ 0.60 / ≥ 0.40",
             f"**{f3(s['metrics']['contains_answer'])}** / **{f3(para(s, 'contains_answer'))}**",
             "yes" if s["metrics"]["contains_answer"] >= 0.6 and (para(s, "contains_answer") or 0) >= 0.4
             else "**no**"],
            ["sample, semantic, after `calibrate --max-false-answer 0.25`: over_refusal_rate", "≤ 0.20",
             f"**{f3(sc.get('over_refusal_rate'))}** (false_answer_rate {f3(sc.get('false_answer_rate'))})",
             "yes" if sc.get("over_refusal_rate", 1) <= 0.20 else "**no**"]]
    cols = ["contains_answer", "exact_match", "f1", "answer_recall", "false_answer_rate", "over_refusal_rate",
            "groundedness"]
    rows = []
    order = [("today/squad", "SQuAD slice, today"), ("new/squad", "SQuAD slice, new"),
             ("semantic/squad", "SQuAD slice, new + semantic"),
             ("today/sample", "sample, today"), ("new/sample", "sample, new"),
             ("new/sample calibrated", f"sample, new, calibrated (min_score {c['min_score']:.3f})"),
             ("semantic/sample", "sample, new + semantic"),
             ("semantic/sample calibrated", "sample, new + semantic, calibrated"),
             ("today/sample_wrapped", "sample hard-wrapped, today"), ("new/sample_wrapped", "sample hard-wrapped, new")]
    for key, label in order:
        if key not in runs:
            continue
        m = runs[key]["metrics"]
        rows.append([label] + [f3(m.get(k)) for k in cols] + [f3(para(runs[key], "contains_answer")),
                                                               f3(runs[key]["answer_alone_contains"]),
                                                               f"{runs[key]['answer_words']:.1f} / "
                                                               f"{runs[key]['context_words']:.1f}"])
    speed = []
    for key, label in [*order, ("today/scifact", "SciFact train, today"), ("new/scifact", "SciFact train, new")]:
        if key not in runs or not runs[key].get("seconds"):
            continue
        s, n = runs[key]["seconds"], runs[key]["n"]
        cpu = runs[key].get("cpu") or []
        anchor = runs.get("today/" + key.split("/", 1)[1].split(" ")[0], {}).get("cpu") or []
        ratio = (f"{statistics.median(cpu) / statistics.median(anchor):.2f}"
                 if cpu and anchor and not key.startswith("today/") else "–")
        speed.append([label, f"{n:,}", str(len(s)), f"{statistics.median(s):.2f}", f"{min(s):.2f}",
                      f"{statistics.median(cpu):.2f}" if cpu else "–", f"{min(cpu):.2f}" if cpu else "–",
                      f"{n / statistics.median(s):,.0f}", ratio])
    for key, label in (("semantic/sample", "sample, semantic, first run (embeds)"),
                       ("semantic/squad", "SQuAD, semantic, first run (embeds)")):
        if key in runs and "cold_seconds" in runs[key]:
            n, s0 = runs[key]["n"], runs[key]["cold_seconds"][0]
            speed.append([label, f"{n:,}", "1", f"{s0:.2f}", f"{s0:.2f}", "–", "–", f"{n / s0:,.1f}", "–"])
    curve = [[f"{p['min_score']:.2f}", f"{p['false_answer_rate']['rate']:.3f} [{p['false_answer_rate']['ci'][0]:.2f}, "
              f"{p['false_answer_rate']['ci'][1]:.2f}]",
              f"{p['over_refusal_rate']['rate']:.3f} [{p['over_refusal_rate']['ci'][0]:.2f}, "
              f"{p['over_refusal_rate']['ci'][1]:.2f}]"] for p in c["curve"] if round(p["min_score"] * 20) % 2 == 0
             or p["min_score"] == c["min_score"]]
    cv = c["cross_validated"]
    text = [
        "## Answers (extractive): today's default beside the new one",
        "",
        f"Written by `{meta['command']}` on {meta['date']} ({meta['minutes']:.1f} min; load average "
        f"{meta['load'][0]:.1f} at the start and {meta['load'][1]:.1f} at the end on {os.cpu_count()} cores: other "
        "jobs shared the machine, so the timings are pessimistic). Do not edit by hand; rerun it.",
        "",
        f"Today = the code at `{r['baseline_ref']}`, new = {meta['commit']}; each with its own `shipcall init` default "
        "variant (heading chunker, BM25 k=5, extractive; `min_score` 0.5 today, 0.16 new), on the same files "
        "and datasets, in the same run. Data: the SQuAD 2.0 slice (articles 0–4 of "
        "`shared/data/squad2-train5`: 2,442 questions, 160 unanswerable, one paragraph a document); the "
        "bundled sample (56 documents, 182 questions, 32 unanswerable; cohort `phrasing=paraphrase` 58 items); "
        "the same sample with every Markdown and HTML file hard-wrapped at 72 columns. Every figure "
        "is deterministic (no sampling); only the timings vary between repeats.",
        "",
        "### Targets (issue 14)",
        "",
        table(["", "Target", "Measured (today → new)", "Met"], targets),
        "",
        "### Side by side",
        "",
        table(["Run"] + cols + ["paraphrase contains", "answer alone contains", "words: answer / context"], rows),
        "",
        "`exact_match` and `f1` score the answer (new: the span of the asked type, e.g. \"20 days\"; today: up to "
        "two whole sentences). `contains_answer` and `answer_recall` score what the reader is shown — today the "
        "sentences, new the answer or its context (the sentence it came from and one more: its neighbour in "
        "the same paragraph, or the sentence of its section holding the asked kind of answer when it holds "
        "none) — and count an abstention on an unanswerable item as correct. \"answer alone contains\" "
        "is contains_answer computed on the answer without its context, over answered answerable items: "
        "how often the short answer itself holds a gold answer.",
        "",
        *_scifact_section(runs),
        "### Calibration on the sample (`shipcall calibrate --max-false-answer 0.25`, 5 folds, seed 0)",
        "",
        f"Chosen `min_score` {c['min_score']:.4f} (rule applied at {c['max_false_answer'] - c['margin']:.2f}); "
        f"cross-validated false answers {cv['false_answer_rate']['rate']:.3f} "
        f"[{cv['false_answer_rate']['ci'][0]:.3f}, {cv['false_answer_rate']['ci'][1]:.3f}] "
        f"({cv['false_answer_rate']['count']}/{cv['false_answer_rate']['n']}), refusals "
        f"{cv['over_refusal_rate']['rate']:.3f} [{cv['over_refusal_rate']['ci'][0]:.3f}, "
        f"{cv['over_refusal_rate']['ci'][1]:.3f}] ({cv['over_refusal_rate']['count']}/"
        f"{cv['over_refusal_rate']['n']}); 95% Wilson intervals. The trade-off curve (in sample):",
        "",
        table(["min_score", "false_answer_rate [95% CI]", "over_refusal_rate [95% CI]"], curve),
    ]
    if "semantic_calibration" in r:
        s = r["semantic_calibration"]
        sv = s["cross_validated"]
        text += ["", f"Semantic variant: chosen `min_score` {s['min_score']:.4f}; cross-validated false answers "
                 f"{sv['false_answer_rate']['rate']:.3f} [{sv['false_answer_rate']['ci'][0]:.3f}, "
                 f"{sv['false_answer_rate']['ci'][1]:.3f}], refusals {sv['over_refusal_rate']['rate']:.3f} "
                 f"[{sv['over_refusal_rate']['ci'][0]:.3f}, {sv['over_refusal_rate']['ci'][1]:.3f}]."]
    codes = sorted({v.get("code", "?") for k, v in runs.items() if not k.startswith("today/")})
    if len(codes) > 1:
        text += ["", "Code measured per run: " + "; ".join(
            f"{k}: `{v.get('code', '?')}`" for k, v in runs.items() if not k.startswith("today/")) +
            " (a run kept by `--resume` keeps the commit it was measured at)."]
    text += ["", "### Speed (`app.run` in-process: retrieve, answer, score, store; seconds per run)", "",
             table(["Run", "items", "runs", "wall median s", "wall min s", "CPU median s", "CPU min s",
                    "items/s (wall median)", "CPU × today"], speed), "",
             f"Up to {r['repeats']} runs each (the calibrated run: one), today's and the new code one after the other "
             "on each dataset. \"CPU × today\" is the new code's median CPU time over today's on the same "
             "data (the anchor measured in the same run; CPU time survives a busy machine better than wall time). "
             "The new answerer does more per question than today's (a span search over the best candidate "
             "sentences, numbers matched by value, list lead-ins) and is slower; the semantic variant embeds every "
             "candidate sentence once per workspace (the first run) and then reads the cache."]
    return "\n".join(text) + "\n"


def _scifact_section(runs: dict[str, Any]) -> list[str]:
    """SciFact train: claims, not questions, with evidence abstracts and no gold answers: a check that
    the answerer still cites the evidence and refuses no more often on documents it was not tuned on."""
    if "today/scifact" not in runs or "new/scifact" not in runs:
        return []
    rows = []
    for key, label in (("today/scifact", "SciFact train, today"), ("new/scifact", "SciFact train, new")):
        r = runs[key]
        both = r["answered"] * r["cited_evidence"] if r.get("cited_evidence") is not None else None
        rows.append([label, f"{r['n']:,}", f3(r.get("answered")), f3(r.get("cited_evidence")), f3(both),
                     f3(r["metrics"].get("over_refusal_rate")), f3(r["metrics"].get("recall@5"))])
    return ["### SciFact: documents nobody tuned on", "",
            table(["Run", "claims", "answered", "cites an evidence abstract (of answered)",
                   "answered citing evidence (of all)", "over_refusal_rate", "recall@5"], rows), "",
            "BEIR SciFact train (`shared/data/scifact-train`: 5,183 abstracts, 809 claims with their evidence "
            "abstracts, no gold answers), each version's default variant. Nothing here was tuned on. The claims "
            "are all backed by an abstract, so a refusal is an over-refusal; retrieval is the same in both "
            "(BM25, k=5). The new default answers more claims (lower `min_score`); the last-but-two column "
            "counts the answers that cite an evidence abstract over all claims.", ""]


def quick(repeats: int) -> int:
    """CI-sized: this checkout only (no git history needed), the bundled sample, `repeats` runs;
    written to benchmarks/.data/BENCHMARKS.quick.md."""
    t0 = time.perf_counter()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    new = Version("new", ROOT / "src", head.strip() or "unknown")
    root = new.workspace(DATA / "quick" / "sample", SAMPLE / "docs", SAMPLE / "dataset.jsonl")
    got = new.measure(root, "baseline", repeats)
    m, s, n = got["metrics"], got["seconds"], got["n"]
    cols = ["contains_answer", "exact_match", "f1", "false_answer_rate", "over_refusal_rate", "groundedness"]
    text = "\n".join([
        "## Answers (extractive, quick)", "",
        f"`python benchmarks/answers.py --quick` ({(time.perf_counter() - t0) / 60:.1f} min; "
        f"{common.machine_line(common.machine())}): the default variant on the bundled sample ({n} questions), "
        f"{len(s)} in-process runs.", "",
        table(cols + ["s per run, median (min)", "items/s (median)"],
                     [[f3(m.get(c)) for c in cols] + [f"{statistics.median(s):.2f} ({min(s):.2f})",
                                                      f"{n / statistics.median(s):,.0f}"]])])
    log(f"written to {common.write_section('answers', text, quick=True)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of today's default")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per version and dataset")
    ap.add_argument("--no-semantic", action="store_true", help="skip the semantic (dense extra) variant")
    ap.add_argument("--render", action="store_true", help="only rewrite the section from the last results")
    ap.add_argument("--resume", action="store_true", help="keep the runs an interrupted benchmark measured")
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized: this checkout on the sample only, written to .data/BENCHMARKS.quick.md")
    args = ap.parse_args(argv)
    if args.quick:
        return quick(args.repeats)
    results_path = DATA / "results.json"
    if args.render:
        result = json.loads(results_path.read_text())
    else:
        if not SQUAD.is_file():
            print(f"SQuAD slice not found at {SQUAD} (set SHIPCALL_DATA)", file=sys.stderr)
            return 2
        previous = json.loads(results_path.read_text()) if args.resume and results_path.is_file() else {}
        t0, load0 = time.perf_counter(), os.getloadavg()[0]
        DATA.mkdir(parents=True, exist_ok=True)

        def save(r: dict[str, Any]) -> None:
            results_path.write_text(json.dumps(r, indent=1))

        result = collect(args, previous, save)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
        minutes = (time.perf_counter() - t0) / 60 + previous.get("_run", {}).get("minutes", 0.0)
        result["_run"] = {"minutes": minutes, "load": [previous.get("_run", {}).get("load", [load0])[0],
                                                       os.getloadavg()[0]],
                          "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
                          "command": "python benchmarks/answers.py" + (" --quick" if args.quick else
                                                                        " --no-semantic" if args.no_semantic else "")}
        save(result)
    common.write_section("answers", render(result))
    log(f"written to BENCHMARKS.md ({START} … {END}) and {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
