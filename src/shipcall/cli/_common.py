"""Helpers shared by the commands: open the workspace, print JSON, progress to stderr."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from shipcall.app.workspace import Workspace


def workspace(ctx: click.Context) -> Workspace:
    from shipcall.app.workspace import Workspace

    return Workspace.open(ctx.find_root().obj.get("workspace") if ctx.find_root().obj else None)


def emit_json(obj: Any) -> None:
    """Exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")(f)


def fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return "-" if x is None else str(x)


def progress_bar(desc: str, unit: str) -> Any:
    """A `progress(done, total)` callback drawing a tqdm bar on stderr (hidden when not a
    terminal); call `.close()` on it when done."""
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit=unit, disable=None, leave=False)
        bar.n = done
        bar.refresh()

    def close() -> None:
        if bar is not None:
            bar.close()

    update.close = close  # type: ignore[attr-defined]
    return update
