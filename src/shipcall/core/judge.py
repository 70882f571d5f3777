"""LLM-as-judge, the pure part: scales, parsing a verdict, and how far to trust the judge.

- A judge metric's scale is a list of verdicts, worst first: `[1, 5]` (two integers) means every
  integer from 1 to 5; otherwise the list itself (`[no, yes]`; YAML's booleans read as no/yes).
  A verdict's value is its position normalised to 0–1: index / (len(scale) − 1).
- Repeats: an item judged R times gets the mean of its R values. Its verdict, for agreement with
  humans, is the modal label (ties: the earliest repeat's).
- Self-agreement (over items judged at least twice): the share of agreeing pairs among an item's
  verdicts, averaged over items; flip rate: the share of items whose verdicts are not all equal.
- Noise: the judge's own uncertainty in the run's mean verdict,
  1.96 · sqrt(mean_i(s_i² / R_i) / n), with s_i² the sample variance of item i's R_i values — the
  half-width of a 95% band from judging alone. A comparison whose delta on a judge metric is
  within sqrt(noise_b² + noise_c²) is within the judge's own noise (`noise_callouts`).
- Agreement with humans: Cohen's kappa (Cohen 1960), κ = (p_o − p_e) / (1 − p_e), with p_o the
  observed agreement and p_e the agreement expected from the two raters' label frequencies; and
  the confusion table (judge rows × human columns). Equal to sklearn.metrics.cohen_kappa_score.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SUFFIXES = ("_self_agreement", "_flip_rate", "_noise", "_kappa")
NAME = re.compile(r"[a-z][a-z0-9_]*")


def scale_labels(scale: Sequence[Any]) -> list[str]:
    """The verdicts of a scale as strings, worst first (see the module docstring)."""
    items = list(scale)
    if len(items) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in items):
        lo, hi = items
        if hi <= lo or hi - lo > 100:
            raise ValueError(f"an integer scale [lo, hi] needs lo < hi and at most 101 steps (got {items})")
        return [str(v) for v in range(lo, hi + 1)]
    labels = [label_text(x) for x in items]
    if len(labels) < 2:
        raise ValueError("a scale needs at least two verdicts")
    if len({x.lower() for x in labels}) != len(labels) or any(not x for x in labels):
        raise ValueError(f"scale verdicts must be distinct and non-empty (got {labels})")
    return labels


def label_text(x: Any) -> str:
    """A verdict as text: booleans (YAML's yes/no) become yes/no; 4.0 becomes 4."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


def match_label(raw: Any, labels: Sequence[str]) -> str | None:
    """The scale's label for a verdict as given (case and quotes ignored), or None."""
    text = label_text(raw).strip(" \"'`*.").lower()
    for label in labels:
        if label.lower() == text:
            return label
    return None


def value_of(label: str, labels: Sequence[str]) -> float:
    return labels.index(label) / (len(labels) - 1)


_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_SCORE = re.compile(r"""["']?(?:score|verdict|label)["']?\s*[:=]\s*["']?([A-Za-z0-9_.\- ]+?)["']?\s*(?:[,}\n]|$)""",
                    re.IGNORECASE)


def parse_verdict(text: str, labels: Sequence[str]) -> tuple[str, str]:
    """(label, reasoning) from a judge's reply: a JSON object with `score` (or `verdict`/`label`)
    and `reasoning`, possibly inside a code fence; else a `score: X` line. ValueError otherwise."""
    reasoning = ""
    raw: Any = None
    m = _JSON_OBJECT.search(text or "")
    if m:
        try:
            obj = json.loads(m.group(0))
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            for key in ("score", "verdict", "label", "rating"):
                if key in obj:
                    raw = obj[key]
                    break
            reasoning = str(obj.get("reasoning") or obj.get("explanation") or obj.get("rationale") or "")
    if raw is None:
        s = _SCORE.search(text or "")
        if s:
            raw = s.group(1)
    if raw is None:
        raise ValueError(f"no score in the judge's reply: {(text or '')[:200]!r}")
    label = match_label(raw, labels)
    if label is None:
        raise ValueError(f"score {raw!r} is not on the scale ({', '.join(labels)})")
    return label, reasoning.strip()


def modal(labels: Sequence[str]) -> str:
    counts = Counter(labels)
    top = max(counts.values())
    return next(x for x in labels if counts[x] == top)


def cohen_kappa(judge: Sequence[str], human: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items; None if undefined (no items, or
    both raters used a single identical label: p_e = 1)."""
    n = len(judge)
    if n == 0 or n != len(human):
        return None
    p_o = sum(a == b for a, b in zip(judge, human, strict=True)) / n
    cj, ch = Counter(judge), Counter(human)
    p_e = sum(cj[c] * ch[c] for c in set(cj) | set(ch)) / (n * n)
    if math.isclose(p_e, 1.0):
        return None
    return (p_o - p_e) / (1 - p_e)


@dataclass(frozen=True)
class JudgeSummary:
    """How one judge metric behaved on one run."""

    metric: str
    n_items: int
    repeats: int
    mean: float | None
    self_agreement: float | None
    flip_rate: float | None
    noise: float | None
    flipped: list[str]
    errors: int
    kappa: float | None
    n_human: int
    confusion: dict[str, dict[str, int]]

    def metrics(self) -> dict[str, float]:
        """The aggregate-only run metrics: judge_<m>_self_agreement, _flip_rate, _noise, _kappa."""
        out: dict[str, float] = {}
        base = f"judge_{self.metric}"
        for suffix, value in (("_self_agreement", self.self_agreement), ("_flip_rate", self.flip_rate),
                              ("_noise", self.noise), ("_kappa", self.kappa)):
            if value is not None:
                out[base + suffix] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "n_items": self.n_items, "repeats": self.repeats, "mean": self.mean,
                "self_agreement": self.self_agreement, "flip_rate": self.flip_rate, "noise": self.noise,
                "flipped_items": self.flipped, "errors": self.errors, "kappa": self.kappa,
                "n_human_labels": self.n_human, "confusion": self.confusion}


def summarize(metric: str, verdicts: Mapping[str, Sequence[str]], labels: Sequence[str], *,
              errors: int = 0, human: Mapping[str, str] | None = None) -> JudgeSummary:
    """Summarise one metric's verdicts (item id → labels in repeat order, errors left out)."""
    judged = {i: list(v) for i, v in verdicts.items() if v}
    values = {i: [value_of(x, labels) for x in v] for i, v in judged.items()}
    mean = sum(sum(v) / len(v) for v in values.values()) / len(values) if values else None
    multi = {i: v for i, v in judged.items() if len(v) >= 2}
    agreement = flip_rate = noise = None
    flipped: list[str] = []
    if multi:
        shares = []
        for v in multi.values():
            pairs = len(v) * (len(v) - 1) / 2
            same = sum(c * (c - 1) / 2 for c in Counter(v).values())
            shares.append(same / pairs)
        agreement = sum(shares) / len(shares)
        flipped = sorted(i for i, v in multi.items() if len(set(v)) > 1)
        flip_rate = len(flipped) / len(multi)
        var = []
        for i in multi:
            x = values[i]
            m = sum(x) / len(x)
            var.append(sum((a - m) ** 2 for a in x) / (len(x) - 1) / len(x))
        noise = 1.96 * math.sqrt(sum(var) / len(var) / len(values))
    kappa = None
    confusion: dict[str, dict[str, int]] = {}
    pairs_jh: list[tuple[str, str]] = []
    for i, v in judged.items():
        h = (human or {}).get(i)
        if h is None:
            continue
        hl = match_label(h, labels)
        if hl is not None:
            pairs_jh.append((modal(v), hl))
    if pairs_jh:
        kappa = cohen_kappa([a for a, _ in pairs_jh], [b for _, b in pairs_jh])
        for a, b in pairs_jh:
            confusion.setdefault(a, {}).setdefault(b, 0)
            confusion[a][b] += 1
    return JudgeSummary(metric=metric, n_items=len(judged), repeats=max((len(v) for v in judged.values()), default=0),
                        mean=mean, self_agreement=agreement, flip_rate=flip_rate, noise=noise, flipped=flipped,
                        errors=errors, kappa=kappa, n_human=len(pairs_jh), confusion=confusion)


def noise_callouts(overall: Sequence[Any], baseline_metrics: Mapping[str, float],
                   candidate_metrics: Mapping[str, float]) -> list[str]:
    """Callouts for comparison rows on judge metrics whose delta lies within the judge's own
    noise (from repeats in either run; a run without repeats is assumed as noisy as the other)."""
    out: list[str] = []
    for row in overall:
        name = row.metric
        if not name.startswith("judge_") or name.endswith(SUFFIXES):
            continue
        nb, nc = baseline_metrics.get(f"{name}_noise"), candidate_metrics.get(f"{name}_noise")
        if nb is None and nc is None:
            continue
        b = nc if nb is None else nb
        c = nb if nc is None else nc
        assert b is not None and c is not None  # one of them is known (checked above)
        band = math.sqrt(b**2 + c**2)
        if abs(row.delta) <= band:
            out.append(f"{name}: the delta {row.delta:+.3f} is within the judge's own noise (±{band:.3f}); "
                       f"the judge cannot tell these runs apart on it")
    return out


def judge_prompt_identity(template_sha: str, metric: str, rubric: str, labels: Sequence[str]) -> str:
    """The judge prompt hash stored with each verdict: template, metric name, rubric and scale."""
    blob = json.dumps([template_sha, metric, rubric, list(labels)], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]
