"""One `shipcall run` per run identity at a time, on this machine.

Two identical `shipcall run` commands started together would both resume the same run and race
on its items. The first takes an exclusive lock on `.shipcall/locks/run-KEY.lock` (KEY: a hash of
the variant, dataset version, corpus version and options) and writes `rN pid` into it; the
second either stops with "run rN is already in progress (pid P)" (exit 2) or, with `--wait`,
waits for the lock. The kernel releases the lock when its process ends, also under kill -9, so
a crash never leaves a stale lock. (A store shared by several machines relies on the store's
unique (run, item) constraint instead: a duplicate item is skipped, never an error.)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shipcall.errors import ShipcallError


class RunInProgress(ShipcallError):
    """An identical run is being executed by another process."""


def run_key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


@contextmanager
def run_lock(folder: Path, key: str, *, wait: bool = False,
             on_wait: Callable[[str], object] | None = None) -> Iterator[Callable[[str], None]]:
    """Hold the lock for `key` while the block runs; yields `claim(run_id)`, which records the
    run id beside this process's pid for the message another process shows."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no guard beyond the store's constraints
        yield lambda _rid: None
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"run-{key}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            if not wait:
                raise RunInProgress(
                    holder, hint=f"wait for it to finish, or pass --wait to wait for it and then run "
                                 f"(lock: {path})") from None
            if on_wait is not None:
                on_wait(f"waiting: {holder}")
            fcntl.flock(fd, fcntl.LOCK_EX)

        def claim(run_id: str) -> None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{run_id} {os.getpid()}\n".encode(), 0)

        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield claim
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """"run rN is already in progress (pid P)", as far as the holder has written its line."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
    except OSError:
        text = []
    if len(text) >= 2:
        return f"run {text[0]} is already in progress (pid {text[1]})"
    if len(text) == 1:  # the holder has not created or found its run yet
        return f"an identical run is already in progress (pid {text[0]})"
    return "an identical run is already in progress"
