"""Validate the bundled sample: src/shipcall/sample/{docs/, dataset.jsonl}.

    python scripts/check_sample.py [--sample DIR] [--quiet]

Checks (any failure -> exit code 1):
  * every dataset line is a JSON object with the expected fields and tag values;
  * ids are unique and numbered q-001, q-002, ... in order;
  * at least 170 items, and at least 20 items per topic;
  * answerable items have 1-3 gold answers of 1-6 words and existing evidence documents;
    unanswerable items have no answers and no evidence;
  * every gold answer occurs in at least one of its evidence documents (case-insensitive, after
    collapsing whitespace; HTML tags stripped and entities decoded; PDF text extracted with pypdf);
  * assertions use known types;
  * the corpus has >= 44 documents, >= 8 HTML files, >= 7 topic folders, and Markdown/HTML
    documents of 150-900 words.
Then prints document counts per topic and item counts per cohort (topic x difficulty x phrasing).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLE = ROOT / "src" / "shipcall" / "sample"

DIFFICULTIES = ("single-hop", "multi-hop", "unanswerable")
PHRASINGS = ("keyword", "natural", "paraphrase")
ASSERTION_TYPES = ("contains", "not-contains", "regex", "not-regex", "equals", "min-length", "max-length")
DOC_SUFFIXES = (".md", ".html", ".htm", ".pdf", ".txt")
MIN_ITEMS, MIN_PER_TOPIC = 170, 20
MIN_DOCS, MIN_HTML, MIN_TOPICS = 44, 8, 7
MIN_WORDS, MAX_WORDS = 150, 900


def doc_text(path: Path) -> str:
    """Plain text of a document, as the check compares it: tags stripped for HTML, pypdf for PDF."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    raw = path.read_text(encoding="utf-8")
    if path.suffix in (".html", ".htm"):
        raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
        raw = re.sub(r"<[^>]+>", " ", raw)
        raw = html.unescape(raw)
    return raw


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_docs(docs_dir: Path) -> dict[str, str]:
    docs: dict[str, str] = {}
    for p in sorted(docs_dir.rglob("*")):
        if p.is_file() and p.suffix.lower() in DOC_SUFFIXES:
            docs[p.relative_to(docs_dir).as_posix()] = doc_text(p)
    return docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="folder holding docs/ and dataset.jsonl")
    ap.add_argument("--quiet", action="store_true", help="print only problems and the verdict")
    args = ap.parse_args(argv)
    docs_dir, dataset_path = args.sample / "docs", args.sample / "dataset.jsonl"
    errors: list[str] = []

    def err(msg: str) -> None:
        errors.append(msg)

    # ---- corpus -------------------------------------------------------------------------------
    if not docs_dir.is_dir():
        print(f"error: {docs_dir} does not exist", file=sys.stderr)
        return 1
    docs = load_docs(docs_dir)
    norm_docs = {k: norm(v) for k, v in docs.items()}
    topics_of_docs = Counter(k.split("/", 1)[0] for k in docs)
    n_html = sum(k.endswith((".html", ".htm")) for k in docs)
    n_pdf = sum(k.endswith(".pdf") for k in docs)
    if len(docs) < MIN_DOCS:
        err(f"corpus: {len(docs)} documents, need >= {MIN_DOCS}")
    if n_html < MIN_HTML:
        err(f"corpus: {n_html} HTML documents, need >= {MIN_HTML}")
    if len(topics_of_docs) < MIN_TOPICS:
        err(f"corpus: {len(topics_of_docs)} topic folders, need >= {MIN_TOPICS}")
    for doc_id, text in docs.items():
        if "/" not in doc_id:
            err(f"corpus: {doc_id} is not inside a topic folder")
        if doc_id.endswith(".pdf"):
            if len(text.split()) < MIN_WORDS:
                err(f"corpus: {doc_id}: pypdf extracted only {len(text.split())} words")
            continue
        n = len(text.split())
        if not MIN_WORDS <= n <= MAX_WORDS:
            err(f"corpus: {doc_id} has {n} words, expected {MIN_WORDS}-{MAX_WORDS}")
        if n and any(ord(c) == 0xFFFD for c in text):
            err(f"corpus: {doc_id} contains replacement characters (bad encoding)")

    # ---- dataset ------------------------------------------------------------------------------
    if not dataset_path.is_file():
        print(f"error: {dataset_path} does not exist", file=sys.stderr)
        return 1
    items: list[dict] = []
    for lineno, line in enumerate(dataset_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"dataset line {lineno}: malformed JSON: {e.msg}")
            continue
        if not isinstance(obj, dict):
            err(f"dataset line {lineno}: not a JSON object")
            continue
        obj["_line"] = lineno
        items.append(obj)

    known = {"id", "question", "answers", "answerable", "evidence", "tags", "assert", "notes", "source"}
    seen: dict[str, int] = {}
    for n, it in enumerate(items, start=1):
        line = it.pop("_line")
        where = f"dataset line {line} ({it.get('id', '?')})"
        for k in sorted(set(it) - known):
            err(f"{where}: unknown field {k!r}")
        item_id = it.get("id")
        if item_id in seen:
            err(f"{where}: duplicate id (first on line {seen[item_id]})")
        seen[item_id] = line
        if item_id != f"q-{n:03d}":
            err(f"{where}: id should be q-{n:03d} (ids numbered in order)")
        q = it.get("question")
        if not isinstance(q, str) or not q.strip():
            err(f"{where}: question must be a non-empty string")
        tags = it.get("tags") or {}
        topic, diff, phr = tags.get("topic"), tags.get("difficulty"), tags.get("phrasing")
        if topic not in topics_of_docs:
            err(f"{where}: tags.topic {topic!r} is not a docs/ folder")
        if diff not in DIFFICULTIES:
            err(f"{where}: tags.difficulty {diff!r} not in {DIFFICULTIES}")
        if phr not in PHRASINGS:
            err(f"{where}: tags.phrasing {phr!r} not in {PHRASINGS}")
        answers, evidence, answerable = it.get("answers", []), it.get("evidence", []), it.get("answerable", True)
        if not isinstance(answers, list) or not isinstance(evidence, list) or not isinstance(answerable, bool):
            err(f"{where}: answers/evidence must be lists and answerable a boolean")
            continue
        if (diff == "unanswerable") == answerable:
            err(f"{where}: difficulty {diff!r} but answerable={answerable}")
        if not answerable:
            if answers or evidence:
                err(f"{where}: unanswerable item must have empty answers and evidence")
        else:
            if not 1 <= len(answers) <= 3:
                err(f"{where}: {len(answers)} gold answers, expected 1-3")
            if not evidence:
                err(f"{where}: answerable item without evidence")
            missing = [e for e in evidence if e not in docs]
            for e in missing:
                err(f"{where}: evidence document {e!r} not found in docs/")
            for a in answers:
                if not isinstance(a, str) or not a.strip():
                    err(f"{where}: empty gold answer")
                    continue
                if not 1 <= len(a.split()) <= 6:
                    err(f"{where}: gold answer {a!r} has {len(a.split())} words, expected 1-6")
                na = norm(a)
                if not any(na in norm_docs[e] for e in evidence if e in norm_docs):
                    err(f"{where}: gold answer {a!r} not found in evidence {evidence}")
        for i, a in enumerate(it.get("assert", []) or []):
            if not isinstance(a, dict) or a.get("type") not in ASSERTION_TYPES or "value" not in a:
                err(f"{where}: assert[{i}] must be {{type: one of {ASSERTION_TYPES}, value: ...}}")
            elif a["type"] in ("regex", "not-regex"):
                try:
                    re.compile(a["value"])
                except re.error as e:
                    err(f"{where}: assert[{i}] invalid regex: {e}")

    by_topic = Counter(it.get("tags", {}).get("topic") for it in items)
    if len(items) < MIN_ITEMS:
        err(f"dataset: {len(items)} items, need >= {MIN_ITEMS}")
    for t in sorted(topics_of_docs):
        if by_topic[t] < MIN_PER_TOPIC:
            err(f"dataset: topic {t!r} has {by_topic[t]} items, need >= {MIN_PER_TOPIC}")

    # ---- the package's own parser, when importable ----------------------------------------------
    try:
        sys.path.insert(0, str(ROOT / "src"))
        from shipcall.core.datasets import parse_jsonl  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - optional cross-check
        parse_jsonl = None
    if parse_jsonl is not None:
        try:
            parse_jsonl(dataset_path.read_text(encoding="utf-8"), file=str(dataset_path))
        except Exception as e:  # noqa: BLE001
            err(f"dataset: shipcall.core.datasets.parse_jsonl rejected the file: {e}")

    # ---- report -------------------------------------------------------------------------------
    if not args.quiet:
        print(
            f"corpus: {len(docs)} documents ({n_html} HTML, {n_pdf} PDF, "
            f"{len(docs) - n_html - n_pdf} Markdown/text) in {len(topics_of_docs)} topic folders"
        )
        for t in sorted(topics_of_docs):
            print(f"  {t:<12} {topics_of_docs[t]:>3} docs")
        superseded = [k for k, v in docs.items() if "superseded." in norm(v)[:600]]
        print(f"  superseded documents: {', '.join(superseded) or 'none'}")
        print()
        n_assert = sum(bool(it.get("assert")) for it in items)
        print(f"dataset: {len(items)} items, {n_assert} with assertions")
        for key in ("topic", "difficulty", "phrasing"):
            c = Counter(it.get("tags", {}).get(key) for it in items)
            print(f"  by {key}: " + ", ".join(f"{k}={v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0]))))
        print()
        print("cohorts (topic x difficulty x phrasing; kw = keyword, nat = natural, para = paraphrase):")
        print(f"  {'':<12}" + "".join(f"{d:^18}" for d in DIFFICULTIES))
        print(f"  {'topic':<12}" + "".join(f"{p:>6}" for _ in DIFFICULTIES for p in ("kw", "nat", "para")) + "  total")
        cube = Counter(
            (it["tags"].get("topic"), it["tags"].get("difficulty"), it["tags"].get("phrasing"))
            for it in items
            if isinstance(it.get("tags"), dict)
        )
        for t in sorted(by_topic, key=str):
            row = [cube[(t, d, p)] for d in DIFFICULTIES for p in PHRASINGS]
            print(f"  {str(t):<12}" + "".join(f"{v:>6}" for v in row) + f"{sum(row):>7}")
        col = [sum(cube[(t, d, p)] for t in by_topic) for d in DIFFICULTIES for p in PHRASINGS]
        print(f"  {'all':<12}" + "".join(f"{v:>6}" for v in col) + f"{sum(col):>7}")
        print()

    if errors:
        for e in errors:
            print(f"FAIL {e}")
        print(f"\n{len(errors)} problem(s) found")
        return 1
    print("OK: sample corpus and dataset pass all checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
