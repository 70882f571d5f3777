"""Trained classifiers: `tfidf-logreg` (the offline default) and `embedding-logreg`.

Both are scikit-learn pipelines trained on the variant's `train` dataset:

- features: `TfidfVectorizer(ngram_range=(1, ngram_max), sublinear_tf, min_df)` over the
  texts, or the L2-normalised sentence embeddings of the packaged MiniLM (the `dense` extra;
  embeddings cached by text hash in the workspace, shared with dense retrieval's cache);
- `LogisticRegression(C, max_iter, solver)` (multinomial) on them: saga for TF-IDF (sparse;
  2.3× faster than lbfgs on BANKING77, accuracy within 0.002), lbfgs for embeddings;
- calibrated probabilities: `CalibratedClassifierCV(method="temperature", ensemble=False,
  cv=2)` — one temperature fitted on 2-fold cross-validated logits, then the model refitted on
  every training item. Temperature scaling (Guo et al. 2017) divides all logits by one number,
  so the predicted label is exactly the plain logistic regression's and only the confidence
  changes. Skipped (probabilities as the regression gives them) when a label has fewer than
  two training items or `calibration: none`.

The fitted model is cached in the workspace (`.shipcall/models/`) under a key of the training
dataset's (name, version, content hash), the settings and the scikit-learn version, so a
second run with the same training data and settings loads it instead of training. The cache
files are pickles (joblib) written by this workspace: load only your own.

Fitting runs with BLAS on one thread: on 2 busy cores, a multi-threaded BLAS fought the other
processes and measured 3–4× slower (27 s against 7 s for BANKING77).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from shipcall.adapters.classifiers.base import BuildContext
from shipcall.core.tasks.classify import Classification
from shipcall.errors import ConfigError, DatasetError

TOP_SCORES = 3


def model_key(kind: str, settings: dict[str, Any], train_id: tuple[str, int, str]) -> str:
    import sklearn

    blob = {"kind": kind, "settings": settings, "train": list(train_id), "sklearn": sklearn.__version__}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


def _save(model: Any, path: Path) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".joblib", dir=path.parent)
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> Any | None:
    import joblib

    try:
        return joblib.load(path)
    except Exception:  # a damaged or foreign cache file: train again
        return None


def _training_data(ctx: BuildContext, field: str) -> tuple[list[str], list[str]]:
    if not ctx.train or ctx.train_id is None:
        raise ConfigError("this classifier needs training data", field=field,
                          hint="name a classify dataset: classifier: {kind: tfidf-logreg, train: NAME}")
    labels = [it.label for it in ctx.train]
    if len(set(labels)) < 2:
        name = ctx.train_id[0]
        raise DatasetError(f"training dataset {name!r} has only one label ({labels[0]!r})", field="label",
                           hint="a classifier needs training items of at least two labels")
    missing = sorted(set(ctx.labels) - set(labels))
    if missing:
        ctx.warnings.append(f"{len(missing)} label(s) of the evaluation dataset have no training item and can never "
                            f"be predicted: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    return [it.text for it in ctx.train], labels


def fit_logreg(x: Any, y: list[str], *, C: float, max_iter: int, calibration: str,
               solver: str = "lbfgs") -> tuple[Any, bool]:
    """A logistic regression on (x, y), temperature-calibrated when possible; (model, calibrated).
    saga is seeded (random_state=0): its sample order is random, and a run must be repeatable."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    base = LogisticRegression(C=C, max_iter=max_iter, solver=solver, random_state=0)
    calibrate = calibration == "temperature" and min(Counter(y).values()) >= 2
    model = CalibratedClassifierCV(base, method="temperature", ensemble=False, cv=2) if calibrate else base
    import warnings

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*max_iter.*")  # convergence is reported by n_iter_, not spam
        model.fit(x, y)
    return model, calibrate


def predictions(model: Any, x: Any) -> list[Classification]:
    """The most probable label per row, its probability and the top scores."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        proba = np.asarray(model.predict_proba(x), dtype=np.float64)
    classes = [str(c) for c in model.classes_]
    out = []
    for row in proba:
        order = np.argsort(-row, kind="stable")[:TOP_SCORES]
        out.append(Classification(label=classes[int(order[0])], confidence=float(row[order[0]]),
                                  scores=tuple((classes[int(i)], round(float(row[i]), 6)) for i in order)))
    return out


class TfidfLogreg:
    """`kind: tfidf-logreg`."""

    field = "classifier.train"

    def __init__(self, config: Any, ctx: BuildContext) -> None:
        self.config = config
        settings = config.model_dump(exclude={"kind", "train"})
        texts, labels = _training_data(ctx, self.field)
        assert ctx.train_id is not None
        path = ctx.model_dir / f"tfidf-logreg-{model_key('tfidf-logreg', settings, ctx.train_id)}.joblib"
        self.info: dict[str, Any] = {"model_file": path.name, "train_items": len(texts)}
        t0 = time.perf_counter()
        cached = _load(path) if path.is_file() else None
        if cached is not None:
            self.vectorizer, self.model = cached["vectorizer"], cached["model"]
            self.info.update(trained=False, calibrated=cached["calibrated"])
        else:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer = TfidfVectorizer(ngram_range=(1, config.ngram_max), sublinear_tf=config.sublinear_tf,
                                              min_df=config.min_df)
            x = self.vectorizer.fit_transform(texts)
            self.model, calibrated = fit_logreg(x, labels, C=config.C, max_iter=config.max_iter,
                                                calibration=config.calibration, solver=config.solver)
            _save({"vectorizer": self.vectorizer, "model": self.model, "calibrated": calibrated}, path)
            self.info.update(trained=True, calibrated=calibrated)
        self.info["build_ms"] = round((time.perf_counter() - t0) * 1000, 1)

    def classify(self, texts: list[str]) -> list[Classification]:
        return predictions(self.model, self.vectorizer.transform(texts))


class EmbeddingLogreg:
    """`kind: embedding-logreg`: MiniLM sentence embeddings + logistic regression."""

    field = "classifier.train"

    def __init__(self, config: Any, ctx: BuildContext) -> None:
        from shipcall.adapters.classifiers.embeddings import TextEmbedder

        self.config = config
        self.embedder = TextEmbedder(config.model, ctx.embedding_dir, batch_size=config.batch_size,
                                     show_progress=ctx.show_progress)
        settings = config.model_dump(exclude={"kind", "train", "batch_size"})
        texts, labels = _training_data(ctx, self.field)
        assert ctx.train_id is not None
        path = ctx.model_dir / f"embedding-logreg-{model_key('embedding-logreg', settings, ctx.train_id)}.joblib"
        self.info: dict[str, Any] = {"model_file": path.name, "train_items": len(texts)}
        t0 = time.perf_counter()
        cached = _load(path) if path.is_file() else None
        if cached is not None:
            self.model = cached["model"]
            self.info.update(trained=False, calibrated=cached["calibrated"])
        else:
            self.model, calibrated = fit_logreg(self.embedder.embed(texts), labels, C=config.C,
                                                max_iter=config.max_iter, calibration=config.calibration,
                                                solver=config.solver)
            _save({"model": self.model, "calibrated": calibrated}, path)
            self.info.update(trained=True, calibrated=calibrated)
        self.info["build_ms"] = round((time.perf_counter() - t0) * 1000, 1)

    def classify(self, texts: list[str]) -> list[Classification]:
        return predictions(self.model, self.embedder.embed(texts))
