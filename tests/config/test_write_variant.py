"""Adding a variant to shipcall.yaml (config/write.py): inside the `variants:` block wherever it
stands, comments kept, never over an existing variant, the file restored if the result is invalid."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipcall.config.load import load_workspace_config
from shipcall.config.write import add_variant, free_name
from shipcall.errors import ConfigError

CONFIG = """\
# top comment
variants:
  baseline:
    chunker: {kind: heading}   # a comment
    generator: {kind: extractive, min_score: 0.2}
  other:
    extends: baseline

# the evaluation section
evaluation:
  k: [1, 5]
"""


def test_the_variant_goes_into_the_variants_block_and_comments_survive(tmp_path: Path) -> None:
    path = tmp_path / "shipcall.yaml"
    path.write_text(CONFIG)
    add_variant(path, "baseline-calibrated", {"extends": "baseline", "generator": {"min_score": 0.3}}, "why")
    text = path.read_text()
    assert text.index("baseline-calibrated:") < text.index("# the evaluation section")
    assert "# a comment" in text and "# top comment" in text and "  # why\n" in text
    cfg = load_workspace_config(path)
    assert cfg.variants["baseline-calibrated"].generator.min_score == 0.3  # type: ignore[union-attr]
    assert cfg.variants["baseline"].generator.min_score == 0.2  # type: ignore[union-attr]
    assert cfg.evaluation.k == [1, 5]
    assert free_name(path, "baseline-calibrated") == "baseline-calibrated-2"
    assert free_name(path, "fresh") == "fresh"


def test_existing_names_and_invalid_results_leave_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "shipcall.yaml"
    path.write_text(CONFIG)
    with pytest.raises(ConfigError, match="already exists"):
        add_variant(path, "other", {"extends": "baseline"})
    with pytest.raises(ConfigError):
        add_variant(path, "broken", {"extends": "baseline", "generator": {"min_score": 7}})
    assert path.read_text() == CONFIG
