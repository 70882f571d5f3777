"""The sentence analysis stored with an index (core/analysis.py): what is stored reads back as
what was analysed, the compact forms answer as the full ones did, and a change to the analysis
cannot slip by without a new ANALYSIS_VERSION (with which indexes start a new analysis file)."""

from __future__ import annotations

import hashlib
import json
import random
from functools import lru_cache

import Stemmer

from shipcall.app.demo import sample_path
from shipcall.core.analysis import ANALYSIS_VERSION, analyse, from_record, to_record
from shipcall.core.documents import Chunk
from shipcall.core.extract import STOPWORDS, is_content, pair_sequence, tokenize, word_bigrams

# sha256 of the records of the bundled sample's documents (one chunk per document), per version.
# A change to the analysis (core/analysis.py, text.py, blocks.py, boilerplate.py, extract.py's
# tokenizer…) that changes this digest must bump ANALYSIS_VERSION and add its digest here: indexes
# keep the analyses of one version in a file of their own (retrievers/sentences.py, analysis-vN.sqlite),
# so that a new version never reads an older one's.
PINNED = {1: "df490e6dbf8fbc91614ce04b74f08e6f47ffd36f8b737471e9ccff7294e0c769",  # JSON records
          3: "efe7aca529b5273f8474b02a6f0c2e59275886f223d295e8083a8a4adf5810d5"}  # split records, same units


def _stem() -> object:
    return Stemmer.Stemmer("english").stemWord


@lru_cache(maxsize=1)
def _analysed() -> list[tuple[Chunk, list]]:
    stem = _stem()
    return [(c, analyse(c, stem)) for c in _sample_chunks()]


def _sample_chunks() -> list[Chunk]:
    docs = sorted((sample_path() / "docs").rglob("*.md"))
    out = []
    for p in docs:
        rel = p.relative_to(sample_path() / "docs").as_posix()
        text = p.read_text(encoding="utf-8")
        heading = (text.splitlines()[0].lstrip("# ").strip(),) if text.startswith("#") else ()
        out.append(Chunk(f"{rel}#0", rel, text, 0, len(text), heading))
    return out


def test_stored_records_read_back_as_the_analysis() -> None:
    analysed = _analysed()
    assert len(analysed) > 20
    n = 0
    for chunk, units in analysed:
        record = to_record(units, chunk.text).encode("utf-8").decode("utf-8")  # as written to and read from disk
        assert from_record(record, chunk.text) == units
        n += len(units)
    assert n > 300


def test_a_chunk_holding_a_separator_is_stored_as_json_and_reads_back() -> None:
    """The record splits on control characters; a chunk whose stored strings hold one (a stray \\x1e
    from a PDF in a table row, stored as shown) is stored as JSON instead, and reads back the same."""
    stem = _stem()
    text = "# Travel\n\nBook trains through the portal.\n\n| City | Rate |\n| --- | --- |\n| Lis\x1ebon | EUR 85 |\n"
    chunk = Chunk("t.md#0", "t.md", text, 0, len(text), ("Travel",))
    units = analyse(chunk, stem)
    assert any("\x1e" in u.text for u in units) and any(u.cells for u in units)
    record = to_record(units, chunk.text)
    assert record.startswith("[")
    assert from_record(record, chunk.text) == units
    plain_text = text.replace("\x1e", "and")
    plain = Chunk("t.md#0", "t.md", plain_text, 0, len(plain_text), ("Travel",))
    assert not to_record(analyse(plain, stem), plain.text).startswith("[")


def test_terms_and_stems_come_back_from_the_pair_sequence() -> None:
    stem = _stem()
    for _, units in _analysed():
        for u in units:
            toks = tokenize(u.own, stem)
            assert u.terms == frozenset(t.stem for t in toks if is_content(t.word))
            assert u.stems() == tuple(t.stem for t in toks)


def test_a_pair_is_found_in_the_sequence_exactly_when_it_is_a_word_bigram() -> None:
    stem = _stem()
    rnd = random.Random(7)
    sentences = [u.own for _, units in _analysed() for u in units]
    stopwords = sorted(STOPWORDS)
    checked = 0
    for s in sentences:
        toks = tokenize(s, stem)
        pairs, seq = word_bigrams(toks), pair_sequence(toks)
        stems = [t.stem for t in toks]
        # every adjacent pair, the reversed ones, pairs of stopwords and pairs that straddle a gap
        probes = {f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)}
        probes |= {f"{b} {a}" for a, b in zip(stems, stems[1:], strict=False)}
        probes |= {f"{rnd.choice(stopwords)} {rnd.choice(stopwords)}" for _ in range(5)}
        probes |= {f"{a} {c}" for a, c in zip(stems, stems[2:], strict=False)}
        for p in probes:
            assert (f" {p} " in seq) == (p in pairs), (s, p)
            checked += 1
    assert checked > 10_000


def test_the_analysis_of_the_sample_is_pinned_to_its_version() -> None:
    h = hashlib.sha256()
    for chunk, units in _analysed():
        h.update(to_record(units, chunk.text).encode())
    got = h.hexdigest()
    assert PINNED.get(ANALYSIS_VERSION) == got, (
        f"the sentence analysis changed (digest {got}): bump ANALYSIS_VERSION in core/analysis.py and pin "
        "the new digest here, so that indexes holding the old analysis are rebuilt")




def _relevance_by_definition(q, own, context, bigrams, nearby) -> float:  # noqa: ANN001
    """`extract.relevance` as its docstring defines it, written plainly (sets of pairs, every term)."""
    import math

    from shipcall.core.extract import (
        BIGRAM_WEIGHT,
        CONTEXT_CREDIT,
        RANK_NEARBY_CREDIT,
        VARIANT_CREDIT,
        variant_hits,
    )

    if q.idf_total <= 0:
        return 0.0
    missing = q.terms - own - context
    near_own = variant_hits(q, own) & missing if missing else frozenset()
    near_ctx = variant_hits(q, context) & missing - near_own if missing else frozenset()
    cover = math.fsum(q.idf[t] * (1.0 if t in own else CONTEXT_CREDIT if t in context else
                                  VARIANT_CREDIT if t in near_own else VARIANT_CREDIT * CONTEXT_CREDIT
                                  if t in near_ctx else RANK_NEARBY_CREDIT if t in nearby else 0.0)
                      for t in q.terms) / q.idf_total
    if not q.bigrams or not bigrams:
        return cover
    return cover + BIGRAM_WEIGHT * len(q.bigrams & bigrams) / len(q.bigrams)


def test_relevance_over_pair_sequences_equals_its_definition() -> None:
    """Ranking reads a sentence's pairs from its pair sequence, skips variant look-ups that must
    come back empty and reuses a context's: the same floats as the plain definition, bit for bit."""
    from shipcall.core.extract import Question, prefix_terms, prefixes, relevance

    stem = _stem()
    questions = [json.loads(line)["question"] for line in (sample_path() / "dataset.jsonl").read_text().splitlines()
                 if line.strip()][:60]
    questions += ["How do I get notified about authorization changes?", "notify repository authorisation deadline"]
    analysed = _analysed()
    # per chunk, as the generator computes them
    starts = {chunk.id: prefixes(frozenset().union(*(u.terms for u in us))) for chunk, us in analysed}
    units = [(chunk.id, u) for chunk, us in analysed for u in us][::2]
    rnd = random.Random(11)
    compared = 0
    for text in questions:
        q = Question.of(text, stem, lambda t: 1.0 + len(t) / 3)
        for chunk_id, u in units:
            toks = tokenize(u.own, stem)
            nearby = frozenset(rnd.sample(sorted(u.terms | {"notif", "repositori", "deadlin"}), k=min(3, len(u.terms))))
            want = _relevance_by_definition(q, u.terms, u.context, word_bigrams(toks), nearby)
            assert relevance(q, u.terms, u.context, u.pairs, nearby) == want
            assert relevance(q, u.terms, u.context, u.pairs, nearby, prefix_terms(q, starts[chunk_id])) == want
            compared += want > 0
    assert compared > 500
