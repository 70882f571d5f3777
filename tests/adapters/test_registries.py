"""Every kind comes from a registry: adding a retriever kind is one module plus one registration
line. Proven with a toy retriever registered from this test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, ConfigDict

from shipcall.adapters.registry import CHUNKERS, GENERATORS, JUDGES, RETRIEVERS, TASKS
from shipcall.core.documents import Chunk, ScoredChunk
from shipcall.errors import ConfigError


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["toy"]
    k: int = 10
    word: str = "vpn"


class ToyIndex:
    """Ranks the chunks that contain `word` first (a stand-in for any real backend)."""

    config_model: ClassVar[Any] = ToyConfig
    composite: ClassVar[bool] = False
    built: ClassVar[int] = 0

    def __init__(self, chunks: list[Chunk], cfg: ToyConfig) -> None:
        self.chunks = chunks
        self.cfg = cfg

    @staticmethod
    def is_complete(path: Path) -> bool:
        return (path / "done").is_file()

    @classmethod
    def build_index(cls, chunks: list[Chunk], cfg: ToyConfig, dest: Path, ctx: Any) -> ToyIndex:
        import pickle

        dest.mkdir(parents=True)
        (dest / "chunks.pkl").write_bytes(pickle.dumps(chunks))
        (dest / "done").write_text("")
        cls.built += 1
        return cls(chunks, cfg)

    @classmethod
    def load_index(cls, path: Path, cfg: ToyConfig) -> ToyIndex:
        import pickle

        return cls(pickle.loads((path / "chunks.pkl").read_bytes()), cfg)

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        hits = sorted(self.chunks, key=lambda c: (self.cfg.word not in c.text.lower(), c.id))[:k]
        return [ScoredChunk(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(hits)]

    def term_weight(self, term: str) -> float:
        return 1.0


def add_variant(ws: Any, text: str) -> None:
    ws.config_path.write_text(ws.config_path.read_text() + text)
    ws.__dict__.pop("config", None)  # the cached config is re-read


@pytest.fixture
def toy() -> Any:
    unregister = RETRIEVERS.register("toy", ToyIndex)
    yield ToyIndex
    unregister()


def test_a_toy_retriever_registered_from_a_test_answers_and_runs(ingested, toy) -> None:  # noqa: ANN001
    from shipcall.app.datasets import import_dataset
    from shipcall.app.feature import Feature
    from shipcall.app.run import run

    add_variant(ingested, "  toy:\n    retriever: {kind: toy, k: 2, word: globalprotect}\n")
    feature = Feature.open(ingested, "toy")
    r = feature.answer("Which VPN client do I install?")
    assert len(r.chunks) == 2 and "globalprotect" in r.chunks[0].chunk.text.lower()
    assert toy.built == 1
    Feature.open(ingested, "toy")  # a second open loads the stored index instead of building it
    assert toy.built == 1
    rep = import_dataset(ingested, str(Path(__file__).parents[1] / "fixtures" / "dataset.jsonl"), "d")
    outcome = run(ingested, ingested.store.load_dataset("d", rep.version), "toy")
    assert outcome.run.status == "finished" and "recall@1" in outcome.run.metrics


def test_a_toy_retriever_checks_its_own_keys(ingested, toy) -> None:  # noqa: ANN001
    from shipcall.app.feature import Feature

    add_variant(ingested, "  toy:\n    retriever: {kind: toy, wrd: x}\n")
    with pytest.raises(ConfigError, match="wrd"):
        Feature.open(ingested, "toy")


def test_unknown_kinds_name_the_registered_ones() -> None:
    with pytest.raises(ConfigError) as e:
        RETRIEVERS.get("nope")
    assert "bm25" in str(e.value) and "dense" in str(e.value) and "hybrid" in str(e.value)


def test_built_ins_are_registered_like_plugins() -> None:
    assert {"extractive", "openai", "anthropic"} <= set(GENERATORS.names())
    assert {"bm25", "dense", "hybrid"} <= set(RETRIEVERS.names())
    assert {"fixed", "heading", "sentence", "document"} <= set(CHUNKERS.names())
    assert {"openai", "anthropic"} <= set(JUDGES.names())
    assert "rag" in TASKS.names()


def test_a_registered_chunker_is_used_by_variants(ingested) -> None:  # noqa: ANN001
    from shipcall.app.feature import Feature

    def halves(doc: Any, cfg: Any) -> list[tuple[int, int]]:
        mid = len(doc.text) // 2
        return [(0, mid), (mid, len(doc.text))]

    unregister = CHUNKERS.register("halves", halves)
    try:
        add_variant(ingested, "  halves:\n    chunker: {kind: halves}\n")
        chunks = Feature.open(ingested, "halves").retriever.chunks
        docs = {c.doc_id for c in chunks}
        assert len(chunks) == 2 * len(docs)
    finally:
        unregister()
