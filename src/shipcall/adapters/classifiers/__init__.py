"""Classifiers for the classify task, by kind (entry-point group `shipcall.classifiers`)."""

from __future__ import annotations

from typing import Any

from shipcall.adapters.classifiers.base import BuildContext, Classifier
from shipcall.adapters.plugins import load_kind

GROUP = "shipcall.classifiers"
TRAINED = ("tfidf-logreg", "embedding-logreg")  # kinds that read the variant's `train` dataset


def build_classifier(config: Any, ctx: BuildContext) -> Classifier:
    cls = load_kind(GROUP, config.kind, "classifier.kind")
    return cls(config, ctx)  # type: ignore[no-any-return]


__all__ = ["GROUP", "TRAINED", "BuildContext", "Classifier", "build_classifier"]
