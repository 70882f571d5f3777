"""init, workspace discovery, ingest, ask: through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Shipcall


def test_init_ingest_ask(sc: Shipcall, tmp_path: Path, corpus_dir: Path) -> None:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    assert (ws / "shipcall.yaml").is_file() and (ws / ".shipcall" / "shipcall.db").is_file()
    again = sc("init", str(ws), cwd=tmp_path, check=2)
    assert "already exists" in again.stderr and "--force" in again.stderr
    sc("init", str(ws), "--force", cwd=tmp_path)

    out = sc("ingest", str(corpus_dir), cwd=ws)
    assert "ingested 6, skipped 0" in out.stdout
    sub = ws / "deeper" / "still"
    sub.mkdir(parents=True)
    r = sc("ask", "How many days of paid time off do full-time employees get?", "--json", cwd=sub)
    body = json.loads(r.stdout)
    assert set(body) >= {"variant", "answer", "citations", "abstained", "latency_ms"}
    assert body["variant"] == "baseline" and not body["abstained"]
    assert "20 days" in body["answer"]
    assert body["citations"][0]["doc_id"] == "hr/time-off.md"
    assert set(body["citations"][0]) >= {"doc_id", "chunk_id", "heading_path", "snippet"}
    assert set(body["latency_ms"]) == {"retrieve", "generate", "total"}

    no = sc("ask", "Which printer model is in the Brazil office?", cwd=ws)
    assert "don't cover this" in no.stdout


def test_no_workspace_is_a_clear_error(sc: Shipcall, tmp_path: Path) -> None:
    r = sc("ask", "anything", cwd=tmp_path, check=2)
    assert "no shipcall.yaml" in r.stderr and "shipcall init" in r.stderr
    assert "Traceback" not in r.stderr


def test_ingest_nothing_exits_2_and_keeps_the_corpus(sc: Shipcall, tmp_path: Path, corpus_dir: Path) -> None:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(corpus_dir), cwd=ws)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "x.bin").write_bytes(b"\0\1\2")
    r = sc("ingest", str(junk), cwd=ws, check=2)
    assert "nothing to ingest" in r.stderr and "x.bin" in r.stderr
    ok = sc("ask", "Which VPN client is required for remote work?", cwd=ws)
    assert "GlobalProtect" in ok.stdout


def test_malformed_workspace_yaml(sc: Shipcall, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    (ws / "shipcall.yaml").write_text("variants:\n  baseline:\n    retriever: {kind: bm25, kk: 5}\n")
    r = sc("ask", "x", cwd=ws, check=2)
    assert "shipcall.yaml:3:" in r.stderr and "variants.baseline.retriever.kk" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_variant(sc: Shipcall, tmp_path: Path, corpus_dir: Path) -> None:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(corpus_dir), cwd=ws)
    r = sc("ask", "x", "--variant", "nope", cwd=ws, check=2)
    assert "unknown variant 'nope'" in r.stderr and "baseline" in r.stderr
