"""A faster run loop gives the same results: today's runs equal the fixtures written by the code
before the speed work (tests/runner/identical.py says how they were made), item by item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.runner.identical import SAMPLE_FIXTURE, SCIFACT_FIXTURE, sample_results, scifact_digests


def _differences(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for variant, w in want.items():
        g = got.get(variant)
        if g is None:
            out.append(f"{variant}: not run")
            continue
        for key in ("metrics", "cohorts"):
            if g[key] != w[key]:
                out.append(f"{variant} {key}: {json.dumps(g[key])[:300]} != {json.dumps(w[key])[:300]}")
        for item_id, wi in w["items"].items():
            gi = g["items"].get(item_id)
            if gi != wi:
                out.append(f"{variant} {item_id}: got {gi} want {wi}")
        out.extend(f"{variant} {extra}: not in the fixture" for extra in set(g["items"]) - set(w["items"]))
    return out


def test_sample_runs_equal_the_results_before_the_speed_work(tmp_path: Path) -> None:
    want = json.loads(SAMPLE_FIXTURE.read_text(encoding="utf-8"))
    got = sample_results(tmp_path / "sample")
    diffs = _differences(want, got)
    assert not diffs, f"{len(diffs)} differences, first: " + "\n".join(diffs[:10])


def test_the_comparison_sees_a_changed_answer(tmp_path: Path) -> None:
    """The check above is not vacuous: one changed support score is a difference."""
    want = json.loads(SAMPLE_FIXTURE.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(want))
    item = next(iter(got["baseline"]["items"].values()))
    item["support"] = round(item["support"] + 0.001, 6)
    assert len(_differences(want, got)) == 1


def test_scifact_run_equals_the_results_before_the_speed_work(tmp_path: Path, shared_data: Path) -> None:
    want = json.loads(SCIFACT_FIXTURE.read_text(encoding="utf-8"))
    got = scifact_digests(tmp_path / "scifact", shared_data / "scifact-train")
    assert got["metrics"] == want["metrics"]
    changed = sorted(i for i in want["items"] if got["items"].get(i) != want["items"][i])
    assert not changed, f"{len(changed)} of {len(want['items'])} items differ, e.g. {changed[:5]}"
