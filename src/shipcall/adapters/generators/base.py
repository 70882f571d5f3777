"""The Generator protocol, complete: what every generator offers and what it declares.

Built-in and plugin generators register under the `shipcall.generators` entry point group and
are constructed as `Cls(config, retriever)`. A generator declares its `capabilities` instead of
the runner probing for methods: how many items it may answer at once, whether it streams, whether
it needs the workspace bound (response cache, prompt paths) and whether it reports usage (tokens,
cost, a budget, provider stats). `GeneratorBase` gives the defaults; a minimal plugin that only
has `generate` gets them through `complete()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from shipcall.core.documents import ScoredChunk
from shipcall.core.runs import Answer

ABSTENTION = "The documents don't cover this."


@dataclass(frozen=True)
class Capabilities:
    concurrency: int = 1  # items a run may answer at once
    streams: bool = False  # generate(..., on_text=) delivers the answer as it is written
    binds: bool = False  # needs bind(store=, root=) before the first answer
    usage: bool = False  # reports tokens and cost; has a budget and provider stats()
    quick: bool = False  # answers in this process in about a millisecond, never waiting on I/O or a model


@runtime_checkable
class Generator(Protocol):
    capabilities: Capabilities
    budget: Any  # the per-run spending limit (config), or None

    def bind(self, *, store: Any = None, root: Path | None = None) -> None: ...

    def identity(self) -> dict[str, Any]:
        """What determines its answers beyond its config (e.g. a prompt template's hash)."""
        ...

    def stats(self) -> dict[str, Any] | None: ...

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer: ...


class GeneratorBase:
    """Defaults for the whole protocol; subclass it and override what you offer."""

    capabilities = Capabilities()
    budget: Any = None

    def bind(self, *, store: Any = None, root: Path | None = None) -> None:
        return None

    def identity(self) -> dict[str, Any]:
        return {}

    def stats(self) -> dict[str, Any] | None:
        return None

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        raise NotImplementedError


class _Completed(GeneratorBase):
    """A minimal plugin (only `generate(question, chunks)`) behind the full protocol."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def generate(self, question: str, chunks: list[ScoredChunk], *,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        return self.inner.generate(question, chunks)


def complete(generator: Any) -> Generator:
    """The generator itself when it implements the protocol, else a wrapper with the defaults."""
    if isinstance(generator, Generator):
        return generator
    if not callable(getattr(generator, "generate", None)):
        raise TypeError(f"{type(generator).__name__} has no generate(question, chunks) method")
    return _Completed(generator)
