"""`kind: zero-shot`: the label whose description is nearest to the text by embedding, for when
there is no training data yet.

Each label is described by the variant's `labels` mapping, or by its name with `_` as spaces
(`card_arrival` → "card arrival"). Texts and descriptions are embedded with the packaged MiniLM;
the prediction is the description with the highest cosine similarity, and the confidence is the
softmax of the similarities divided by `temperature` (0.05 by default: cosine similarities of
MiniLM sit in a narrow band, so an undivided softmax over 77 labels would be nearly uniform).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shipcall.adapters.classifiers.base import BuildContext
from shipcall.adapters.classifiers.embeddings import TextEmbedder
from shipcall.adapters.classifiers.trained import TOP_SCORES
from shipcall.core.tasks.classify import Classification
from shipcall.errors import ConfigError


def describe(label: str) -> str:
    return label.replace("_", " ").strip()


class ZeroShot:
    def __init__(self, config: Any, ctx: BuildContext) -> None:
        unknown = sorted(set(config.labels) - set(ctx.labels))
        if unknown:
            raise ConfigError(f"label {unknown[0]!r} is not in the dataset's label set", field="classifier.labels",
                              hint=f"labels: {', '.join(ctx.labels[:12])}{' …' if len(ctx.labels) > 12 else ''}")
        self.config = config
        self.labels = list(ctx.labels)
        self.descriptions = [config.labels.get(label) or describe(label) for label in self.labels]
        self.embedder = TextEmbedder(config.model, ctx.embedding_dir, batch_size=config.batch_size,
                                     show_progress=ctx.show_progress)
        self.label_vectors = self.embedder.embed(self.descriptions)
        self.info: dict[str, Any] = {"labels": len(self.labels)}

    def classify(self, texts: list[str]) -> list[Classification]:
        sims = self.embedder.embed(texts) @ self.label_vectors.T
        logits = sims / self.config.temperature
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        out = []
        for row in proba:
            order = np.argsort(-row, kind="stable")[:TOP_SCORES]
            out.append(Classification(label=self.labels[int(order[0])], confidence=float(row[order[0]]),
                                      scores=tuple((self.labels[int(i)], round(float(row[i]), 6)) for i in order)))
        return out
