"""The fast BM25 build gives bm25s's own tokens and score matrix, bit for bit, on real text."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
import Stemmer
from bm25s.tokenization import Tokenized, Tokenizer

from shipcall.adapters.retrievers import bm25_build
from shipcall.adapters.retrievers.bm25 import index_text, make_tokenizer, restore_vocabulary
from shipcall.adapters.retrievers.bm25_build import FlatTokens, document_frequencies, index_flat, tokenize_flat
from shipcall.config.schema import BM25Retriever
from shipcall.core.documents import Chunk

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "shipcall" / "sample" / "docs"
ODD = ["", "the and of it", "Ünïcode wörds ÀÉ ß straße café", "a_b __ x1 1x ab 2024-05-01 v3.2 $1,250",
       "THE QUICK brown fox's jumps", "   \n\t  ", "日本語のテキスト and English", "one"]


def texts() -> list[str]:
    """The bundled sample's Markdown, HTML and text files, a paragraph each, and odd strings."""
    out = []
    for p in sorted(SAMPLE.rglob("*")):
        if p.suffix in (".md", ".html", ".txt"):
            out += [part for part in p.read_text(encoding="utf-8").split("\n\n")]
    return out + ODD


def tokenizer(stopwords: str | None, stemmer: str | None) -> Tokenizer:
    return Tokenizer(stopwords=stopwords or [], stemmer=Stemmer.Stemmer(stemmer) if stemmer else None)


@pytest.mark.parametrize(("stopwords", "stemmer"), [("en", "english"), (None, None), ("en", None), (None, "english")])
def test_tokens_and_vocabulary_are_bm25s_own(stopwords: str | None, stemmer: str | None) -> None:
    ts = texts()
    ref_tok, fast_tok = tokenizer(stopwords, stemmer), tokenizer(stopwords, stemmer)
    ref = list(ref_tok.streaming_tokenize(ts, update_vocab=True))
    flat = FlatTokens()
    for i in range(0, len(ts), 7):  # several batches, as an index build makes them
        tokenize_flat(fast_tok, ts[i:i + 7], flat)
    ids, lengths = flat.arrays()
    assert ids.tolist() == [x for r in ref for x in r]
    assert lengths.tolist() == [len(r) for r in ref]
    for name in ("word_to_id", "stem_to_sid", "word_to_stem"):  # the same entries, in the same order
        assert list(getattr(fast_tok, name).items()) == list(getattr(ref_tok, name).items())


@pytest.mark.parametrize(("method", "bucket"), [("lucene", 10**9), ("lucene", 500), ("robertson", 700),
                                                ("atire", 10**9), ("bm25l", 300), ("bm25+", 10**9)])
def test_score_matrix_is_bm25s_own(method: str, bucket: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted in one range of token ids, or in many (`bucket` occurrences a range)."""
    monkeypatch.setattr(bm25_build, "BUCKET_TOKENS", bucket)
    ts = texts()
    ref_tok, fast_tok = tokenizer("en", "english"), tokenizer("en", "english")
    ref_ids = list(ref_tok.streaming_tokenize(ts, update_vocab=True))
    ref = bm25s.BM25(method=method, backend="numpy")
    ref.index(Tokenized(ids=ref_ids, vocab=ref_tok.get_vocab_dict()), show_progress=False)
    fast = bm25s.BM25(method=method, backend="numpy")
    tokens = tokenize_flat(fast_tok, ts)
    assert index_flat(fast, tokens, fast_tok.get_vocab_dict())
    assert len(tokens) == 0  # consumed
    for key in ("data", "indices", "indptr"):
        assert fast.scores[key].dtype == ref.scores[key].dtype
        assert np.array_equal(fast.scores[key], ref.scores[key]), key
    assert fast.scores["num_docs"] == ref.scores["num_docs"]
    if ref.nonoccurrence_array is not None:
        assert np.array_equal(fast.nonoccurrence_array, ref.nonoccurrence_array)
    for q in ["how many vacation days", "VPN client", "nothing matches zzzz", ""]:
        qids = ref.get_tokens_ids(bm25s.tokenize([q], stopwords="en", stemmer=Stemmer.Stemmer("english"),
                                                 show_progress=False, return_ids=False)[0])
        assert np.array_equal(fast.get_scores_from_ids(qids), ref.get_scores_from_ids(qids))


def test_document_frequencies_count_the_chunks_holding_each_stem() -> None:
    ts = texts()
    tok = tokenizer("en", "english")
    model = bm25s.BM25(backend="numpy")
    assert index_flat(model, tokenize_flat(tok, ts), tok.get_vocab_dict())
    df = document_frequencies(model, model.vocab_dict)
    again = tokenizer("en", "english")
    per_text = [set(ids) for ids in again.streaming_tokenize(ts, update_vocab=True)]
    sid_to_stem = {sid: stem for stem, sid in again.get_vocab_dict().items()}
    expected: dict[str, int] = {}
    for ids in per_text:
        for sid in ids:
            expected[sid_to_stem[sid]] = expected.get(sid_to_stem[sid], 0) + 1
    assert {k: v for k, v in df.items() if v} == expected


def test_a_reopened_index_tokenizes_queries_as_the_build_did() -> None:
    """The tokenizer's own vocabulary file is not kept: the model's stem ids are enough."""
    cfg = BM25Retriever(kind="bm25")
    built = make_tokenizer(cfg)
    tokenize_flat(built, texts())
    reopened = make_tokenizer(cfg)
    restore_vocabulary(reopened, dict(built.get_vocab_dict()))
    for q in ["How many days of parental leave?", "Laptops replaced", "", "the of and", "Ünïcode wörds zzzz"]:
        assert (next(reopened.streaming_tokenize([q], update_vocab=False))
                == next(built.streaming_tokenize([q], update_vocab=False)))


def test_index_text_is_heading_path_then_text() -> None:
    c = Chunk("d#0", "d", "Body text.", 0, 10, ("Policy", "Scope"))
    assert index_text(c) == "Policy / Scope\nBody text."
