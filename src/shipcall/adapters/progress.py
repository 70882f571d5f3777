"""Progress for long work on stderr, one policy for every step (reading files, chunking,
embedding, index builds, runs, sweeps, judging).

- On a terminal: a live tqdm bar (counts, rate, ETA), shown once the step has lasted a second
  and cleared when it ends, so quick steps print nothing.
- Anywhere else (CI logs, `2> file`, a program or an agent reading the output): the same tqdm
  line written as a plain line, without carriage returns, once the step has lasted a second and
  then at most every 10 s, with a last line when it ends. tqdm's own default (`disable=None`)
  hides bars when stderr is not a terminal; that is exactly where a 15-minute embedding looked
  hung, so shipcall keeps them, as lines a log file can hold.
- `SHIPCALL_PROGRESS=off` turns progress off everywhere; `SHIPCALL_PROGRESS=N` writes a line at
  most every N seconds when stderr is not a terminal (0: at every update, no initial delay).

Callers pass `show`: None (this policy), False (never: `--quiet`), True (show from the start,
for steps known to be long).
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import IO, Any

LINE_SECONDS = 10.0  # between lines when stderr is not a terminal
DELAY_SECONDS = 1.0  # steps shorter than this print nothing


def progress_bar(total: int | None, desc: str, unit: str, *, show: bool | None = None,
                 stream: IO[str] | None = None) -> Any:
    """A tqdm bar on `stream` (default: stderr) following the policy above. Use `update(n)`
    (which respects the intervals), not `refresh()`; `close()` at the end."""
    stream = stream if stream is not None else sys.stderr
    cls = _bar_classes()
    if _off(show):
        return cls[0](total=total, disable=True)
    tty = _is_tty(stream)
    every = _seconds(os.environ.get("SHIPCALL_PROGRESS", "").strip().lower())
    delay = 0.0 if show or every == 0 else DELAY_SECONDS
    if tty:
        return cls[0](total=total, desc=desc, unit=unit, file=stream, leave=False, dynamic_ncols=True,
                      delay=delay, mininterval=0.1)
    return cls[1](total=total, desc=desc, unit=unit, file=_Lines(stream), leave=True, ncols=100, ascii=True,
                  delay=delay, mininterval=min(delay, every), maxinterval=max(every, 1.0), line_every=every)


def _off(show: bool | None) -> bool:
    return show is False or os.environ.get("SHIPCALL_PROGRESS", "").strip().lower() in ("off", "no", "false", "none")


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def library_bars(show: bool | None, stream: IO[str] | None = None) -> bool:
    """Whether a library may draw its own tqdm bars (bm25s's scoring, which has no progress
    hook): on a terminal only, where its carriage returns redraw in place."""
    return not _off(show) and _is_tty(stream if stream is not None else sys.stderr)


def announce(message: str, show: bool | None, stream: IO[str] | None = None) -> None:
    """One line saying a long step without counts has started, where a library's own bar
    would not be seen (stderr is not a terminal)."""
    stream = stream if stream is not None else sys.stderr
    if not _off(show) and not _is_tty(stream):
        stream.write(f"{message} …\n")
        stream.flush()


def notice(message: str, show: bool | None, stream: IO[str] | None = None) -> None:
    """One line worth reading wherever stderr goes (a rebuild that will take a while and why),
    except under `--quiet` (show False)."""
    if show is not False:
        stream = stream if stream is not None else sys.stderr
        stream.write(f"{message}\n")
        stream.flush()


def _seconds(setting: str) -> float:
    try:
        return max(0.0, float(setting)) if setting else LINE_SECONDS
    except ValueError:
        return LINE_SECONDS


class _Lines:
    """A stream for tqdm that turns its carriage-return redraws into whole lines. Written here
    because tqdm has no line mode: its bars assume a terminal that honours '\\r'. tqdm writes
    '\\r' + bar + padding to redraw and blanks to clear; those become one line, or nothing."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, s: str) -> int:
        text = s.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")
        return len(s)

    def flush(self) -> None:
        self.stream.flush()


@cache
def _bar_classes() -> tuple[type, type]:
    """(tqdm, the line bar): built on first use so that importing shipcall does not import tqdm."""
    from tqdm import tqdm

    class LineBar(tqdm):
        """After its first line, a line bar waits `line_every` seconds between lines."""

        def __init__(self, *args: Any, line_every: float = LINE_SECONDS, **kwargs: Any) -> None:
            self.line_every = line_every
            super().__init__(*args, **kwargs)

        def display(self, *args: Any, **kwargs: Any) -> Any:
            shown = super().display(*args, **kwargs)
            self.mininterval = self.line_every
            return shown

        def close(self) -> None:
            if getattr(self, "last_print_n", None) == self.n:  # the last line already says it
                self.leave = False
            super().close()

    return tqdm, LineBar
