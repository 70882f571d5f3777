"""Deterministic synthetic inputs for the benchmarks.

- `vocabulary()`: word → count from the SciFact corpus (the empirical, Zipf-like distribution of
  real scientific English), cached under benchmarks/.data/.
- `write_corpus()`: N Markdown documents (headings, paragraphs, bullet and numbered lists, tables,
  numbers, money, percentages) in a folder tree, plus ~1,000 queries drawn from them (keyword and
  natural phrasing, and a share about things the corpus never mentions).
- `write_uniform_corpus()`: documents of words drawn uniformly from a vocabulary (no topics), and
  queries drawn the same way: the other kind of corpus for claims that depend on the corpus.
- `write_squad()`: the SQuAD v2 paragraphs as Markdown documents and its questions as a shipcall
  dataset (JSONL), for the end-to-end evaluation.
- `synthetic_results()`: Items with graded evidence and ItemResults with document rankings, for
  the aggregation benchmark.

Everything is seeded; the same arguments write byte-identical files.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import common
import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
SCIFACT = common.shared_data() / "scifact-train" / "corpus.jsonl"
SQUAD = common.shared_data() / "squad2-train5" / "train-v2.0-articles0-4.json"
GENERATOR_VERSION = 4  # bump when the corpus generator changes, to invalidate the cache

_WORD = re.compile(r"[a-z]+")
_FALLBACK_SYLLABLES = ["ka", "lo", "mi", "ren", "tos", "va", "pel", "dri", "sun", "mar", "quo", "zen", "fi", "bar"]
# Common English words that make poor query terms (the query generator skips them).
_QUERY_SKIP = frozenset(
    "the of and in to a is was for with that by as on are be were from this an or at which we not these "
    "have has it its than but also been their both between after during there other more all can may into "
    "such who however our only most no one two three when while through among using used use".split()
)
_NATURAL = [
    "What does the policy say about {a} {b}?",
    "How do I handle {a} for {b}?",
    "When is {a} {b} required?",
    "Who approves {a} {b} and {c}?",
    "What is the limit for {a} {b} {c}?",
    "Is {a} allowed during {b}?",
    "How many days for {a} {b}?",
    "Where do I report {a} {b}?",
]
_OFF_CORPUS = [
    "parking permit for the Brazil office", "What is the dress code at the Lisbon retreat?",
    "karaoke budget for the holiday party", "Can I bring my dog to the Osaka office?",
    "How do I book the rooftop yoga studio?", "vending machine snack reimbursement in Nairobi",
    "Who maintains the office aquarium?", "What is the wifi password in the Reykjavik lounge?",
]


# -- vocabulary ----------------------------------------------------------------------------------

def vocabulary(min_count: int = 2) -> list[tuple[str, int]]:
    """(word, count) pairs, most frequent first, from SciFact (or a synthetic Zipf vocabulary if
    SciFact is not available)."""
    cache = DATA / f"vocab-scifact-{min_count}.json"
    if cache.is_file():
        return [(w, c) for w, c in json.loads(cache.read_text())]
    counts: Counter[str] = Counter()
    if SCIFACT.is_file():
        with SCIFACT.open(encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                counts.update(_WORD.findall(f"{obj.get('title', '')} {obj.get('text', '')}".lower()))
        pairs = sorted(((w, c) for w, c in counts.items() if c >= min_count and 2 <= len(w) <= 18),
                       key=lambda wc: (-wc[1], wc[0]))
    else:  # a Zipfian synthetic vocabulary: count ∝ 1 / rank
        rng = np.random.default_rng(7)
        words: list[str] = []
        seen: set[str] = set()
        while len(words) < 20_000:
            w = "".join(rng.choice(_FALLBACK_SYLLABLES, size=int(rng.integers(1, 5))))
            if w not in seen:
                seen.add(w)
                words.append(w)
        pairs = [(w, max(1, int(1_000_000 / (r + 1)))) for r, w in enumerate(words)]
    DATA.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(pairs))
    return pairs


# -- the synthetic docs corpus -------------------------------------------------------------------

class _Stream:
    """Pre-drawn random streams, consumed sequentially (fast, and deterministic)."""

    def __init__(self, rng: np.random.Generator, words: list[str], p: np.ndarray, n: int) -> None:
        self.rng = rng
        self.words = words
        self.glob = rng.choice(len(words), size=n, p=p)
        self.topical = rng.random(n) < 0.25
        self.topic_pick = rng.integers(0, 40, size=n)
        self.number = rng.random(n) < 0.03
        self.pos = 0
        self.n = n

    def take(self, length: int, topic_words: list[str]) -> list[str]:
        if self.pos + length > self.n:
            self.pos = 0
        a, b = self.pos, self.pos + length
        self.pos = b
        out = []
        for g, t, tp, num in zip(self.glob[a:b], self.topical[a:b], self.topic_pick[a:b], self.number[a:b],
                                 strict=True):
            if num:
                out.append(self.number_token())
            else:
                out.append(topic_words[tp] if t else self.words[g])
        return out

    def number_token(self) -> str:
        r = self.rng
        kind = int(r.integers(0, 6))
        if kind == 0:
            return str(int(r.integers(1, 100)))
        if kind == 1:
            return f"{r.integers(1, 100)}.{r.integers(0, 10)}%"
        if kind == 2:
            return f"${int(r.integers(1, 50)) * 25:,}"
        if kind == 3:
            return f"{int(r.integers(1, 91))} days"
        if kind == 4:
            return f"v{r.integers(1, 6)}.{r.integers(0, 10)}"
        return f"{int(r.integers(1990, 2026))}"


def _sentence(s: _Stream, topic: list[str], lo: int = 7, hi: int = 22) -> str:
    words = s.take(int(s.rng.integers(lo, hi)), topic)
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def _title(s: _Stream, topic: list[str], lo: int = 2, hi: int = 6) -> str:
    return " ".join(w.capitalize() for w in s.take(int(s.rng.integers(lo, hi)), topic)).rstrip(".")


def _block(s: _Stream, topic: list[str]) -> str:
    r = s.rng
    kind = r.choice(["para", "para", "para", "bullets", "steps", "table"])
    if kind == "para":
        return " ".join(_sentence(s, topic) for _ in range(int(r.integers(2, 6))))
    if kind == "bullets":
        return "\n".join(f"- {_sentence(s, topic, 4, 14)}" for _ in range(int(r.integers(3, 7))))
    if kind == "steps":
        return "\n".join(f"{i}. {_sentence(s, topic, 5, 16)}" for i in range(1, int(r.integers(3, 7))))
    rows = int(r.integers(2, 6))
    lines = ["| Item | Limit | Notes |", "|---|---|---|"]
    for _ in range(rows):
        lines.append(f"| {_title(s, topic, 1, 3)} | {s.number_token()} | {' '.join(s.take(5, topic))} |")
    return "\n".join(lines)


def _document(s: _Stream, topic: list[str], target_bytes: int) -> str:
    r = s.rng
    parts = [f"# {_title(s, topic)}", _block(s, topic)]
    size = sum(len(p) + 2 for p in parts)
    while size < target_bytes:
        level = "##" if r.random() < 0.7 else "###"
        section = [f"{level} {_title(s, topic)}"]
        for _ in range(int(r.integers(1, 4))):
            section.append(_block(s, topic))
        parts.extend(section)
        size += sum(len(p) + 2 for p in section)
    return "\n\n".join(parts) + "\n"


def _query(s: _Stream, text: str) -> str:
    r = s.rng
    sentences = [x for x in re.split(r"(?<=\.)\s+|\n", text)
                 if len(x.split()) >= 6 and not x.startswith(("#", "|"))]
    if not sentences:
        sentences = [text]
    sent = sentences[int(r.integers(0, len(sentences)))]
    words = [w for w in _WORD.findall(sent.lower()) if w not in _QUERY_SKIP and len(w) > 2]
    if len(words) < 3:
        words = (words + ["policy", "limit", "approval"])[:3]
    pick = sorted(r.choice(len(words), size=min(len(words), int(r.integers(3, 6))), replace=False))
    chosen = [words[i] for i in pick]
    if r.random() < 0.5:
        return " ".join(chosen)
    tpl = _NATURAL[int(r.integers(0, len(_NATURAL)))]
    return tpl.format(a=chosen[0], b=chosen[1], c=chosen[2])


def corpus_paths(n_docs: int, seed: int) -> tuple[Path, Path]:
    """(corpus folder, queries.jsonl) for these parameters."""
    name = f"corpus-{n_docs}-s{seed}"
    return DATA / name, DATA / f"{name}.queries.jsonl"


def _kept(root: Path, queries_path: Path, params: dict[str, object]) -> dict[str, object] | None:
    """The manifest of a corpus already written with these parameters, else None (and an empty
    folder to write it in)."""
    manifest_path = root.with_suffix(".manifest.json")
    if manifest_path.is_file() and queries_path.is_file() and root.is_dir():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("params") == params:
            return manifest
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return None


def write_corpus(n_docs: int, seed: int = 42, n_queries: int = 1000, mean_bytes: int = 2000) -> dict[str, object]:
    """Write (or reuse, when the manifest matches) the synthetic corpus and its queries."""
    root, queries_path = corpus_paths(n_docs, seed)
    manifest_path = root.with_suffix(".manifest.json")
    params = {"n_docs": n_docs, "seed": seed, "n_queries": n_queries, "mean_bytes": mean_bytes,
              "generator": GENERATOR_VERSION}
    kept = _kept(root, queries_path, params)
    if kept is not None:
        return kept
    rng = np.random.default_rng(seed)
    vocab = vocabulary()
    words = [w for w, _ in vocab]
    counts = np.array([c for _, c in vocab], dtype=np.float64)
    p = counts / counts.sum()
    # 200 topics of 40 words each, drawn from the mid-frequency band (topical, not function words)
    band = words[150:min(len(words), 12_000)]
    topics = [[band[i] for i in rng.choice(len(band), size=40, replace=False)] for _ in range(200)]
    # ~7 characters a word with its space: pre-draw enough words for the whole corpus
    stream = _Stream(rng, words, p, n=int(n_docs * mean_bytes / 6.5) + 100_000)
    # a document overshoots its target by about a section: aim ~20% lower to average mean_bytes
    sizes = np.clip(rng.lognormal(np.log(0.8 * mean_bytes) - 0.125, 0.5, size=n_docs), 200, 10 * mean_bytes)
    sizes = sizes.astype(int)
    query_docs = set(rng.choice(n_docs, size=min(n_queries, n_docs), replace=False).tolist())
    queries: list[dict[str, object]] = []
    total_bytes = 0
    for i in range(n_docs):
        t = int(rng.integers(0, len(topics)))
        topic = topics[t]
        text = _document(stream, topic, int(sizes[i]))
        rel = f"team-{i % 40:02d}/{topic[0]}-{topic[1]}/doc-{i:05d}.md"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total_bytes += len(data)
        if i in query_docs:
            queries.append({"id": f"q{len(queries):04d}", "query": _query(stream, text), "doc": rel})
    # a share of questions about things the corpus never mentions (the abstention path)
    for j in range(max(0, n_queries - len(queries))):
        queries.append({"id": f"q{len(queries):04d}", "query": _OFF_CORPUS[j % len(_OFF_CORPUS)], "doc": None})
    order = rng.permutation(len(queries))
    n_off = max(1, len(queries) // 20)
    for j in order[:n_off]:  # replace 5% with off-corpus questions
        queries[j] = {"id": queries[j]["id"], "query": _OFF_CORPUS[int(j) % len(_OFF_CORPUS)], "doc": None}
    with queries_path.open("w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    manifest = {"params": params, "path": str(root), "queries": str(queries_path), "n_docs": n_docs,
                "bytes": total_bytes, "n_queries": len(queries), "vocabulary": len(words),
                "vocabulary_source": "SciFact corpus word counts" if SCIFACT.is_file() else "synthetic Zipf"}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# -- the uniform synthetic corpus ----------------------------------------------------------------

def write_uniform_corpus(n_docs: int, seed: int = 7, n_queries: int = 1000, vocabulary_size: int = 1_000,
                         sections: int = 4, words: tuple[int, int] = (60, 200)) -> dict[str, object]:
    """Documents of words drawn uniformly from the `vocabulary_size` most frequent SciFact content
    words (no Zipf law, no topics): `sections` `##` sections of `words` (a range) words each, so each
    is one chunk. Queries: 3 to 5 words drawn the same way. The opposite of the topical corpus:
    every query word is as common as any other and appears in a sizeable share of the chunks, so
    a query leaves far fewer chunks at a score of exactly zero."""
    name = f"uniform-{n_docs}-s{seed}"
    root, queries_path = DATA / name, DATA / f"{name}.queries.jsonl"
    manifest_path = root.with_suffix(".manifest.json")
    params = {"n_docs": n_docs, "seed": seed, "n_queries": n_queries, "vocabulary_size": vocabulary_size,
              "sections": sections, "words": list(words), "generator": 2}
    kept = _kept(root, queries_path, params)
    if kept is not None:
        return kept
    rng = np.random.default_rng(seed)
    vocab = [w for w, _ in vocabulary() if w not in _QUERY_SKIP and len(w) > 3][:vocabulary_size]
    total_bytes = 0
    for i in range(n_docs):
        parts = []
        for _ in range(sections):
            block = [vocab[x] for x in rng.integers(0, len(vocab), size=3 + int(rng.integers(*words)))]
            parts.append("## " + " ".join(block[:3]).capitalize() + "\n\n" + " ".join(block[3:]).capitalize() + ".")
        folder = root / f"part-{i // 1000:03d}"
        folder.mkdir(exist_ok=True)
        data = ("\n\n".join(parts) + "\n").encode("utf-8")
        (folder / f"doc-{i:06d}.md").write_bytes(data)
        total_bytes += len(data)
    with queries_path.open("w", encoding="utf-8") as f:
        for q in range(n_queries):
            picks = rng.integers(0, len(vocab), size=int(rng.integers(3, 6)))
            f.write(json.dumps({"id": f"u{q:04d}", "query": " ".join(vocab[x] for x in picks)}) + "\n")
    manifest = {"params": params, "path": str(root), "queries": str(queries_path), "n_docs": n_docs,
                "bytes": total_bytes, "n_queries": n_queries, "vocabulary": len(vocab)}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# -- SQuAD v2 as documents + dataset -------------------------------------------------------------

def squad_paths() -> tuple[Path, Path]:
    return DATA / "squad-docs", DATA / "squad-items.jsonl"


def write_squad(n_items: int, seed: int = 42) -> dict[str, object]:
    """SQuAD v2 paragraphs → Markdown documents (`<article>/p<NNN>.md`: the title as a heading,
    then the paragraph); `n_items` questions (seeded sample over all articles) → a dataset whose
    answerable items have gold answers, the paragraph as evidence, a `contains` assertion on the
    first gold answer, and tags `topic` (article) and `kind` (answerable / unanswerable)."""
    root, items_path = squad_paths()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    rows: list[dict[str, object]] = []
    n_docs = 0
    for art in data:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", art["title"]).strip("-").lower()
        title = art["title"].replace("_", " ")
        for pi, para in enumerate(art["paragraphs"]):
            rel = f"{slug}/p{pi:03d}.md"
            (root / slug).mkdir(exist_ok=True)
            (root / rel).write_text(f"# {title}\n\n{para['context']}\n", encoding="utf-8")
            n_docs += 1
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a["text"].strip()))
                item: dict[str, object] = {
                    "id": qa["id"], "question": qa["question"],
                    "tags": {"topic": slug, "kind": "unanswerable" if impossible else "answerable"},
                }
                if impossible:
                    item["answerable"] = False
                else:
                    item["answers"] = answers
                    item["evidence"] = [rel]
                    item["assert"] = [{"type": "contains", "value": answers[0]},
                                      {"type": "max-length", "value": 600}]
                rows.append(item)
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(rows), size=min(n_items, len(rows)), replace=False).tolist())
    with items_path.open("w", encoding="utf-8") as f:
        for i in pick:
            f.write(json.dumps(rows[i], ensure_ascii=False) + "\n")
    chosen = [rows[i] for i in pick]
    return {"n_docs": n_docs, "n_items": len(chosen),
            "n_unanswerable": sum(1 for r in chosen if r.get("answerable") is False),
            "docs": str(root), "items": str(items_path)}


# -- synthetic per-item rows for aggregation -----------------------------------------------------

def synthetic_results(n: int, seed: int = 42, depth: int = 10, n_docs: int = 50_000) -> tuple[list, list]:
    """`n` Items (1–4 relevant documents, grades 1–3, a `topic` tag with 12 values) and their
    ItemResults (a `depth`-document ranking that contains some of the relevant documents, and a
    latency). Metrics are not filled in: the caller scores them."""
    from shipcall.core.datasets import Item
    from shipcall.core.runs import ItemResult, Retrieved

    rng = np.random.default_rng(seed)
    n_rel = rng.integers(1, 5, size=n)
    grades = rng.integers(1, 4, size=(n, 4))
    rel_docs = rng.integers(0, n_docs, size=(n, 4))
    ranked = rng.integers(0, n_docs, size=(n, depth))
    # put each relevant document into the ranking with probability 0.6, at a random position
    hit = rng.random((n, 4)) < 0.6
    where = rng.integers(0, depth, size=(n, 4))
    scores = np.sort(rng.random((n, depth)) * 20, axis=1)[:, ::-1]
    latency = rng.gamma(2.0, 3.0, size=n)
    topics = rng.integers(0, 12, size=n)
    items: list = []
    results: list = []
    for i in range(n):
        evidence = {f"d{rel_docs[i, j]}": int(grades[i, j]) for j in range(n_rel[i])}
        row = [f"d{x}" for x in ranked[i]]
        for j in range(n_rel[i]):
            if hit[i, j]:
                row[where[i, j]] = f"d{rel_docs[i, j]}"
        seen: set[str] = set()
        docs: list[str] = []
        for d in row:
            if d not in seen:
                seen.add(d)
                docs.append(d)
        qid = f"q{i}"
        items.append(Item(id=qid, question=f"question {i}", evidence=evidence, tags={"topic": f"t{topics[i]}"}))
        results.append(ItemResult(
            item_id=qid,
            retrieved_docs=[Retrieved(d, f"{d}#0", float(scores[i, r]), r + 1) for r, d in enumerate(docs)],
            latency_ms={"total": float(latency[i])},
        ))
    return items, results
