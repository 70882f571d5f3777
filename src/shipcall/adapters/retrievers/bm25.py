"""BM25 over chunks with bm25s, persisted on disk and reloaded fast.

The index directory holds bm25s's own files, the tokenizer vocabulary, the chunks' places in
their documents (chunks.json.gz: the text itself stays in the store, see chunkfile.py) and, once
asked for, the chunks' sentence analysis (sentences.py: what the extractive generator ranks
sentences by, worked out the first time a chunk is retrieved, with the tokenizer's stems, and
kept here for every later process). Each stem's document frequency (used by the extractive
generator to weigh question terms) is read off the score matrix. bm25_build.py builds bm25s's
tokens and score matrix with array operations, identical to bm25s's own. The index is built in a
temporary directory and then renamed into place, so a crash never leaves a half-written index
behind. An index of an older format is not complete: it is rebuilt, and `stale_reason` says why.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from shipcall.adapters.progress import announce, library_bars, progress_bar
from shipcall.adapters.retrievers import sentences
from shipcall.adapters.retrievers.base import BuildContext
from shipcall.adapters.retrievers.bm25_build import FlatTokens, document_frequencies, index_flat, tokenize_flat
from shipcall.adapters.retrievers.chunkfile import DocumentTexts, load_chunks, save_chunks
from shipcall.config.schema import BM25Retriever
from shipcall.core.analysis import Unit
from shipcall.core.documents import Chunk, ScoredChunk

# 2: the sentence analysis stored with the index; 3: chunks.json.gz (places, not text) for chunks.jsonl,
# no df.json, no vocab.tokenizer.json; 4: the sentence analysis worked out when first asked for
# (analysis-vN.sqlite), not at build (no sentences.bin), and a build token
FORMAT = 4


def import_bm25s() -> Any:
    """bm25s, imported without numba: shipcall scores with bm25s's NumPy backend, and importing numba
    costs every process that opens or builds an index about 0.14 s of CPU (bm25s imports it when
    it can, and falls back on NumPy when it cannot). numba stays importable for anything else."""
    if "bm25s" in sys.modules or "numba" in sys.modules:
        import bm25s

        return bm25s
    sys.modules["numba"] = None  # type: ignore[assignment]  # bm25s's `from numba import njit` fails
    try:
        import bm25s
    finally:
        del sys.modules["numba"]
    return bm25s


def make_tokenizer(cfg: BM25Retriever) -> Any:
    import Stemmer

    bm25s = import_bm25s()

    stemmer = Stemmer.Stemmer(cfg.stemmer) if cfg.stemmer else None
    return bm25s.tokenization.Tokenizer(stopwords=cfg.stopwords or [], stemmer=stemmer)


TOKENIZE_BATCH = 2000


def tokenize_with_progress(tokenizer: Any, texts: list[str], show_progress: bool | None) -> Any:
    """bm25s's tokenization in batches under shipcall's progress bar (tokenizing is the larger
    part of a build: 36 s of 58 s for 100,000 abstracts on 2 busy cores). The vocabulary grows
    across batches in order of first appearance, so the ids equal one call's."""
    import_bm25s()
    from bm25s.tokenization import Tokenized

    ids: list[list[int]] = []
    bar = progress_bar(len(texts), "index", "chunk", show=show_progress)
    try:
        for i in range(0, len(texts), TOKENIZE_BATCH):
            batch = texts[i:i + TOKENIZE_BATCH]
            ids.extend(tokenizer.tokenize(batch, update_vocab=True, show_progress=False, return_as="ids"))
            bar.update(len(batch))
    finally:
        bar.close()
    return Tokenized(ids=ids, vocab=tokenizer.get_vocab_dict())


def tokenize_chunks(tokenizer: Any, chunks: Sequence[Chunk], show_progress: bool | None) -> FlatTokens:
    """Each chunk's index text as bm25s token ids (bm25_build.tokenize_flat), under a progress bar."""
    out = FlatTokens()
    bar = progress_bar(len(chunks), "index", "chunk", show=show_progress)
    try:
        for i in range(0, len(chunks), TOKENIZE_BATCH):
            batch = chunks[i:i + TOKENIZE_BATCH]
            tokenize_flat(tokenizer, map(index_text, batch), out)
            bar.update(len(batch))
    finally:
        bar.close()
    return out


def bm25_model(cfg: BM25Retriever, tokenizer: Any, tokens: FlatTokens, show_progress: bool | None) -> Any:
    """A bm25s model of `tokens`: built by bm25_build.index_flat, or by bm25s itself when that
    cannot (another bm25s's internals)."""
    bm25s = import_bm25s()
    from bm25s.tokenization import Tokenized

    # The NumPy backend: numba's JIT would cost every fresh process a second on its first query.
    model = bm25s.BM25(k1=cfg.k1, b=cfg.b, method=cfg.method, backend="numpy")
    vocab = tokenizer.get_vocab_dict()
    if not index_flat(model, tokens, vocab):
        flat, lengths = tokens.arrays()
        ends = np.cumsum(lengths).tolist()
        ids = [flat[a:b].tolist() for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        large = len(ids) >= 20_000
        if large:
            announce(f"index: scoring {len(ids):,} chunks", show_progress)
        model.index(Tokenized(ids=ids, vocab=vocab), show_progress=large and library_bars(show_progress))
    return model


def restore_vocabulary(tokenizer: Any, vocab: dict[str, int]) -> None:
    """Give a fresh bm25s tokenizer the vocabulary an index was built with (the model's own
    vocab.index.json: stem -> id, or word -> id without a stemmer). bm25s's tokenizer file adds
    each surface word's stem and id, which a query recomputes for the words it uses (the stemmer
    runs once per new word and finds the stem's id), so it is not kept: the ids are the same."""
    if tokenizer.stemmer is not None:
        tokenizer.stem_to_sid = dict(vocab)
        tokenizer.word_to_stem = {"": ""} if "" in vocab else {}
        tokenizer.word_to_id = {"": vocab[""]} if "" in vocab else {}
    else:
        tokenizer.word_to_id = dict(vocab)


def index_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its heading path, then its text (headings carry context
    that a table row or a list item lacks)."""
    if chunk.heading_path:
        return " / ".join(chunk.heading_path) + "\n" + chunk.text
    return chunk.text


class BM25Index:
    """The `bm25` retriever kind: bm25s over each chunk's heading path and text."""

    config_model: ClassVar[Any] = BM25Retriever
    composite: ClassVar[bool] = False

    def __init__(self, path: Path, model: Any, tokenizer: Any, chunks: Sequence[Chunk], df: dict[str, int],
                 analysis: sentences.StoredAnalysis | None = None) -> None:
        self.path = path
        self.model = model
        self.tokenizer = tokenizer
        self.chunks = chunks
        self.df = df
        self.n = max(len(chunks), 1)
        self._stem_of = tokenizer.stemmer
        self._analysis = analysis

    @classmethod
    def build_index(cls, chunks: Sequence[Chunk], cfg: BM25Retriever, dest: Path, ctx: BuildContext) -> BM25Index:
        return cls.build(chunks, cfg, dest, show_progress=ctx.show_progress, extra=ctx.extra,
                         doc_hashes=ctx.doc_hashes)

    @classmethod
    def load_index(cls, path: Path, cfg: BM25Retriever, texts: DocumentTexts | None = None) -> BM25Index:
        return cls.load(path, cfg, texts)

    @classmethod
    def build(cls, chunks: Sequence[Chunk], cfg: BM25Retriever, dest: Path, *, show_progress: bool | None = None,
              extra: dict[str, Any] | None = None, doc_hashes: dict[str, str] | None = None) -> BM25Index:
        """`doc_hashes`: the stored documents the chunks come from (their text is then not copied
        into the index, see chunkfile.py); None keeps the chunks' text in the index."""
        t_start = time.perf_counter()
        tokenizer = make_tokenizer(cfg)
        tokens = tokenize_chunks(tokenizer, chunks, show_progress)
        model = bm25_model(cfg, tokenizer, tokens, show_progress)
        del tokens
        df = document_frequencies(model, model.vocab_dict)
        tmp = build_dir(dest)
        try:
            model.save(str(tmp), show_progress=False)  # its vocab.index.json is the tokenizer's vocabulary
            tokenizer.save_stopwords(str(tmp))
            save_chunks(tmp, chunks, doc_hashes)
            for name, obj in (extra or {}).items():
                (tmp / name).write_text(json.dumps(obj), encoding="utf-8")
            # the build token: the stored sentence analysis belongs to this build (sentences.py)
            build = secrets.token_hex(8)
            (tmp / "shipcall.json").write_text(json.dumps({
                "format": FORMAT, "kind": "bm25", "n_chunks": len(chunks), "config": cfg.model_dump(),
                "build": build, "build_seconds": round(time.perf_counter() - t_start, 3)}), encoding="utf-8")
            replace_dir(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        remove_orphans(dest.parent)
        return cls(dest, model, tokenizer, chunks, df, sentences.StoredAnalysis(dest, chunks, tokenizer, build))

    @classmethod
    def load(cls, path: Path, cfg: BM25Retriever, texts: DocumentTexts | None = None) -> BM25Index:
        """`texts`: the stored documents, for an index that keeps its chunks' places only."""
        bm25s = import_bm25s()

        model = bm25s.BM25.load(str(path), show_progress=False, mmap=False, backend="numpy")
        tokenizer = make_tokenizer(cfg)
        restore_vocabulary(tokenizer, model.vocab_dict)
        tokenizer.load_stopwords(str(path))
        chunks = load_chunks(path, texts)
        df = document_frequencies(model, model.vocab_dict)
        build = json.loads((path / "shipcall.json").read_text(encoding="utf-8")).get("build")
        return cls(path, model, tokenizer, chunks, df, sentences.StoredAnalysis(path, chunks, tokenizer, build))

    @staticmethod
    def is_complete(path: Path) -> bool:
        return BM25Index.stale_reason(path) is None and (path / "shipcall.json").is_file()

    @staticmethod
    def stale_reason(path: Path) -> str | None:
        """Why the index at `path` cannot be used as it is (it gets rebuilt), or None when it can
        (or when there is none: nothing to explain)."""
        meta_path = path / "shipcall.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return "its shipcall.json is unreadable"
        if meta.get("format") != FORMAT:
            return (f"it was built by another shipcall version (index format {meta.get('format')}, this one reads "
                    f"{FORMAT}: the sentence analysis is now worked out when a chunk is first retrieved, not "
                    "at build, and the chunks' text is only in the store)")
        return None

    def sentence_analysis(self, chunk: Chunk) -> list[Unit] | None:
        """The chunk's sentence analysis, kept with the index (None: a chunk this index does not hold)."""
        return self._analysis.units(chunk) if self._analysis is not None else None

    def flush(self) -> None:
        """Write the sentence analyses worked out since the last flush into the index folder."""
        if self._analysis is not None:
            self._analysis.flush()

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        # bm25s's own scoring, without its per-call progress bars and batching: this is the
        # hot path of every question and every evaluated item.
        ids: list[int] = next(iter(self.tokenizer.streaming_tokenize([query], update_vocab=False)), [])
        if not ids:
            return []
        scores = self.model.get_scores_from_ids(ids)
        out: list[ScoredChunk] = []
        for idx in top_k(scores, k):
            out.append(ScoredChunk(self.chunks[int(idx)], float(scores[idx]), len(out) + 1))
        return out

    def retrieve_many(self, queries: list[str], k: int) -> list[list[ScoredChunk]]:
        return [self.retrieve(q, k) for q in queries]

    def term_weight(self, stem: str) -> float:
        """BM25's IDF of a stem; a stem the corpus never uses gets the highest weight."""
        df = self.df.get(stem, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def stem(self, word: str) -> str:
        return self._stem_of(word) if self._stem_of else word


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The indexes of the k best positive scores, best first (ties by index among those chosen).

    Only the chunks holding a query term score above zero (a few percent of a corpus, mostly):
    selecting among those is several times cheaper than partitioning the whole score array, the
    step that otherwise costs as much as the scoring itself."""
    hits = np.flatnonzero(scores > 0)
    if k <= 0:
        return hits[:0]
    if len(hits) > k:
        part = scores[hits]
        best = np.argpartition(-part, k - 1)[:k]
        kth = part[best].min()
        if np.count_nonzero(part == kth) > np.count_nonzero(part[best] == kth):
            # a tie at the k-th score, across the cut: choose as the whole-array partition always has,
            # so that a result never depends on this shortcut
            best = np.argpartition(-scores, k - 1)[:k]
            hits = best[scores[best] > 0]
        else:
            hits = hits[best]
    return hits[np.lexsort((hits, -scores[hits]))]  # score descending; ties by index, deterministic


BUILDING = ".building-"
LEGACY_ORPHAN_SECONDS = 600


def build_dir(dest: Path) -> Path:
    """A fresh, owner-only folder beside `dest` to build an index in, named after this process
    (`.building-PID-…`) so that a later build can tell an orphan (its process is gone) from a
    build in progress. The index folder itself is owner-only too: it holds the documents' text."""
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{BUILDING}{os.getpid()}-", dir=dest.parent))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphans(parent: Path) -> list[str]:
    """Remove what a killed build left in `parent`: `.building-PID-…` folders whose process is
    gone (older `.building-…` folders without a pid once they are 10 minutes old) and `….old`
    folders of an interrupted swap. Returns the names removed."""
    removed: list[str] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        name = p.name
        if name.startswith(BUILDING):
            pid_text = name[len(BUILDING):].split("-", 1)[0]
            if pid_text.isdigit():
                orphan = not _alive(int(pid_text))
            else:
                try:
                    orphan = time.time() - p.stat().st_mtime > LEGACY_ORPHAN_SECONDS
                except OSError:
                    continue
        else:
            orphan = name.endswith(".old") and p.is_dir()
        if orphan:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(name)
    return removed


def prune_indexes(parent: Path, corpus_version: str) -> list[str]:
    """Remove the index folders of other corpus versions (a re-ingest made them obsolete; the
    newest one of each chunker has already lent its unchanged chunks to the new build)."""
    removed = remove_orphans(parent)
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        obsolete = p.is_dir() and not p.name.startswith(".") and not p.name.startswith(corpus_version + "-")
        if obsolete and (p / "shipcall.json").is_file():  # only what we built
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def replace_dir(tmp: Path, dest: Path) -> None:
    """Swap a fully built index directory into place: readers see the old one or the new one,
    never a half-written one."""
    if dest.exists():
        old = dest.with_name(dest.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)


def nearest_texts(texts: list[str], queries: list[str]) -> list[tuple[int | None, float]]:
    """For each query, the index of the best-matching text by BM25 (bm25s, English stemming and
    stopwords) and its score; (None, 0.0) when no text shares a term with the query. Used to find
    the nearest dataset item of a logged question."""
    import Stemmer

    bm25s = import_bm25s()

    if not texts:
        return [(None, 0.0) for _ in queries]
    stemmer = Stemmer.Stemmer("english")
    model = bm25s.BM25(backend="numpy")
    model.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    out: list[tuple[int | None, float]] = []
    for q in queries:
        toks = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)
        words = [w for w in toks[0] if w in model.vocab_dict] if toks and toks[0] else []
        if not words:
            out.append((None, 0.0))
            continue
        scores = model.get_scores(words)
        best = int(np.argmax(scores))
        out.append((best, float(scores[best])) if scores[best] > 0 else (None, 0.0))
    return out
