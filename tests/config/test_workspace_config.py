"""shipcall.yaml: defaults, extends, per-kind keys and errors that name the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipcall.app.workspace import Workspace
from shipcall.config.load import load_workspace_config
from shipcall.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "shipcall.yaml"
    p.write_text(text)
    return p


def test_minimal_kinds_are_complete(tmp_path: Path) -> None:
    cfg = load_workspace_config(write(tmp_path, """
variants:
  doc:
    chunker: {kind: document}
    retriever: {kind: bm25, k: 100}
    generator: {kind: extractive}
  other: {}
"""))
    v = cfg.variants["doc"]
    assert cfg.default_variant == "doc"
    assert v.retriever.k == 100 and v.retriever.stemmer == "english" and v.retriever.stopwords == "en"
    assert v.generator.min_score == 0.16
    assert cfg.variants["other"].chunker.kind == "heading"
    assert cfg.evaluation.k == [1, 3, 5, 10]


def test_extends_merges_deeply(tmp_path: Path) -> None:
    cfg = load_workspace_config(write(tmp_path, """
variants:
  base:
    chunker: {kind: heading, size: 300, overlap: 50}
    retriever: {kind: bm25, k: 5, k1: 1.2}
  cand:
    extends: base
    retriever: {k: 8}
  other:
    extends: cand
    chunker: {kind: document}
"""))
    assert cfg.variants["cand"].retriever.k == 8
    assert cfg.variants["cand"].retriever.k1 == 1.2
    assert cfg.variants["cand"].chunker.size == 300
    assert cfg.variants["other"].chunker.kind == "document"
    assert cfg.variants["other"].retriever.k == 8


@pytest.mark.parametrize(("text", "field", "line", "message"), [
    ("variants:\n  a:\n    chunker: {kind: heading, sise: 3}\n", "variants.a.chunker.sise", 3, "unknown key"),
    ("variants:\n  a:\n    chunker: {kind: document, size: 300}\n", "variants.a.chunker.size", 3, "unknown key"),
    ("variants:\n  a:\n    chunker: {kind: paragraph}\n", "variants.a.chunker.kind", 3, "paragraph"),
    ("variants:\n  a:\n    retriever: {kind: bm25, k: 0}\n", "variants.a.retriever.k", 3, "greater than"),
    ("variants:\n  a:\n    generator: {kind: extractive, min_score: 2}\n", "variants.a.generator.min_score", 3,
     "less than"),
    ("variants:\n  a:\n    generator: {kind: extractive, min_scor: 0.2}\n", "variants.a.generator.min_scor", 3,
     "unknown key"),
    ("store: x\nvariantz: {}\nvariants:\n  a: {}\n", "variantz", 2, "unknown key"),
    ("variants:\n  a:\n    extends: nope\n", "variants.a.extends", 3, "unknown variant"),
])
def test_errors_name_field_and_line(tmp_path: Path, text: str, field: str, line: int, message: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        _ = Workspace(tmp_path).config  # as every command opens it: kinds checked against the registries
    assert e.value.field == field
    assert e.value.line == line
    assert message in str(e.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_workspace_config(write(tmp_path, "variants:\n  a:\n    chunker: {kind: heading\n  b: [\n"))
    assert e.value.line is not None and e.value.line >= 3
    assert "malformed YAML" in str(e.value)


def test_circular_extends(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="circular"):
        load_workspace_config(write(tmp_path, "variants:\n  a: {extends: b}\n  b: {extends: a}\n"))
