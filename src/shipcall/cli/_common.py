"""Helpers shared by the commands: open the workspace, print JSON, progress to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from shipcall.app.workspace import Workspace


def workspace(ctx: click.Context) -> Workspace:
    from shipcall.app.workspace import Workspace

    return Workspace.open(ctx.find_root().obj.get("workspace") if ctx.find_root().obj else None)


def blas_on_one_thread() -> None:
    """For `compare` and `gate`, whose only BLAS work is the bootstrap's matrix products, which
    run on one BLAS thread anyway (core/stats/bootstrap.py, `one_blas_thread`): OpenBLAS then
    need not start its pool of threads when numpy is imported, which cost such a process about
    0.05 s of CPU and as much wall time on this 2-core machine (a third of numpy's import).
    Only before numpy is imported (afterwards it changes nothing), and never over a setting
    the user made."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


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


def check_output_path(path: str, *, field: str) -> Path:
    """An output file the command can create: a name, in a folder that exists (checked before
    any work, so a typo in `--out` costs nothing)."""
    from shipcall.errors import ConfigError

    if not path or not str(path).strip():
        raise ConfigError("empty file name", field=field, hint="give a file path, e.g. --out results.jsonl")
    p = Path(path).expanduser()
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise ConfigError(f"{p} is a folder", field=field, hint="give a file path inside it")
    if not parent.is_dir():
        raise ConfigError(f"the folder {parent} does not exist", file=str(p), field=field,
                          hint=f"create it first (mkdir -p {parent}) or write somewhere else")
    return p


@contextmanager
def output_file(path: str, *, field: str) -> Iterator[TextIO]:
    """Open `path` for writing; any failure (no such folder, permission, a full disk) is a
    ShipcallError naming the file, never a traceback."""
    from shipcall.errors import ConfigError

    p = check_output_path(path, field=field)
    try:
        with p.open("w", encoding="utf-8") as f:
            yield f
    except OSError as e:
        raise ConfigError(f"cannot write: {e.strerror or e}", file=str(p), field=field,
                          hint="check the path, its permissions and the free disk space") from None


def write_output(path: str, text: str, *, field: str) -> None:
    with output_file(path, field=field) as f:
        f.write(text)


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
