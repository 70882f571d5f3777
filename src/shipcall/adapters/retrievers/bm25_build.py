"""Building a bm25s index fast: the same tokens and the same score matrix as bm25s, less Python.

An ingest spends most of its time here, and bm25s's own build walks every token in Python several
times (its tokenizer's per-word loop, then a set intersection and a Counter per chunk, then a loop
over the vocabulary). Both steps are rewritten here over flat NumPy arrays, and nothing else:
- `tokenize_flat` gives each text exactly the ids `bm25s.tokenization.Tokenizer.streaming_tokenize`
  gives (same splitter, lower-casing, stop words, stemmer cache and id order, so the tokenizer's
  saved vocabulary is byte for byte what bm25s writes), but maps words to ids with C-level
  `map(dict.get)` and only walks the words of a text in Python when it holds a word never seen;
- `index_flat` computes bm25s's score matrix (`BM25.build_index_from_ids`) with array operations:
  the same idf (bm25s's own functions, per stem), the same term-frequency formula applied to the
  same float64 intermediates, the same float32 scores and CSC layout, so retrieval is identical.
tests/retrievers/test_bm25_build.py holds both to bm25s on real text, for every BM25 method.
When bm25s's internals are not the ones this was written against, `index_flat` returns False and
the caller uses `BM25.index`.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

_STOP = -1
_BLOCK = 1 << 18  # scores computed this many at a time (float64 temporaries of 2 MB)
BUCKET_TOKENS = 4_000_000  # token occurrences counted at a time (about 20 bytes each at the peak)


class FlatTokens:
    """Token ids of many texts as int32 arrays (one per tokenize_flat call), with each text's length."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.part_texts: list[int] = []  # how many texts each part holds
        self.lengths = array("q")

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, ids: array[int], lengths: array[int]) -> None:
        """One batch: its ids with stop words as _STOP placeholders (dropped here), its lengths."""
        got = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
        self.parts.append(got[got != _STOP])
        self.part_texts.append(len(lengths))
        self.lengths.extend(lengths)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(every text's ids, one after the other; each text's length): copies."""
        ids = np.concatenate(self.parts) if self.parts else np.zeros(0, np.int32)
        lengths = np.frombuffer(self.lengths, dtype=np.int64).copy() if len(self.lengths) else np.zeros(0, np.int64)
        return ids, lengths

    def take(self) -> tuple[list[np.ndarray], list[int], np.ndarray]:
        """(the parts, how many texts each holds, every text's length); this object emptied."""
        out = (self.parts, self.part_texts, self.arrays()[1])
        self.parts, self.part_texts, self.lengths = [], [], array("q")
        return out


def tokenize_flat(tokenizer: Any, texts: Iterable[str], out: FlatTokens | None = None) -> FlatTokens:
    """Tokenize `texts` with bm25s `tokenizer` (updating its vocabulary, as
    `streaming_tokenize(texts, update_vocab=True, allow_empty=True)` does) into `out`."""
    out = out if out is not None else FlatTokens()
    w2id: dict[str, int] = tokenizer.word_to_id
    stem_of: Callable[[str], str] | None = tokenizer.stemmer
    w2stem: dict[str, str] = tokenizer.word_to_stem
    stem2sid: dict[str, int] = tokenizer.stem_to_sid
    stopwords = set(tokenizer.stopwords) if tokenizer.stopwords is not None else set()
    split = _fast_splitter(tokenizer.splitter)
    lower = tokenizer.lower
    if "" not in w2id:  # bm25s's empty token, given to a text without words
        w2id[""] = max(w2id.values(), default=-1) + 1
        if stem_of is not None:
            w2stem.setdefault("", "")
            stem2sid.setdefault("", w2id[""])
    empty = w2id[""]
    # word -> id, and every stop word -> _STOP: one dict lookup a word
    lookup: dict[str, int] = dict(w2id)
    for w in stopwords:
        lookup.setdefault(w, _STOP)
    get = lookup.get
    ids_out, lengths_out = array("i"), array("q")

    def learn(word: str) -> int:
        """A word seen for the first time: its id, as bm25s assigns it (update_vocab=True)."""
        if stem_of is not None:
            stem = w2stem.get(word)
            if stem is None:
                stem = w2stem[word] = stem_of(word)
            sid = stem2sid.get(stem)
            if sid is None:
                sid = stem2sid[stem] = len(stem2sid)
        else:
            sid = len(w2id)
        w2id[word] = lookup[word] = sid
        return sid

    for text in texts:
        words = split(text.lower() if lower else text)
        ids = list(map(get, words))
        if None in ids:  # new words: learn them in order of first appearance, as bm25s does
            for w in dict.fromkeys(words):
                if w not in lookup:
                    learn(w)
            ids = list(map(get, words))
        n = len(ids) - ids.count(_STOP)  # stop words stay as placeholders, dropped in arrays()
        if n == 0:
            ids, n = [empty], 1
        ids_out.extend(ids)  # type: ignore[arg-type]  # no None: every word was learnt above
        lengths_out.append(n)
    out.add(ids_out, lengths_out)
    return out


_BM25S_SPLITTER = r"(?u)\b\w\w+\b"
# The same words: a maximal run of two or more word characters starts and ends at a word boundary,
# so the boundaries add nothing but time (a third of the splitting).
_RUNS = re.compile(r"\w\w+").findall


def _fast_splitter(split: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    pattern = getattr(getattr(split, "__self__", None), "pattern", None)
    return _RUNS if pattern == _BM25S_SPLITTER and split.__name__ == "findall" else split


def index_flat(model: Any, tokens: FlatTokens, vocab: dict[str, int]) -> bool:
    """Fill `model` (a fresh bm25s.BM25) as `model.index(Tokenized(ids, vocab))` would, emptying
    `tokens`; False (and nothing changed) when this bm25s's scoring helpers are not the expected ones.

    The (token, chunk) pairs are counted one range of token ids at a time (ranges of about
    BUCKET_TOKENS occurrences): each range's pairs are the CSC matrix's next columns, so nothing
    is sorted twice and memory holds one range's keys at a time (16 bytes a token for all of them
    at once made the build the peak of an ingest)."""
    try:
        from bm25s.scoring import _build_idf_array, _build_nonoccurrence_array, _select_idf_scorer, _select_tfc_scorer
    except ImportError:
        return False
    n_docs, n_vocab = len(tokens), len(vocab)
    if n_docs == 0 or n_vocab == 0 or sorted(vocab.values()) != list(range(n_vocab)):
        return False
    parts, part_texts, lengths = tokens.take()
    avg_doc_len = lengths.mean()  # as bm25s: np.array(lengths).mean()
    doc_len = lengths.astype(np.float64)  # bm25s scores a chunk with a Python int over a float64 mean
    starts = np.cumsum([0, *part_texts])
    occurrences = np.zeros(n_vocab, dtype=np.int64)
    for ids in parts:
        occurrences += np.bincount(ids, minlength=n_vocab)
    cut = np.cumsum(occurrences)
    n_buckets = max(1, -(-int(cut[-1]) // BUCKET_TOKENS))
    bounds = [0, *sorted({int(np.searchsorted(cut, cut[-1] * b / n_buckets)) + 1 for b in range(1, n_buckets)}),
              n_vocab]
    idf_fn = _select_idf_scorer(model.idf_method)
    tfc_fn = _select_tfc_scorer(model.method)
    nonoccurring = model.method in model.methods_requiring_nonoccurrence
    df_counts = np.zeros(n_vocab, dtype=np.int64)
    data_parts: list[np.ndarray] = []
    row_parts: list[np.ndarray] = []
    nonoccurrence_parts: list[np.ndarray] = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi <= lo:
            continue
        keys = _range_keys(parts, part_texts, starts, lengths, lo, hi, int(occurrences[lo:hi].sum()))
        keys.sort()
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        n_keys = len(keys)
        keys = keys[first]
        at = np.flatnonzero(first)
        del first
        tf = np.diff(at, append=n_keys).astype(model.dtype)
        del at
        halves = keys.view(np.int32).reshape(-1, 2)  # (chunk, token) on little-endian machines
        doc_half, token_half = (0, 1) if sys.byteorder == "little" else (1, 0)
        rows = np.ascontiguousarray(halves[:, doc_half]).astype(model.int_dtype, copy=False)
        cols = np.ascontiguousarray(halves[:, token_half]) - lo
        del keys, halves
        df = np.bincount(cols, minlength=hi - lo)
        df_counts[lo:hi] = df
        # bm25s's own idf (and BM25L/BM25+ non-occurrence) functions, on this range's tokens
        local = dict(enumerate(df.tolist()))
        idf = _build_idf_array(doc_frequencies=local, n_docs=n_docs, compute_idf_fn=idf_fn, dtype=model.dtype)
        nonoccurrence = None
        if nonoccurring:
            nonoccurrence = _build_nonoccurrence_array(
                doc_frequencies=local, n_docs=n_docs, compute_idf_fn=idf_fn, calculate_tfc_fn=tfc_fn,
                l_d=avg_doc_len, l_avg=avg_doc_len, k1=model.k1, b=model.b, delta=model.delta, dtype=model.dtype)
            nonoccurrence_parts.append(nonoccurrence)
        data = np.empty(len(rows), dtype=model.dtype)
        for a in range(0, len(rows), _BLOCK):  # float64 a block at a time, stored as float32 as bm25s does
            r, c = rows[a:a + _BLOCK], cols[a:a + _BLOCK]
            block = idf[c] * tfc_fn(tf_array=tf[a:a + _BLOCK], l_d=doc_len[r], l_avg=avg_doc_len, k1=model.k1,
                                    b=model.b, delta=model.delta)
            if nonoccurrence is not None:
                block -= nonoccurrence[c]
            data[a:a + _BLOCK] = block
        data_parts.append(data)
        row_parts.append(rows)
        del cols, tf
    del parts
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df_counts, out=indptr[1:])
    model.nonoccurrence_array = np.concatenate(nonoccurrence_parts) if nonoccurring else None
    data = _concatenate(data_parts, np.dtype(model.dtype))
    rows = _concatenate(row_parts, np.dtype(model.int_dtype))
    model.scores = {"data": data, "indices": rows, "indptr": indptr, "num_docs": n_docs}
    model.vocab_dict = vocab
    model.unique_token_ids_set = set(vocab.values())
    return True


def _range_keys(parts: list[np.ndarray], part_texts: list[int], starts: np.ndarray, lengths: np.ndarray,
                lo: int, hi: int, n: int) -> np.ndarray:
    """token << 32 | chunk of each of the `n` occurrences of a token id in [lo, hi)."""
    keys = np.empty(n, dtype=np.int64)
    at = 0
    for ids, count, first in zip(parts, part_texts, starts[:-1], strict=True):
        inside = ids >= lo
        inside &= ids < hi
        k = ids[inside]
        if not len(k):
            continue
        out = keys[at:at + len(k)]
        out[:] = k
        out <<= 32
        out |= np.repeat(np.arange(first, first + count, dtype=np.int64), lengths[first:first + count])[inside]
        at += len(k)
    return keys


def _concatenate(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """One array of `parts`, each freed once copied (not all of them held twice at once)."""
    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    while parts:
        p = parts.pop(0)
        out[at:at + len(p)] = p
        at += len(p)
    return out


def document_frequencies(model: Any, vocab: dict[str, int]) -> dict[str, int]:
    """Each stem's document frequency, read off the score matrix: a stem has one stored score per
    chunk that holds it (bm25s stores every occurrence, zero scores included)."""
    counts = np.diff(model.scores["indptr"]).tolist()
    return {stem: counts[sid] for stem, sid in vocab.items() if sid < len(counts)}
