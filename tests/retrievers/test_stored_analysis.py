"""The BM25 index keeps each chunk's sentence analysis once it is asked for (retrievers/sentences.py):
worked out the first time, read back by every later open and process, written safely by several
processes at once, kept by an interrupted run; a read-only index folder still answers. The index
build analyses nothing; an index of an older format is rebuilt, and the rebuild says why. A cold
`ask` reads the corpus version without opening the store."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from shipcall.adapters.retrievers import sentences
from shipcall.adapters.retrievers.bm25 import FORMAT, BM25Index
from shipcall.app.feature import Feature, index_paths
from shipcall.config.schema import BM25Retriever
from shipcall.core.analysis import analyse
from shipcall.errors import CorpusError, Interrupted
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _index_dir(ws) -> Path:  # noqa: ANN001
    name, variant = ws.variant(None)
    (path,) = index_paths(ws, variant, ws.store.corpus_version())
    return path


def _rows(path: Path) -> set[int]:
    """The chunk positions stored in the index folder's analysis database (read as another process would)."""
    db_path = path / sentences.database_name()
    if not db_path.is_file():
        return set()
    db = sqlite3.connect(db_path, timeout=10)
    try:
        return {p for (p,) in db.execute("SELECT pos FROM analysis")}
    finally:
        db.close()


def _load(path: Path, texts: dict[str, tuple[str, str]]) -> BM25Index:
    cfg = BM25Retriever.model_validate(json.loads((path / "shipcall.json").read_text())["config"])
    return BM25Index.load(path, cfg, lambda ids: texts)


def test_the_build_analyses_nothing_and_a_chunk_is_analysed_once_then_read_back(ingested) -> None:  # noqa: ANN001
    feature = Feature.open(ingested)
    index = feature.retriever
    path = _index_dir(ingested)
    meta = json.loads((path / "shipcall.json").read_text())
    assert meta["format"] == FORMAT and meta["build"] and "sentences" not in meta
    assert not (path / "sentences.bin").exists() and _rows(path) == set()
    assert len(index.chunks) > 10
    for chunk in index.chunks:
        assert index.sentence_analysis(chunk) == analyse(chunk, index.stem)
    # a chunk the index does not hold as it is: nothing (the generator analyses it itself)
    other = index.chunks[0].__class__(index.chunks[0].id, "elsewhere.md", "Another text.", 0, 13, ())
    assert index.sentence_analysis(other) is None
    chunk = index.chunks[3]
    assert feature.generator.units(chunk) == index.sentence_analysis(chunk)
    index.flush()
    n = len(index.chunks)
    assert _rows(path) == set(range(n))

    # a second open reads every chunk back from the stored rows, analyses none, writes none
    again = Feature.open(ingested).retriever
    for chunk in again.chunks:
        assert again.sentence_analysis(chunk) == analyse(chunk, again.stem)
    assert again._analysis.analysed == 0
    again.flush()
    assert _rows(path) == set(range(n))


def test_a_new_process_reads_back_what_a_cold_ask_analysed(ingested, sc) -> None:  # noqa: ANN001
    path = _index_dir(ingested)
    Feature.open(ingested)  # built here
    assert _rows(path) == set()
    sc("ask", "How many vacation days do I get?", cwd=ingested.root)
    stored = _rows(path)
    assert 0 < len(stored) <= 10  # what the question retrieved, written at exit
    index = Feature.open(ingested).retriever
    for i in sorted(stored):
        index.sentence_analysis(index.chunks[i])
    assert index._analysis.analysed == 0


CHILD = """
import json, random, sys, time
from pathlib import Path
from shipcall.adapters.retrievers import sentences
from shipcall.adapters.retrievers.bm25 import BM25Index
from shipcall.config.schema import BM25Retriever
path, texts_file, seed, go = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
texts = {k: tuple(v) for k, v in json.loads(texts_file.read_text()).items()}
sentences.FLUSH_EVERY = 3  # many small transactions, interleaved with the other process's
cfg = BM25Retriever.model_validate(json.loads((path / "shipcall.json").read_text())["config"])
index = BM25Index.load(path, cfg, lambda ids: texts)
chunks = list(index.chunks)
random.Random(seed).shuffle(chunks)
while not go.exists():
    time.sleep(0.005)
for c in chunks:
    index.sentence_analysis(c)
print(index._analysis.analysed)
"""


def _texts_file(ws, dest: Path) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    texts = ws.document_texts()
    dest.write_text(json.dumps(texts), encoding="utf-8")
    return texts


def test_two_processes_writing_at_once_lose_nothing_and_corrupt_nothing(ingested, tmp_path) -> None:  # noqa: ANN001
    Feature.open(ingested)
    path = _index_dir(ingested)
    texts = _texts_file(ingested, tmp_path / "texts.json")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(tmp_path / "texts.json"), str(seed),
                               str(go)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    time.sleep(0.5)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    index = _load(path, texts)
    n = len(index.chunks)
    assert sum(int(out.split()[-1]) for out, _ in outs) >= n  # each chunk analysed by one of them at least
    db = sqlite3.connect(path / sentences.database_name())
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = dict(db.execute("SELECT pos, record FROM analysis"))
    finally:
        db.close()
    assert set(rows) == set(range(n))
    for i, chunk in enumerate(index.chunks):
        assert sentences.decode(rows[i], chunk.text) == analyse(chunk, index.stem)


def _read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH | (0o111 if p.is_dir() else 0))


def _child_reads(path: str, texts: dict[str, tuple[str, str]], conn: Any) -> None:
    """In a forked child, as a user who cannot write the folder (root is dropped to nobody)."""
    try:
        if os.getuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
        index = _load(Path(path), texts)
        same = all(index.sentence_analysis(c) == analyse(c, index.stem) for c in index.chunks)
        index.flush()
        conn.send((same, index._analysis.analysed, sorted(os.listdir(path)), ""))
    except BaseException as e:  # noqa: BLE001 - reported to the test
        conn.send((False, -1, [], f"{type(e).__name__}: {e}"))


def _in_read_only_child(path: Path, texts: dict[str, tuple[str, str]]) -> tuple[bool, int, list[str], str]:
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_child_reads, args=(str(path), texts, theirs))
    child.start()
    got = ours.recv()
    child.join(60)
    return got


@pytest.mark.parametrize("stored_first", [0, 5])
def test_a_read_only_index_folder_answers_and_writes_nothing(ingested, stored_first) -> None:  # noqa: ANN001
    Feature.open(ingested)
    texts = ingested.document_texts()
    if stored_first:  # some chunks analysed and stored before the folder became read-only
        index = _load(_index_dir(ingested), texts)
        for c in index.chunks[:stored_first]:
            index.sentence_analysis(c)
        index._analysis.close()
    # a world-readable copy, so that a dropped-to-nobody child can reach it
    top = Path(tempfile.mkdtemp(prefix="shipcall-ro-"))
    try:
        top.chmod(0o755)
        path = top / "index"
        shutil.copytree(_index_dir(ingested), path)
        before = sorted(os.listdir(path))
        _read_only(path)
        same, analysed, after, error = _in_read_only_child(path, texts)
        assert error == ""
        assert same
        assert analysed == len(_load(path, texts).chunks) - stored_first  # the stored ones were read back
        assert after == before
    finally:
        for p in [top, *top.rglob("*")]:
            p.chmod(0o700)
        shutil.rmtree(top)


def test_an_interrupted_run_keeps_what_it_analysed(ingested, monkeypatch) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.run import run

    monkeypatch.setattr(sentences, "FLUSH_EVERY", 10**9)  # only the interruption writes
    monkeypatch.setattr(sentences, "FLUSH_SECONDS", 1e9)
    imported = import_dataset(ingested, str(FIXTURES / "dataset.jsonl"), "d")
    dataset = ingested.store.load_dataset("d", imported.version)
    Feature.open(ingested)
    path = _index_dir(ingested)

    def ctrl_c(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run(ingested, dataset, None, progress=ctrl_c)
    kept = _rows(path)
    assert kept  # the three answered items' retrieved chunks
    # the next run reads them back instead of analysing them again
    index = Feature.open(ingested).retriever
    for i in kept:
        index.sentence_analysis(index.chunks[i])
    assert index._analysis.analysed == 0


def test_a_process_holding_a_replaced_index_does_not_write_into_the_new_one(ingested) -> None:  # noqa: ANN001
    Feature.open(ingested)
    path = _index_dir(ingested)
    texts = ingested.document_texts()
    old = _load(path, texts)
    cfg = BM25Retriever.model_validate(json.loads((path / "shipcall.json").read_text())["config"])
    new = BM25Index.build(list(reversed(old.chunks)), cfg, path, show_progress=False)  # other positions
    chunk = old.chunks[0]
    assert old.sentence_analysis(chunk) == analyse(chunk, old.stem)  # answered, in memory
    old.flush()
    assert _rows(path) == set()
    new.sentence_analysis(chunk)
    new.flush()
    assert _rows(path) == {len(old.chunks) - 1}


@pytest.mark.parametrize(("field", "value", "why"), [
    ("format", 3, "built by another shipcall version (index format 3"),
    ("format", None, "built by another shipcall version (index format None"),
])
def test_an_index_of_another_format_is_rebuilt_and_says_why(ingested, capsys, field, value, why) -> None:  # noqa: ANN001
    Feature.open(ingested)
    path = _index_dir(ingested)
    meta_path = path / "shipcall.json"
    meta = json.loads(meta_path.read_text())
    meta[field] = value
    meta_path.write_text(json.dumps(meta))
    (path / "sentences.bin").write_bytes(b"")  # what a format-3 index held
    assert not BM25Index.is_complete(path)
    capsys.readouterr()
    feature = Feature.open(ingested)
    err = capsys.readouterr().err
    assert f"index {path.name}: rebuilding it" in err and why in err
    assert feature.built_index and BM25Index.is_complete(path)
    assert json.loads(meta_path.read_text())["format"] == FORMAT and not (path / "sentences.bin").exists()


def test_a_cold_open_reads_the_corpus_version_without_the_store(ingested) -> None:  # noqa: ANN001
    from shipcall.app.workspace import Workspace

    want = ingested.store.corpus_version()
    cold = Workspace(ingested.root)
    assert cold.corpus_version() == want
    assert "store" not in cold.__dict__  # SQLAlchemy was not needed
    feature = Feature.open(cold)
    assert feature.corpus_version == want and "store" not in cold.__dict__


def test_a_workspace_without_a_corpus_still_says_so(ws) -> None:  # noqa: ANN001
    with pytest.raises(CorpusError, match="no corpus yet"):
        Feature.open(ws)


def test_the_analyses_of_another_analysis_version_are_never_read_and_go(ingested) -> None:  # noqa: ANN001
    from shipcall.core.analysis import ANALYSIS_VERSION

    Feature.open(ingested)
    path = _index_dir(ingested)
    other = path / sentences.database_name(ANALYSIS_VERSION - 1)
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE analysis (pos INTEGER PRIMARY KEY, record BLOB NOT NULL)")
    db.execute("INSERT INTO analysis VALUES (0, x'00')")  # not a record this version reads
    db.commit()
    db.close()
    index = Feature.open(ingested).retriever
    assert index.sentence_analysis(index.chunks[0]) == analyse(index.chunks[0], index.stem)
    assert not other.exists() and (path / sentences.database_name()).is_file()
