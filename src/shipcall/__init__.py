"""shipcall: ship AI features with evidence.

The public Python API: the same use cases the CLI runs, as functions over a `Workspace`.

    import shipcall
    ws = shipcall.init_workspace("my-ws")              # or shipcall.Workspace.open("my-ws")
    ws = shipcall.Workspace.open(ws)
    shipcall.ingest(ws, "docs/")
    ds = shipcall.import_dataset(ws, "questions.jsonl", "support")
    base = shipcall.run(ws, ws.store.load_dataset("support"), "baseline").run
    cand = shipcall.run(ws, ws.store.load_dataset("support"), "candidate").run
    decision, report = shipcall.gate(ws, base.id, cand.id, ws.contract())

Names load lazily (PEP 562), so `import shipcall` and `shipcall --help` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from shipcall._version import __version__

_EXPORTS = {
    "Workspace": "shipcall.app.workspace",
    "init_workspace": "shipcall.app.init",
    "ingest": "shipcall.app.ingest",
    "import_dataset": "shipcall.app.datasets",
    "dataset_summary": "shipcall.app.datasets",
    "Feature": "shipcall.app.feature",
    "run": "shipcall.app.run",
    "run_variant": "shipcall.app.run",
    "sweep": "shipcall.app.sweep",
    "compare_runs": "shipcall.app.decisions",
    "gate": "shipcall.app.decisions",
    "override_decision": "shipcall.app.decisions",
    "dataset_health": "shipcall.app.decisions",
    "failures": "shipcall.app.failures",
    "drift": "shipcall.app.production",
    "monitor_canary": "shipcall.app.production",
    "Server": "shipcall.app.serving",
    "Redactor": "shipcall.app.redact",
    "ShipcallError": "shipcall.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shipcall' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
