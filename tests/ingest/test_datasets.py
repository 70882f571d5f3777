"""Dataset files: every bad input names its line and field; BEIR import with CRLF qrels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipcall.app.datasets import import_dataset, read_beir
from shipcall.core.datasets import parse_jsonl
from shipcall.errors import DatasetError

GOOD = {"id": "q-1", "question": "How many days?", "answers": ["20 days"], "evidence": ["hr/time-off.md"]}


def line(**over: object) -> str:
    obj = {**GOOD, **over}
    return json.dumps({k: v for k, v in obj.items() if v is not None})


@pytest.mark.parametrize(("text", "lineno", "field", "needle"), [
    (line() + "\n{not json\n", 2, None, "malformed JSON"),
    (line(id=None) + "\n", 1, "id", "missing"),
    (line(question=None) + "\n", 1, "question", "missing"),
    (line() + "\n" + line() + "\n", 2, "id", "duplicate id"),
    (line(answers=[], evidence=[]) + "\n", 1, "answers", "needs answers or evidence"),
    (line(answers=5) + "\n", 1, "answers", "list of strings"),
    (line(answerable="yes") + "\n", 1, "answerable", "true or false"),
    (line(evidence={"d": "high"}) + "\n", 1, "evidence.d", "integer"),
    (line(tags=["hr"]) + "\n", 1, "tags", "mapping"),
    (line(extra=1) + "\n", 1, "extra", "unknown field"),
    ('[1, 2]\n', 1, "item", "JSON object"),
])
def test_bad_items_name_line_and_field(text: str, lineno: int, field: str | None, needle: str) -> None:
    with pytest.raises(DatasetError) as e:
        parse_jsonl(text, file="items.jsonl")
    assert e.value.line == lineno and e.value.field == field
    assert needle in str(e.value) and f"items.jsonl:{lineno}:" in str(e.value)


def test_unanswerable_and_graded_evidence() -> None:
    items = parse_jsonl(line(answers=[], answerable=False, evidence=[]) + "\n"
                        + line(id="q-2", evidence={"a": 2, "b": 0, "c": 1}) + "\n")
    assert not items[0].answerable and items[0].answers == ()
    assert items[1].evidence == {"a": 2, "c": 1}  # relevance 0 is not evidence


def test_versions_are_content_addressed(ws, tmp_path: Path) -> None:  # noqa: ANN001
    p = tmp_path / "d.jsonl"
    p.write_text(line() + "\n")
    a = import_dataset(ws, str(p), "d")
    b = import_dataset(ws, str(p), "d")
    assert (a.version, a.created, b.version, b.created) == (1, True, 1, False)
    p.write_text(line() + "\n" + line(id="q-2") + "\n")
    c = import_dataset(ws, str(p), "d")
    assert (c.version, c.created) == (2, True)
    assert [i.id for i in ws.store.load_dataset("d", 1).items] == ["q-1"]
    assert any("not in the corpus" in w for w in c.warnings) or not ws.store.document_hashes()


def test_beir_with_crlf_qrels_and_header(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "queries.jsonl").write_text(
        '{"_id": "1", "text": "first"}\n{"_id": "2", "text": "second"}\n{"_id": "3", "text": "third"}\n')
    (tmp_path / "qrels" / "test.tsv").write_bytes(
        b"query-id\tcorpus-id\tscore\r\n1\tdA\t2\r\n1\tdB\t1\r\n2\tdC\t0\r\n")
    items, left_out = read_beir(tmp_path, "test")
    assert [(i.id, i.evidence) for i in items] == [("1", {"dA": 2, "dB": 1})]
    assert left_out == 2  # query 2 only has a 0 judgement; query 3 none
    assert items[0].answers == () and items[0].answerable


def test_scifact_import(ws, shared_data: Path) -> None:  # noqa: ANN001
    rep = import_dataset(ws, str(shared_data / "scifact-train"), "scifact", fmt="beir", split="train")
    assert rep.n_items == 809 and rep.left_out == 0


# -- the first dataset: every bad line at once, evidence checked against the corpus, a template ----

def test_every_bad_line_is_reported_with_line_and_field_and_nothing_is_stored(ingested, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.errors import DatasetErrors

    p = tmp_path / "questions.jsonl"
    p.write_text("\n".join([
        line(),                                                    # 1 fine
        line(id="q-2", answers=5),                                 # 2 wrong type
        line(id="q-3", evidence=["time-off.md", "it/vpn.md"]),    # 3 folder left out
        "# a comment line is fine",                                # 4
        line(),                                                    # 5 duplicate id
        '{"id": "q-6", "question": "x" "answers": []}',           # 6 malformed JSON
        line(id="q-7", answerable="no"),                           # 7 wrong type
    ]) + "\n")
    with pytest.raises(DatasetErrors) as e:
        import_dataset(ingested, str(p), "support")
    got = [(x.line, x.field) for x in e.value.errors]
    assert got == [(2, "answers"), (3, "evidence"), (5, "id"), (6, None), (7, "answerable")]
    assert "did you mean hr/time-off.md?" in str(e.value.errors[1].hint)
    text = str(e.value)
    assert text.startswith(f"{p}: 5 errors on 5 lines; nothing was stored")
    assert f"{p}:6: malformed JSON" in text and "shipcall docs list" in text
    assert ingested.store.dataset_versions() == []


def test_at_most_fifty_errors_are_listed(tmp_path: Path) -> None:
    from shipcall.errors import DatasetErrors

    text = "".join(line(id=f"q-{i}", answers=i) + "\n" for i in range(80))
    with pytest.raises(DatasetErrors) as e:
        parse_jsonl(text, file="big.jsonl")
    assert len(e.value.errors) == 50 and e.value.more and e.value.errors[-1].line == 50
    assert str(e.value).startswith("big.jsonl: 50+ errors on 50+ lines")


def test_unknown_evidence_is_allowed_on_request_as_a_warning(ingested, tmp_path: Path) -> None:  # noqa: ANN001
    p = tmp_path / "q.jsonl"
    p.write_text(line(evidence=["hr/time-off.md", "hr/holidays.md"]) + "\n")
    with pytest.raises(DatasetError) as e:  # one error is raised as itself
        import_dataset(ingested, str(p), "support")
    assert (e.value.line, e.value.field) == (1, "evidence") and "hr/holidays.md" in e.value.message
    rep = import_dataset(ingested, str(p), "support", allow_unknown_evidence=True)
    assert rep.created and rep.warnings == ["item q-1: evidence 'hr/holidays.md' is not in the corpus"]


def test_beir_qrels_naming_documents_outside_the_corpus_stay_warnings(ingested, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "qrels").mkdir()
    (tmp_path / "queries.jsonl").write_text('{"_id": "1", "text": "How many days of paid time off?"}\n')
    (tmp_path / "qrels" / "test.tsv").write_text("1\thr/time-off.md\t1\n1\telsewhere-42\t1\n")
    rep = import_dataset(ingested, str(tmp_path), "b", fmt="beir")
    assert rep.created and rep.warnings == ["item 1: evidence 'elsewhere-42' is not in the corpus"]


def test_the_template_explains_every_field_and_imports_as_it_is(ingested, tmp_path: Path,  # noqa: ANN001
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from shipcall.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(["--workspace", str(ingested.root), "dataset", "import", "--template"])
    template = capsys.readouterr().out
    assert e.value.code == 0
    for field in ("id", "question", "answers", "answerable", "evidence", "tags", "assert", "notes"):
        assert f"#   {field} " in template
    assert "This workspace's document ids: hr/parental-leave.md, hr/time-off.md, it/laptops.html" in template
    (tmp_path / "t.jsonl").write_text(template)
    rep = import_dataset(ingested, str(tmp_path / "t.jsonl"), "first")
    assert rep.n_items == 2 and rep.warnings == []
    with pytest.raises(SystemExit) as e:
        main(["--workspace", str(ingested.root), "dataset", "import", str(tmp_path / "t.jsonl")])
    assert e.value.code == 2 and "--name" in capsys.readouterr().err
