"""The BM25 index stores every chunk's sentence analysis (retrievers/sentences.py) and the extractive
generator reads it from there; an index of an older format or analysis version is rebuilt, and
the rebuild says why. A cold `ask` reads the corpus version without opening the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipcall.adapters.retrievers.bm25 import FORMAT, BM25Index
from shipcall.adapters.retrievers.sentences import DATA, OFFSETS
from shipcall.app.feature import Feature, index_paths
from shipcall.core.analysis import ANALYSIS_VERSION, analyse
from shipcall.errors import CorpusError


def _index_dir(ws) -> Path:  # noqa: ANN001
    name, variant = ws.variant(None)
    (path,) = index_paths(ws, variant, ws.store.corpus_version())
    return path


def test_every_chunk_reads_back_its_analysis_from_the_index(ingested) -> None:  # noqa: ANN001
    feature = Feature.open(ingested)
    index = feature.retriever
    path = _index_dir(ingested)
    assert (path / DATA).is_file() and (path / OFFSETS).is_file()
    meta = json.loads((path / "shipcall.json").read_text())
    assert meta["format"] == FORMAT and meta["sentences"]["version"] == ANALYSIS_VERSION
    assert len(index.chunks) > 10
    for chunk in index.chunks:
        assert index.sentence_analysis(chunk) == analyse(chunk, index.stem)
    # a chunk the index does not hold as it is: no stored analysis (the generator analyses it)
    other = index.chunks[0].__class__(index.chunks[0].id, "elsewhere.md", "Another text.", 0, 13, ())
    assert index.sentence_analysis(other) is None
    # the generator reads the index's analysis
    chunk = index.chunks[3]
    assert feature.generator.units(chunk) == index.sentence_analysis(chunk)


@pytest.mark.parametrize(("field", "value", "why"), [
    ("format", 1, "built by another shipcall version (index format 1"),
    ("sentences", {"version": ANALYSIS_VERSION + 1}, f"sentence analysis is version {ANALYSIS_VERSION + 1}"),
    ("sentences", None, "sentence analysis is version None"),
])
def test_an_index_of_another_version_is_rebuilt_and_says_why(ingested, capsys, field, value, why) -> None:  # noqa: ANN001
    Feature.open(ingested)
    path = _index_dir(ingested)
    meta_path = path / "shipcall.json"
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    assert not BM25Index.is_complete(path)
    capsys.readouterr()
    feature = Feature.open(ingested)
    err = capsys.readouterr().err
    assert f"index {path.name}: rebuilding it" in err and why in err
    assert feature.built_index and BM25Index.is_complete(path)
    assert json.loads(meta_path.read_text())["sentences"]["version"] == ANALYSIS_VERSION


def test_a_cold_open_reads_the_corpus_version_without_the_store(ingested) -> None:  # noqa: ANN001
    from shipcall.app.workspace import Workspace

    want = ingested.store.corpus_version()
    cold = Workspace(ingested.root)
    assert cold.corpus_version() == want
    assert "store" not in cold.__dict__  # SQLAlchemy was not needed
    feature = Feature.open(cold)
    assert feature.corpus_version == want and "store" not in cold.__dict__


def test_a_workspace_without_a_corpus_still_says_so(ws) -> None:  # noqa: ANN001
    assert ws.corpus_version() is None
    with pytest.raises(CorpusError, match="no corpus yet"):
        Feature.open(ws)
