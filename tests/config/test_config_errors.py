"""One pydantic-error translation for every config file: for every chunker, retriever and
generator kind, an unknown key, a wrong type and a bad value are reported at the dotted path
the user wrote (no union tags) and at the line that holds it; malformed YAML names the line
of the bracket or quote left open."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shipcall.adapters.registry import CHUNKERS
from shipcall.app.sweep import combinations, parse_grid
from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract, parse_contract
from shipcall.config.errors import config_error, kinds_of, place_of
from shipcall.config.load import load_workspace_config
from shipcall.config.load_contract import load_contract
from shipcall.config.schema import Variant, WorkspaceConfig
from shipcall.errors import ConfigError

# Line 5 opens the section, line 6 holds `kind`, the body starts on line 7.
HEAD = "store: sqlite:///x.db\nvariants:\n  base:\n    description: one variant\n"


def section(name: str, kind: str, body: str) -> str:
    lines = "".join(f"      {line}\n" for line in body.splitlines())
    return f"{HEAD}    {name}:\n      kind: {kind}\n{lines}"


def error_for(tmp_path: Path, text: str) -> ConfigError:
    """The error opening a workspace with this shipcall.yaml (as every command does)."""
    path = tmp_path / "shipcall.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        _ = Workspace(tmp_path).config
    assert info.value.file == str(path)
    return info.value


P = "variants.base."
# (section, kind, body, field, line, text in the message or hint)
CASES = [
    # chunkers
    ("chunker", "fixed", "sise: 300", P + "chunker.sise", 7, "did you mean size?"),
    ("chunker", "fixed", "size: big", P + "chunker.size", 7, "(got 'big')"),
    ("chunker", "fixd", "size: 30", P + "chunker.kind", 6, "did you mean fixed?"),
    ("chunker", "heading", "size: 300\noverlapp: 5", P + "chunker.overlapp", 8, "did you mean overlap?"),
    ("chunker", "heading", "overlap: [1]", P + "chunker.overlap", 7, "valid integer (got [1])"),
    ("chunker", "headings", "", P + "chunker.kind", 6, "did you mean heading?"),
    ("chunker", "sentence", "sentences: 3", P + "chunker.sentences", 7, "unknown key"),
    ("chunker", "sentence", "size: 1.5", P + "chunker.size", 7, "(got 1.5)"),
    ("chunker", "sentance", "", P + "chunker.kind", 6, "did you mean sentence?"),
    ("chunker", "document", "size: 300", P + "chunker.size", 7, "allowed keys: kind"),
    ("chunker", "documents", "", P + "chunker.kind", 6, "did you mean document?"),
    # retrievers
    ("retriever", "bm25", "k11: 1", P + "retriever.k11", 7, "did you mean k1?"),
    ("retriever", "bm25", "k: ten", P + "retriever.k", 7, "(got 'ten')"),
    ("retriever", "bm25", "method: lucine", P + "retriever.method", 7, "did you mean lucene? allowed values: "),
    ("retriever", "dense", "kk: 5", P + "retriever.kk", 7, "did you mean k?"),
    ("retriever", "dense", "batch_size: big", P + "retriever.batch_size", 7, "(got 'big')"),
    ("retriever", "dence", "", P + "retriever.kind", 6, "did you mean dense?"),
    ("retriever", "hybrid", "bm25:\n  k11: 1", P + "retriever.bm25.k11", 8, "did you mean k1?"),
    ("retriever", "hybrid", "bm25:\n  k1: x", P + "retriever.bm25.k1", 8, "a number (got 'x')"),
    ("retriever", "hybrid", "weights:\n  dense: heavy", P + "retriever.weights.dense", 8, "(got 'heavy')"),
    ("retriever", "hybrid", "fusion: rank", P + "retriever.fusion", 7, "allowed values: 'score', 'rrf'"),
    ("retriever", "hybrid", "dense:\n  model: m\n  batch_sise: 8", P + "retriever.dense.batch_sise", 9,
     "did you mean batch_size?"),
    ("retriever", "hybrid", "bm25:\n  method: bm25plus", P + "retriever.bm25.method", 8, "allowed values"),
    ("retriever", "hybird", "", P + "retriever.kind", 6, "did you mean hybrid?"),
    # generators (any other kind is a plugin's: the registry checks it when the variant runs)
    ("generator", "extractive", "min_scor: 0.2", P + "generator.min_scor", 7, "did you mean min_score?"),
    ("generator", "extractive", "max_sentences: two", P + "generator.max_sentences", 7, "(got 'two')"),
    ("generator", "extractive", "min_score: 2", P + "generator.min_score", 7, "less than or equal to 1"),
    ("generator", "openai", "model: m\ntemprature: 0", P + "generator.temprature", 8, "did you mean temperature?"),
    ("generator", "openai", "model: m\ntemperature: hot", P + "generator.temperature", 8, "(got 'hot')"),
    ("generator", "openai", "model: m\ntemperature: 3", P + "generator.temperature", 8, "less than or equal to 2"),
    ("generator", "openai", "model: m\nprice:\n  input: x\n  output: 1", P + "generator.price.input", 9,
     "(got 'x')"),
    ("generator", "anthropic", "model: m\nbudget:\n  max_tokns: 9", P + "generator.budget.max_tokns", 9,
     "did you mean max_tokens?"),
    ("generator", "anthropic", "model: m\nstream: maybe", P + "generator.stream", 8, "valid boolean"),
    ("generator", "anthropic", "model: m\ntemperature: 1.5", P + "generator.temperature", 8,
     "less than or equal to 1"),
    ("generator", "anthropic", "model: m\nbudget: {}", P + "generator.budget", 8, "set max_tokens or max_cost"),
]


@pytest.mark.parametrize(("name", "kind", "body", "field", "line", "text"), CASES,
                         ids=[f"{c[1]}-{c[3].rsplit('.', 1)[-1]}" for c in CASES])
def test_every_kind_reports_the_dotted_path_and_line(
        tmp_path: Path, name: str, kind: str, body: str, field: str, line: int, text: str) -> None:
    e = error_for(tmp_path, section(name, kind, body))
    assert (e.field, e.line) == (field, line), str(e)
    assert text in str(e)


def test_every_kind_is_covered() -> None:
    covered = {c[1] for c in CASES}
    for name in ("chunker", "retriever", "generator"):
        assert set(kinds_of(Variant, name)) - {"plugin"} <= covered


def test_the_message_names_the_bad_value_and_the_allowed_ones(tmp_path: Path) -> None:
    e = error_for(tmp_path, section("retriever", "bm25", "method: okapi"))
    assert e.message == "not one of the allowed values (got 'okapi')"
    assert e.hint == "allowed values: 'lucene', 'robertson', 'atire', 'bm25l', 'bm25+'"
    e = error_for(tmp_path, section("chunker", "paragraph", ""))
    assert (e.field, e.line, e.message) == (P + "chunker.kind", 6, "unknown chunker kind 'paragraph'")
    assert e.hint == ("registered chunkers: document, fixed, heading, sentence "
                      "(plugins register through the `shipcall.chunkers` entry point group)")
    e = error_for(tmp_path, HEAD + "    retriever:\n      k: 5\n")
    assert (e.field, e.line, e.message) == (P + "retriever.kind", 5, "missing (required)")
    assert e.hint == "allowed values: 'bm25', 'dense', 'hybrid', or a registered plugin's"
    e = error_for(tmp_path, HEAD + "    chunker: heading\n")
    assert (e.field, e.line, e.message) == (P + "chunker", 5, "must be a mapping (got 'heading')")
    e = error_for(tmp_path, HEAD + "    extend: other\n")
    assert (e.field, e.line) == (P + "extend", 5) and "did you mean extends?" in (e.hint or "")
    e = error_for(tmp_path, section("chunker", "fixed", "size: 10\noverlap: 20"))
    assert (e.field, e.line, e.message) == (P + "chunker", 5, "overlap (20) must be smaller than size (10)")


def test_the_issue_examples(tmp_path: Path) -> None:
    """The review's two wrong paths: `retriever.dense.kk` and `retriever.hybrid.k1`."""
    e = error_for(tmp_path, "variants:\n  baseline:\n    retriever: {kind: dense, kk: 5}\n")
    assert (e.field, e.line) == ("variants.baseline.retriever.kk", 3)
    e = error_for(tmp_path, "variants:\n  baseline:\n    retriever: {kind: hybrid, bm25: {k1: x}}\n")
    assert (e.field, e.line) == ("variants.baseline.retriever.bm25.k1", 3)


def test_other_sections_and_lists(tmp_path: Path) -> None:
    e = error_for(tmp_path, "evaluation:\n  k:\n    - 1\n    - five\nvariants:\n  a: {}\n")
    assert (e.field, e.line) == ("evaluation.k.1", 4)
    e = error_for(tmp_path, "redaction:\n  kinds: [email, phon]\nvariants:\n  a: {}\n")
    assert (e.field, e.line) == ("redaction.kinds.1", 2) and "did you mean phone?" in (e.hint or "")
    e = error_for(tmp_path, "server:\n  public: [ask]\n  prot: 80\nvariants:\n  a: {}\n")
    assert (e.field, e.line) == ("server.prot", 3) and "did you mean port?" in (e.hint or "")


def test_inherited_keys_keep_the_line_of_the_variant_that_wrote_them(tmp_path: Path) -> None:
    text = ("variants:\n"
            "  cand:\n"                              # 2
            "    extends: base\n"                    # 3
            "    description: candidate\n"          # 4
            "  base:\n"                              # 5
            "    retriever:\n"                       # 6
            "      kind: dense\n"                    # 7
            "      batch_size: 0\n")                 # 8
    e = error_for(tmp_path, text)
    assert (e.field, e.line) == ("variants.cand.retriever.batch_size", 8)
    # A changed kind replaces the parent's mapping: a missing key is reported at the child's section.
    text = ("variants:\n"
            "  cand:\n"                              # 2
            "    extends: base\n"                    # 3
            "    generator: {kind: openai}\n"        # 4
            "  base:\n"                              # 5
            "    generator: {kind: anthropic,\n"     # 6
            "                model: claude}\n")      # 7
    e = error_for(tmp_path, text)
    assert (e.field, e.line, e.message) == ("variants.cand.generator.model", 4, "missing (required)")


@pytest.mark.parametrize(("text", "line", "opener"), [
    ("variants:\n  a:\n    chunker: {kind: heading\n  b: {}\n", 3, "{"),
    ("variants:\n  a:\n    chunker: {kind: heading\n", 3, "{"),
    ("variants:\n  a: {}\nevaluation:\n  k: [1, 3\nstore: x\n", 4, "["),
    ("variants:\n  a: {}\nevaluation:\n  k: [1, 3\n", 4, "["),
    ('variants:\n  a:\n    description: "hello\n  b: {}\n', 3, '"'),
    ("variants:\n  a:\n    description: 'hello\n  b: {}\n", 3, "'"),
], ids=["brace", "brace-at-end", "bracket", "bracket-at-end", "double-quote", "single-quote"])
def test_unclosed_brackets_and_quotes_name_the_line_that_opens_them(
        tmp_path: Path, text: str, line: int, opener: str) -> None:
    e = error_for(tmp_path, text)
    assert e.line == line, str(e)
    assert e.message.startswith(f"malformed YAML: `{opener}` at column ")
    assert "never closed" in e.message


def test_other_yaml_errors_keep_the_line_of_the_problem(tmp_path: Path) -> None:
    e = error_for(tmp_path, "variants:\n  a:\n    chunker: x\n   b: 1\n")
    assert e.line == 4 and e.message.startswith("malformed YAML")
    # A bracket that is closed, with a comma missing inside: the line where the parser stopped.
    e = error_for(tmp_path, "variants:\n  a:\n    chunker: {kind: heading size: 3}\n")
    assert e.line == 3 and "never closed" not in e.message
    e = error_for(tmp_path, "variants:\n  a:\n    generator: {kind: anthropic,\n"
                            "                model: claude\n                max_tokens: 9}\n")
    assert e.line == 5 and "never closed" not in e.message
    assert e.hint == "inside the `{` opened on line 3, column 16: separate the entries with commas"
    # Quotes and brackets inside strings and comments do not close an open bracket.
    e = error_for(tmp_path, "variants:\n  a:\n    chunker: {kind: heading  # }\n"
                            "    description: \"}\"\n    retriever: {kind: bm25}\n")
    assert e.line == 3 and "never closed" in e.message


def test_the_contract_uses_the_same_translation(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text("primary: contains_answer\n"
                    "metrics: {}\n"
                    "judge:\n"
                    "  provider:\n"
                    "    kind: openai\n"
                    "    modle: gpt-4o-mini\n"
                    "  metrics:\n"
                    "    correctness: {rubric: r}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_contract(path)
    e = info.value
    assert (e.file, e.line, e.field, e.message) == (str(path), 6, "judge.provider.modle", "unknown key")
    assert (e.hint or "").startswith("did you mean model? allowed keys: model,")
    path.write_text("primary: contains_answer\nmetrics: {}\njudge:\n  provider: {kind: opnai, model: m}\n"
                    "  metrics: {c: {rubric: r}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_contract(path)
    assert (info.value.line, info.value.field) == (4, "judge.provider.kind")
    assert "did you mean openai?" in (info.value.hint or "")
    with pytest.raises(ConfigError) as info:
        parse_contract({"primary": "contains_answer", "metrics": {}, "correction": "bonferoni"})
    assert info.value.field == "correction" and info.value.hint == "allowed values: 'holm', 'bh'"
    with pytest.raises(ConfigError) as info:
        parse_contract({"primary": "contains_answer", "metrics": {},
                        "judge": {"provider": {"kind": "openai", "model": "m"},
                                  "metrics": {"c": {"rubric": "r", "scale": [{}]}}}})
    assert info.value.field == "judge.metrics.c.scale.0"
    assert "valid integer or a valid number or a valid string or a valid boolean" in info.value.message


def test_union_steps_come_from_the_model_not_from_a_list_of_names() -> None:
    """A tag is dropped because the model has a union there, so a key named like a kind is kept."""
    assert place_of(WorkspaceConfig, ("variants", "a", "retriever", "hybrid", "dense", "model")).path == (
        "variants", "a", "retriever", "dense", "model")
    assert place_of(WorkspaceConfig, ("variants", "a", "retriever", "hybrid", "bm25", "k1")).path == (
        "variants", "a", "retriever", "bm25", "k1")
    assert place_of(Contract, ("judge", "metrics", "a", "scale", 0, "int")).path == (
        "judge", "metrics", "a", "scale", "0")
    assert set(kinds_of(Variant, "retriever")) == {"bm25", "dense", "hybrid", "plugin"}
    assert kinds_of(Variant, "description") == {}


def test_a_sweep_reports_skipped_combinations_at_the_users_path() -> None:
    base = Variant.model_validate({"generator": {"kind": "openai", "model": "m"}})
    combos, skipped = combinations(base, "b", parse_grid(["generator.temperature=0.5,5"]))
    assert len(combos) == 1
    assert skipped == [{"variant": "b[generator.temperature=5]",
                        "reason": "generator.temperature: Input should be less than or equal to 2 (got 5)"}]


def test_a_registered_plugin_kind_is_accepted_and_checked_only_when_used(tmp_path: Path) -> None:
    text = section("chunker", "paragraphs", "")
    with pytest.raises(ConfigError, match="unknown chunker kind 'paragraphs'"):
        load_workspace_config(_write(tmp_path, text), kinds=lambda s: CHUNKERS.names())
    unregister = CHUNKERS.register("paragraphs", lambda doc, cfg: [])
    try:
        config = load_workspace_config(_write(tmp_path, text), kinds=lambda s: CHUNKERS.names())
        assert config.variants["base"].chunker.kind == "paragraphs"
    finally:
        unregister()
    asked: list[str] = []
    load_workspace_config(_write(tmp_path, section("chunker", "fixed", "")),
                          kinds=lambda s: asked.append(s) or [])
    assert asked == []  # built-in kinds and the default task never scan the entry points
    e = error_for(tmp_path, HEAD + "    task: clasify\n")
    assert (e.field, e.line, e.message) == (P + "task", 5, "unknown task kind 'clasify'")
    assert "registered tasks: " in (e.hint or "")  # after a "did you mean" when a name is close


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shipcall.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_error_without_a_file() -> None:
    with pytest.raises(ValidationError) as info:
        Variant.model_validate({"retriever": {"kind": "dense", "kk": 5}})
    e = config_error(info.value, Variant)
    assert (e.file, e.line, e.field) == (None, None, "retriever.kk")
