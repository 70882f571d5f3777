"""Long work is never silent: ingest (reading, chunking, indexing) and runs report counts on
stderr even when stderr is not a terminal (here: captured), stdout keeps its one JSON document,
`--quiet` prints none; `ask` reports opening the variant apart from the answer's latency.
SHIPCALL_PROGRESS=0 writes a line per update, so nothing here depends on how fast it runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


def cli(root: Path, capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> tuple[str, str]:
    from shipcall.cli.main import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(["--workspace", str(root), *args])
    out, err = capsys.readouterr()
    assert e.value.code == code, f"exit {e.value.code}\n{out}\n{err}"
    return out, err


def counts(err: str, desc: str) -> list[str]:
    return re.findall(rf"^{desc}:.*?\| *(\d+/\d+) ", err, re.M)


def test_ingest_and_run_report_counts_on_stderr(ws, corpus_dir: Path, capsys: pytest.CaptureFixture[str],  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPCALL_PROGRESS", "0")
    out, err = cli(ws.root, capsys, "ingest", str(corpus_dir))
    assert counts(err, "read")[-1] == "6/6" and counts(err, "chunk")[-1] == "6/6"
    assert counts(err, "index") and "\r" not in err and out.startswith("ingested 6")
    out, err = cli(ws.root, capsys, "ingest", str(corpus_dir), "--quiet")
    assert err == "" and out.startswith("ingested 6")
    cli(ws.root, capsys, "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t")
    with (ws.root / "shipcall.yaml").open("a") as f:  # a variant added after ingest: its first run builds
        f.write("  wide:\n    extends: baseline\n    chunker: {kind: fixed, size: 80, overlap: 10}\n")
    out, err = cli(ws.root, capsys, "run", "--dataset", "t", "--variant", "wide", "--json")
    assert json.loads(out)["n_items"] == 12  # stdout: exactly the JSON document
    assert counts(err, "chunk")[-1] == "6/6" and counts(err, "index")
    assert counts(err, "run")[0] == "0/12" and counts(err, "run")[-1] == "12/12"


def test_ask_reports_opening_the_variant_apart_from_the_answer(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    out, err = cli(ingested.root, capsys, "ask", "How many days of paid time off do full-time employees get?")
    assert "20 days" in out
    m = re.search(r"loaded index in (\d+\.\d) s; answer (\d+\.\d) ms: retrieve", err)
    assert m, err
