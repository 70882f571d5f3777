"""`semantic: true` (the dense extra): candidate sentences also scored by the packaged MiniLM,
with sentence embeddings cached in the workspace (slow tier: it loads the model and embeds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

pytest.importorskip("sentence_transformers")


@pytest.mark.slow
def test_semantic_scoring_finds_a_paraphrase_and_caches_sentence_embeddings(tmp_path: Path) -> None:
    from shipcall.app.feature import Feature
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", corpus)
    (corpus / "it" / "lost.md").write_text(
        "# Lost equipment\n\nReport a lost or stolen laptop to the security team within 24 hours of noticing.\n"
        "Replacement laptops are ordered by IT.\n")
    ws = Workspace(init_workspace(tmp_path / "ws", extra_variants=(
        "  semantic:\n    extends: baseline\n    generator: {semantic: true, min_score: 0.0}\n"
        "  lexical:\n    extends: baseline\n    generator: {min_score: 0.0}\n")))
    ingest(ws, str(corpus))
    question = "I left my notebook computer on the train. How soon must I tell someone?"
    sem = Feature.open(ws, "semantic")
    answer = sem.answer(question).answer
    assert "within 24 hours" in answer.context and answer.text == "within 24 hours"
    cache = ws.state_dir / "embeddings"
    sem.generator.scorer.flush()  # new embeddings are written in shards (and at exit)
    shards = sorted(cache.rglob("shard-*.npz"))
    assert shards, "sentence embeddings are cached in the workspace"
    # a second feature (another process would do the same) reads the cache instead of embedding again
    again = Feature.open(ws, "semantic")
    encoded: list[int] = []
    real = again.generator.scorer._encode
    again.generator.scorer._encode = lambda texts: (encoded.append(len(texts)), real(texts))[1]
    assert again.answer(question).answer.context == answer.context
    assert sum(encoded) == 1  # only the question was encoded
    lexical = Feature.open(ws, "lexical").answer(question).answer
    assert answer.support != lexical.support  # the similarity is part of the support score
