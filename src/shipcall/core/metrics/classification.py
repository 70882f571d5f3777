"""Classification metrics: accuracy, macro/weighted F1, per-label precision/recall/F1, ECE and
the confusion matrix, from gold labels, predicted labels and confidences.

Definitions (equal to scikit-learn's to floating-point rounding; tests/core hold them to 1e-9):

- `accuracy` = correct / predicted items (`sklearn.metrics.accuracy_score`). Per item it is
  `correct`: 1 when the prediction equals the gold label, else 0 — so paired comparisons run
  McNemar's exact test on it, as on every 0/1 metric.
- For each label L among the gold and predicted labels (scikit-learn's `unique_labels`):
  `precision[L]` = tp / predicted L, `recall[L]` = tp / gold L, `f1[L]` = 2·tp / (gold L +
  predicted L); a zero denominator gives 0 (scikit-learn's `zero_division` default).
- `macro_f1` = the unweighted mean of `f1[L]` (`f1_score(average="macro")`); `weighted_f1`
  weights each label by its gold count (`average="weighted"`).
- `ece`, expected calibration error (Naeini et al. 2015; Guo et al. 2017): the confidences
  are put in 10 equal-width bins (0, 0.1], (0.1, 0.2], …, (0.9, 1] (a confidence of 0 joins the
  first), and ECE = Σ_bins (items in bin / items) · |accuracy in bin − mean confidence in bin|.
  Lower is better. Items without a confidence (an LLM classifier) are left out of it.

Written with NumPy rather than calling scikit-learn because these run per cohort on every
run and `shipcall show`, where importing scikit-learn would cost more than the computation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ECE_BINS = 10


def unique_labels(gold: Sequence[str], pred: Sequence[str]) -> list[str]:
    """The labels present in gold or predictions, sorted (scikit-learn's `unique_labels`)."""
    return sorted(set(gold) | set(pred))


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Counts [gold label × predicted label] in `labels` order (`sklearn.metrics.confusion_matrix`)."""
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)
    g = np.fromiter((index[x] for x in gold), dtype=np.int64, count=len(gold))
    p = np.fromiter((index[x] for x in pred), dtype=np.int64, count=len(pred))
    return np.bincount(g * n + p, minlength=n * n).reshape(n, n)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(a.shape, dtype=np.float64)
    np.divide(a, b, out=out, where=b > 0)
    return out


def per_label(gold: Sequence[str], pred: Sequence[str]) -> dict[str, tuple[float, float, float, int]]:
    """label → (precision, recall, f1, gold count) for every label in gold or predictions."""
    labels = unique_labels(gold, pred)
    if not labels:
        return {}
    cm = confusion(gold, pred, labels)
    tp = np.diag(cm).astype(np.float64)
    true_sum = cm.sum(axis=1).astype(np.float64)
    pred_sum = cm.sum(axis=0).astype(np.float64)
    precision, recall = _divide(tp, pred_sum), _divide(tp, true_sum)
    f1 = _divide(2 * tp, true_sum + pred_sum)
    return {label: (float(precision[i]), float(recall[i]), float(f1[i]), int(true_sum[i]))
            for i, label in enumerate(labels)}


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[float], bins: int = ECE_BINS) -> float:
    """ECE over equal-width bins (lo, hi] (module docstring); nan for no items."""
    conf = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    if conf.size == 0:
        return float("nan")
    idx = np.clip(np.ceil(conf * bins).astype(np.int64) - 1, 0, bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(np.float64)
    conf_sum = np.bincount(idx, weights=conf, minlength=bins)
    hit_sum = np.bincount(idx, weights=hit, minlength=bins)
    used = counts > 0
    gap = np.abs(hit_sum[used] / counts[used] - conf_sum[used] / counts[used])
    return float(np.sum(counts[used] / conf.size * gap))


def classification_metrics(gold: Sequence[str], pred: Sequence[str],
                           confidence: Sequence[float | None] = ()) -> dict[str, float]:
    """`accuracy`, `macro_f1`, `weighted_f1`, `ece` (when any confidence is given) and
    `precision[L]`/`recall[L]`/`f1[L]` per label, for paired gold and predicted labels."""
    if len(gold) != len(pred):
        raise ValueError("gold and predictions differ in length")
    if not gold:
        return {}
    table = per_label(gold, pred)
    f1 = np.array([v[2] for v in table.values()])
    support = np.array([v[3] for v in table.values()], dtype=np.float64)
    correct = np.fromiter((g == p for g, p in zip(gold, pred, strict=True)), dtype=np.float64, count=len(gold))
    out: dict[str, float] = {
        "accuracy": float(correct.mean()),
        "macro_f1": float(f1.mean()),
        "weighted_f1": float(np.sum(f1 * support) / support.sum()) if support.sum() else 0.0,
    }
    conf = [(c, h) for c, h in zip(confidence, correct, strict=False) if c is not None]
    if conf:
        out["ece"] = expected_calibration_error([c for c, _ in conf], [h for _, h in conf])
    for label, (p, r, f, _) in table.items():
        out[f"precision[{label}]"] = p
        out[f"recall[{label}]"] = r
        out[f"f1[{label}]"] = f
    return out


def top_confusions(gold: Sequence[str], pred: Sequence[str], limit: int | None = None) -> list[tuple[str, str, int]]:
    """(gold label, predicted label, count) for every wrong pair, most frequent first (ties by
    label names): the label pairs most often confused."""
    counts: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, pred, strict=True):
        if g != p:
            counts[(g, p)] = counts.get((g, p), 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(g, p, n) for (g, p), n in ranked[:limit]]
