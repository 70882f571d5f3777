"""The workspace configuration (shipcall.yaml) as pydantic models. Pure: no I/O.

Every key but `kind` has a documented default, so `chunker: {kind: document}`,
`retriever: {kind: bm25}` and `generator: {kind: extractive}` are complete. Unknown keys are
errors (extra="forbid"): a typo must never become a silent default.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixedChunker(_Strict):
    """Windows of `size` words, each overlapping the previous by `overlap` words."""

    kind: Literal["fixed"]
    size: int = Field(300, ge=8, description="words per chunk")
    overlap: int = Field(50, ge=0, description="words shared with the previous chunk")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> FixedChunker:
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")
        return self


class HeadingChunker(FixedChunker):
    """Split along the document's headings; sections longer than `size` words are windowed."""

    kind: Literal["heading"]  # type: ignore[assignment]


class SentenceChunker(FixedChunker):
    """Whole sentences packed up to `size` words; the next chunk repeats the last sentences
    covering at least `overlap` words."""

    kind: Literal["sentence"]  # type: ignore[assignment]


class DocumentChunker(_Strict):
    """One chunk per document (BEIR-style document retrieval)."""

    kind: Literal["document"]


ChunkerConfig = Annotated[
    FixedChunker | HeadingChunker | SentenceChunker | DocumentChunker, Field(discriminator="kind")
]


class BM25Retriever(_Strict):
    """BM25 through bm25s. `stemmer`: a PyStemmer language or null; `stopwords`: a bm25s
    stopword language code ("en") or null. k1/b default to bm25s's defaults."""

    kind: Literal["bm25"]
    k: int = Field(10, ge=1, le=10_000)
    stemmer: str | None = "english"
    stopwords: str | None = "en"
    k1: float = Field(1.5, gt=0)
    b: float = Field(0.75, ge=0, le=1)
    method: Literal["lucene", "robertson", "atire", "bm25l", "bm25+"] = "lucene"


RetrieverConfig = Annotated[BM25Retriever, Field(discriminator="kind")]


class ExtractiveGenerator(_Strict):
    """Picks the retrieved sentences that best support the question and cites them.

    `min_score` is a support score in [0, 1]: the IDF-weighted share of the question's content
    terms that the chosen sentences (with their heading path) contain. Below it: abstain.
    """

    kind: Literal["extractive"]
    min_score: float = Field(0.5, ge=0, le=1)
    max_sentences: int = Field(2, ge=1, le=10)


class PluginGenerator(BaseModel):
    """Any generator registered under the `shipcall.generators` entry point; its keys are its own."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str


def _generator_tag(v: Any) -> str:
    kind = v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)
    return "extractive" if kind == "extractive" else "plugin"


# Built-in kinds are validated strictly; any other kind goes to a plugin, which checks its own keys.
GeneratorConfig = Annotated[
    Annotated[ExtractiveGenerator, Tag("extractive")] | Annotated[PluginGenerator, Tag("plugin")],
    Discriminator(_generator_tag),
]


class Variant(_Strict):
    """One complete configuration of the feature."""

    description: str = ""
    chunker: ChunkerConfig = Field(default_factory=lambda: HeadingChunker(kind="heading"))
    retriever: RetrieverConfig = Field(default_factory=lambda: BM25Retriever(kind="bm25"))
    generator: GeneratorConfig = Field(default_factory=lambda: ExtractiveGenerator(kind="extractive"))

    def resolved(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def hash(self) -> str:
        blob = json.dumps({k: v for k, v in self.resolved().items() if k != "description"}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


class CorpusConfig(_Strict):
    path: str | None = None
    format: Literal["folder", "beir"] = "folder"
    max_file_mb: float = Field(20, gt=0, description="larger files are skipped")


class EvaluationConfig(_Strict):
    k: list[int] = Field(default_factory=lambda: [1, 3, 5, 10])

    @model_validator(mode="after")
    def _positive(self) -> EvaluationConfig:
        if not self.k or any(x < 1 for x in self.k):
            raise ValueError("k must be a non-empty list of positive integers")
        return self


class WorkspaceConfig(_Strict):
    store: str = "sqlite:///.shipcall/shipcall.db"
    corpus: CorpusConfig = Field(default_factory=CorpusConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    variants: dict[str, Variant]

    @model_validator(mode="after")
    def _has_variants(self) -> WorkspaceConfig:
        if not self.variants:
            raise ValueError("at least one variant is required")
        return self

    @property
    def default_variant(self) -> str:
        return next(iter(self.variants))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge deeply; any other value in `override` replaces the base's.

    A changed `kind` replaces the whole mapping, since keys belong to their kind."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            if "kind" in value and value["kind"] != out[key].get("kind"):
                out[key] = dict(value)
            else:
                out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out
