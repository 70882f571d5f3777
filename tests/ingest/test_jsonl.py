"""One JSON Lines reader: datasets, BEIR queries and BEIR corpora report a bad line with the
same message, naming the file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipcall.adapters.ingest.loaders import load_beir
from shipcall.app.datasets import read_beir, read_jsonl
from shipcall.core.datasets import parse_jsonl
from shipcall.core.jsonl import json_lines
from shipcall.errors import CorpusError, DatasetError, ShipcallError

BAD = '{"_id": "q2", "text": "two", }'  # a trailing comma: column 30 holds the `}`
MESSAGE = "malformed JSON: Expecting property name enclosed in double quotes (column 30)"


def test_lines_numbers_skip_blanks_and_a_byte_order_mark() -> None:
    text = '\ufeff{"a": 1}\n\n   \n[2]\r\n"x"\n'
    assert list(json_lines(text)) == [(1, {"a": 1}), (4, [2]), (5, "x")]
    assert list(json_lines(iter(['{"a": 1}\n', "\n", "3\n"]))) == [(1, {"a": 1}), (3, 3)]
    assert list(json_lines("")) == []


def test_a_bad_line_names_file_line_and_column() -> None:
    with pytest.raises(DatasetError) as info:
        list(json_lines(f'{{"ok": 1}}\n\n{BAD}\n', file="d.jsonl"))
    e = info.value
    assert (e.file, e.line, e.message) == ("d.jsonl", 3, MESSAGE)
    assert str(e).startswith(f"d.jsonl:3: {MESSAGE}")
    with pytest.raises(CorpusError):
        list(json_lines("{", error=CorpusError))


def _errors(tmp_path: Path) -> list[ShipcallError]:
    """The same bad second line in a dataset, a BEIR queries file and a BEIR corpus."""
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text('{"id": "q1", "question": "one?", "answers": ["a"]}\n' + BAD + "\n", encoding="utf-8")
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "one"}\n' + BAD + "\n", encoding="utf-8")
    (beir / "qrels" / "test.tsv").write_text("q1\td1\t1\n", encoding="utf-8")
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "title": "", "text": "one"}\n' + BAD + "\n", encoding="utf-8")
    found: list[ShipcallError] = []
    for read in (lambda: read_jsonl(dataset), lambda: read_beir(beir, "test"), lambda: load_beir(beir)):
        with pytest.raises(ShipcallError) as info:
            read()
        found.append(info.value)
    return found


def test_datasets_queries_and_corpora_say_the_same(tmp_path: Path) -> None:
    dataset, queries, corpus = _errors(tmp_path)
    assert isinstance(dataset, DatasetError) and isinstance(queries, DatasetError)
    assert isinstance(corpus, CorpusError)
    for e, name in ((dataset, "dataset.jsonl"), (queries, "queries.jsonl"), (corpus, "corpus.jsonl")):
        assert (Path(e.file or "").name, e.line, e.message) == (name, 2, MESSAGE)
        assert (e.hint or "").startswith("each line must be one JSON object")


def test_beir_queries_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "queries.jsonl").write_bytes(b'{"_id": "q1", "text": "one"}\n{"_id": "q2", "text": "\xff"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("q1\td1\t1\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        read_beir(tmp_path, "test")
    assert (info.value.line, info.value.message) == (2, "not valid UTF-8")


def test_parse_jsonl_reads_a_dataset_with_a_byte_order_mark() -> None:
    items = parse_jsonl('\ufeff{"id": "q1", "question": "one?", "answers": ["a"]}\n')
    assert [i.id for i in items] == ["q1"]
