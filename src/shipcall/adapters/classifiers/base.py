"""The Classifier protocol and what building one may use.

A classifier kind is a class registered under the `shipcall.classifiers` entry point (built-ins
too) and constructed as `Cls(config, context)`. `classify(texts)` returns one Classification per
text, in order. Optional, as for generators: `concurrency` (items a run classifies at once;
LLM kinds), `stats()` (provider calls, cache hits, spend), `identity()` (beyond the config: a
prompt template's hash), `info` (what the build did: trained or loaded from the cache, timings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from shipcall.core.tasks.classify import Classification, ClassifyItem


class Classifier(Protocol):
    def classify(self, texts: list[str]) -> list[Classification]: ...


@dataclass
class BuildContext:
    """What a classifier may need to build itself.

    `labels`: the evaluation dataset's label set (what the classifier must choose from, for
    kinds without training data); `train`: the training items and `train_id` their dataset's
    identity (name, version, content hash), for trained kinds; `model_dir` the workspace's
    fitted-model cache; `embedding_dir` its embedding cache; `store`/`root` for LLM kinds (the
    response cache, prompt paths)."""

    labels: list[str]
    model_dir: Path
    embedding_dir: Path
    train: list[ClassifyItem] | None = None
    train_id: tuple[str, int, str] | None = None
    store: Any = None
    root: Path | None = None
    show_progress: bool = False
    warnings: list[str] = field(default_factory=list)
