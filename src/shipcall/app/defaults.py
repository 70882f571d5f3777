"""What a command uses when the person leaves an argument out, said out loud.

A first-hour user runs one dataset and two variants; making them look up `r1` and `r2` or repeat
`--dataset` adds commands without adding evidence. Every default here is announced by the caller
(`chosen` sentence), and is refused when it would be a guess (two datasets, no second variant).
"""

from __future__ import annotations

from dataclasses import dataclass

from shipcall.app.workspace import Workspace
from shipcall.errors import DatasetError, NotFoundError


def default_dataset(ws: Workspace) -> str:
    """The only dataset's name; with none or several, an error that lists them."""
    names = sorted({str(v["name"]) for v in ws.store.dataset_versions()})
    if len(names) == 1:
        return names[0]
    if not names:
        raise NotFoundError("no dataset yet", hint="import one (`shipcall dataset import FILE --name NAME`) or draft "
                                                   "one (`shipcall dataset draft --name NAME --accept`)")
    raise DatasetError(f"{len(names)} datasets: {', '.join(names)}", hint="choose one with --dataset NAME")


@dataclass(frozen=True)
class Pair:
    baseline: str
    candidate: str
    chosen: str  # the sentence that says what was picked, or "" when both were given


def default_pair(ws: Workspace, baseline: str | None, candidate: str | None) -> Pair:
    """Fill in a left-out run: the candidate is the newest finished run; the baseline is the newest
    finished run of another variant on the candidate's dataset version."""
    if baseline is not None and candidate is not None:
        return Pair(baseline, candidate, "")
    finished = [r for r in ws.reader.runs() if r.status == "finished"]
    hint = "name both runs (ids from `shipcall runs`)"
    cand = ws.reader.get_run(candidate) if candidate is not None else (finished[0] if finished else None)
    if cand is None:
        raise NotFoundError("no finished run to compare", hint="run a variant first: `shipcall run`")
    if baseline is not None:
        return Pair(baseline, cand.id, f"candidate {cand.id} ({cand.variant}): the newest finished run")
    base = next((r for r in finished if r.variant != cand.variant and r.dataset == cand.dataset
                 and r.dataset_version == cand.dataset_version), None)
    if base is None:
        raise NotFoundError(f"no finished run of another variant on {cand.dataset}@{cand.dataset_version} to compare "
                            f"{cand.id} ({cand.variant}) with", hint=hint)
    what = "the newest finished runs" if candidate is None else "the newest finished run of another variant"
    return Pair(base.id, cand.id, f"{base.id} ({base.variant}) → {cand.id} ({cand.variant}): {what} on "
                                  f"{cand.dataset}@{cand.dataset_version}")
