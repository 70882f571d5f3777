"""Where the CPU of a `shipcall compare r1 r2` process goes, stage by stage (benchmarks/compare.py
runs it in a process of its own per repeat). Only the standard library is imported before the
first mark, so the interpreter's start-up and each import are the command's own.

    python benchmarks/compare_stages.py WORKSPACE    # prints {stage: CPU seconds} as JSON
"""

from __future__ import annotations

import json
import sys
import time


def main(root: str) -> None:
    """In a process of its own: the CPU time of each stage of `shipcall compare r1 r2` as the
    command runs them (imports in the order the command makes them), printed as JSON."""
    clock = time.process_time
    out: dict[str, float] = {"interpreter start-up (site, .pth files)": clock()}
    last = [clock()]

    def mark(name: str) -> None:
        now = clock()
        out[name] = out.get(name, 0.0) + now - last[0]
        last[0] = now

    import click  # noqa: F401

    import shipcall.cli.main  # noqa: F401
    from shipcall.cli._common import blas_on_one_thread

    blas_on_one_thread()  # as the command does before numpy is imported
    mark("click and the command line")
    import numpy  # noqa: F401
    mark("import numpy")
    import shipcall.config.contract  # noqa: F401
    from shipcall.app.workspace import Workspace
    mark("import the config and contract models (pydantic, yaml)")
    import shipcall.core.stats.dist  # noqa: F401
    mark("import scipy.special's compiled functions (core/stats/dist.py)")
    import shipcall.app.decisions as decisions
    from shipcall.render.text import print_report  # noqa: F401
    mark("import the rest of shipcall")
    ws = Workspace.open(root)
    contract = ws.contract(None)
    import gc

    gc.freeze()  # as the command does here (adapters/heap.py, in the shipcall process itself)
    loader = decisions.Loader(ws)
    b, c = decisions.load_run(ws, "r1", loader), decisions.load_run(ws, "r2", loader)
    mark("read the workspace, contract, both runs and their dataset")
    tags = {i: it.tags for i, it in b.items.items()} | {i: it.tags for i, it in c.items.items()}
    decisions.compare(b.values, c.values, tags, contract, seed=0)
    mark("the statistics (core.compare)")
    decisions.dataset_health(ws, c.run.dataset, c.run.dataset_version, contract, None, loader)
    mark("dataset health")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
