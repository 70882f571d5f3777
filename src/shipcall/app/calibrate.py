"""`shipcall calibrate`: choose a variant's abstention threshold on a dataset by cross-validation,
under a limit on false answers, and write it into a new variant.

The support score of an extractive answer does not depend on `min_score` (the threshold only
decides whether the answer is given), so one pass over the dataset gives every item's score,
and the whole trade-off curve follows from them (core/calibration.py). The chosen value goes
into a NEW variant that extends the calibrated one (`<variant>-calibrated`, or `--name`), with a
comment saying where it came from; the calibrated variant is never changed, so the new one can
be run and compared against it like any other candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shipcall.adapters.clock import now
from shipcall.app.datasets import parse_ref
from shipcall.app.feature import Feature
from shipcall.app.workspace import Workspace
from shipcall.config.write import add_variant, free_name
from shipcall.core.calibration import Calibration, Scored, calibrate
from shipcall.errors import ConfigError, DatasetError

KNOB = "min_score"  # the abstention knob of the extractive generator


@dataclass
class CalibrateOutcome:
    variant: str
    new_variant: str
    dataset: str
    dataset_version: int
    previous: float  # the calibrated variant's min_score
    calibration: Calibration
    config_path: Path


def run_calibration(ws: Workspace, dataset_ref: str, variant_name: str | None, max_false_answer: float, *,
                    folds: int = 5, seed: int = 0, new_name: str | None = None,
                    progress: Callable[[int, int], object] | None = None) -> CalibrateOutcome:
    name, variant = ws.variant(variant_name)
    previous = getattr(variant.generator, KNOB, None)
    if previous is None:
        raise ConfigError(f"variant {name!r} has no abstention threshold to calibrate "
                          f"(generator kind {variant.generator.kind!r})", field="--variant",
                          hint="calibrate sets `min_score` of an extractive generator; LLM generators decide "
                               "to abstain themselves")
    ds = ws.store.load_dataset(*parse_ref(dataset_ref))
    answerable = sum(1 for it in ds.items if it.answerable)
    unanswerable = len(ds.items) - answerable
    if unanswerable < folds or answerable < folds:
        raise DatasetError(
            f"{ds.name}@{ds.version} has {answerable} answerable and {unanswerable} unanswerable items; "
            f"calibrating with {folds} folds needs at least {folds} of each", field="answerable",
            hint="add questions the documents do not cover, marked `\"answerable\": false`, "
                 "or lower --folds")
    if new_name is not None and new_name == name:
        raise ConfigError("the new variant must have a new name", field="--name",
                          hint=f"calibrate never changes {name!r}; pick another name")
    target = new_name or free_name(ws.config_path, f"{name}-calibrated")
    feature = Feature.open(ws, name)
    scored: list[Scored] = []
    for i, item in enumerate(ds.items, start=1):
        answer = feature.answer(item.question).answer
        scored.append(Scored(item.answerable, float(answer.support)))
        if progress:
            progress(i, len(ds.items))
    result = calibrate(scored, max_false_answer, folds=folds, seed=seed)
    comment = (f"written by `shipcall calibrate` on {now()[:10]} from {ds.name}@{ds.version} "
               f"({answerable} answerable, {unanswerable} unanswerable items):\n"
               f"at most {max_false_answer:.0%} false answers; cross-validated ({folds} folds): "
               f"false answers {result.cv_false_answers.rate:.0%}, refusals {result.cv_refusals.rate:.0%}")
    add_variant(ws.config_path, target, {"description": f"{name} with {KNOB} calibrated on {ds.name}@{ds.version}",
                                         "extends": name, "generator": {KNOB: result.threshold}}, comment)
    return CalibrateOutcome(name, target, ds.name, ds.version, float(previous), result, ws.config_path)
