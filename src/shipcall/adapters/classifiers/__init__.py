"""Classifiers for the classify task, by kind (entry-point group `shipcall.classifiers`)."""

from __future__ import annotations

from typing import Any

from shipcall.adapters.classifiers.base import BuildContext, Classifier
from shipcall.adapters.registry import CLASSIFIERS

TRAINED = ("tfidf-logreg", "embedding-logreg")  # kinds that read the variant's `train` dataset


def build_classifier(config: Any, ctx: BuildContext) -> Classifier:
    cls = CLASSIFIERS.get(config.kind)
    return cls(config, ctx)


__all__ = ["TRAINED", "BuildContext", "Classifier", "build_classifier"]
