"""`shipcall docs list|show` (the ids evidence uses) and short ids typed back to
`review show|record` and `logs --id`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_review_cli import Cli, log


def test_docs_list_and_show(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    cli = Cli(ingested.root, capsys)
    docs = json.loads(cli("docs", "list", "--json"))
    assert sorted(d["id"] for d in docs) == ["hr/parental-leave.md", "hr/time-off.md", "it/laptops.html",
                                             "it/vpn.md", "travel/per-diem.md", "travel/visas.txt"]
    assert all(d["chunks"] >= 1 and d["title"] for d in docs)
    hr = json.loads(cli("docs", "list", "--under", "hr", "--json"))
    assert [d["id"] for d in hr] == ["hr/parental-leave.md", "hr/time-off.md"]
    one = json.loads(cli("docs", "show", "it/vp", "--chunks", "--json"))  # a unique prefix
    assert one["id"] == "it/vpn.md" and "GlobalProtect" in one["text"]
    assert one["chunk_list"] and all(c["id"].startswith("it/vpn.md#") for c in one["chunk_list"])
    err = cli("docs", "show", "hr/", code=2)
    assert "ambiguous" in err and "hr/time-off.md" in err
    assert "no document" in cli("docs", "show", "nope.md", code=2)


def test_short_request_ids_are_accepted_back(ingested, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    cli = Cli(ingested.root, capsys)
    rid = log(ingested, "baseline", "baseline", "How do I connect to the VPN?")
    printed = cli("logs")
    assert rid[:12] in printed  # `logs` prints the ids people type back
    assert json.loads(cli("logs", "--id", rid[:8], "--json"))["request_id"] == rid
    assert json.loads(cli("review", "show", rid[:12], "--json"))["entry"]["request_id"] == rid
    assert "recorded: correct" in cli("review", "record", rid[:10], "--verdict", "correct")
    assert "no logged query" in cli("logs", "--id", "zzzz", code=2)


def test_no_corpus_is_a_clear_error(ws, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: ANN001
    assert "shipcall ingest" in Cli(ws.root, capsys)("docs", "list", code=2)


def test_ingest_summarises_skips_and_lists_them_on_request(ws, corpus_dir: Path,  # noqa: ANN001
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        (corpus_dir / f"shot{i}.png").write_bytes(b"\x89PNG\r\n")
    (corpus_dir / "logo.svg").write_text("<svg/>")
    (corpus_dir / "empty.md").write_text("")
    cli = Cli(ws.root, capsys)
    out = cli("ingest", str(corpus_dir))
    assert "4 images (.png, .svg)" in out and "1 empty file (.md)" in out and "--verbose" in out
    assert "shot0.png" not in out  # not one line per file
    quiet = cli("ingest", str(corpus_dir), "--quiet")
    assert quiet.strip().splitlines() == [quiet.strip()] and quiet.startswith("ingested 6, skipped 5")
    verbose = cli("ingest", str(corpus_dir), "--verbose")
    assert "skipped shot0.png: unsupported file type .png" in verbose
