"""The Retriever protocol every retrieval backend implements, and RetrieverKind: what a kind
registered under the `shipcall.retrievers` entry point group provides.

Adding a retriever kind is one module with a class implementing RetrieverKind plus one
registration line (an entry point, or `RETRIEVERS.register(name, cls)` in-process). Its
config arrives validated by its own `config_model` (a pydantic model with `kind`), so a typo
in shipcall.yaml is an error naming the key, as for the built-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from shipcall.core.documents import Chunk, ScoredChunk


class Retriever(Protocol):
    chunks: Sequence[Chunk]

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]: ...

    def term_weight(self, term: str) -> float:
        """IDF-like weight of a stemmed term in the indexed chunks (for answer support)."""
        ...


@dataclass(frozen=True)
class BuildContext:
    """What an index build may use besides the chunks: the shared embedding cache, whether to
    show progress (None: shipcall's policy, bars for steps longer than a second; False: never,
    as `--quiet`; see adapters/progress.py), extra files to store beside the index, where
    embeddings are computed, and the content hash of each stored document the chunks come from
    (a built-in index then keeps the chunks' places, not their text: chunkfile.py)."""

    cache_dir: Path
    show_progress: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # computes embeddings elsewhere (`ingest --executor ray`): `embed(model, [(key, text)], batch_size)`
    # yields (keys, vectors) batches; None: in this process
    embedder: Any = None
    doc_hashes: dict[str, str] | None = None


class RetrieverKind(Protocol):
    """A registered retriever kind. A *composite* kind (hybrid) builds no index of its own:
    `parts(config)` names the configs of the kinds it reads, and `combine(config, retrievers)`
    joins their opened retrievers."""

    config_model: ClassVar[Any]  # the pydantic model of its config (with `kind`)
    composite: ClassVar[bool]

    @staticmethod
    def is_complete(path: Path) -> bool: ...

    @classmethod
    def load_index(cls, path: Path, cfg: Any) -> Retriever:
        """A kind may take a third argument, `texts` (chunkfile.DocumentTexts: the stored
        documents by id), to slice its chunks' text from the store instead of keeping a copy."""
        ...

    @classmethod
    def build_index(cls, chunks: Sequence[Chunk], cfg: Any, dest: Path, ctx: BuildContext) -> Retriever: ...


class CompositeKind(Protocol):
    composite: ClassVar[bool]

    @classmethod
    def parts(cls, cfg: Any) -> list[Any]: ...

    @classmethod
    def combine(cls, cfg: Any, retrievers: list[Retriever]) -> Retriever: ...
