"""Progress on stderr: one policy for every long step (adapters/progress.py). A terminal gets a
live tqdm bar; anything else (CI logs, files, programs reading stderr) gets the same line as
plain lines; SHIPCALL_PROGRESS=off silences it and a number sets the seconds between lines.
Checked by configuration and by SHIPCALL_PROGRESS=0 (a line per update), never by timing."""

from __future__ import annotations

import io

import pytest

from shipcall.adapters.progress import DELAY_SECONDS, LINE_SECONDS, announce, library_bars, progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drive(bar: object, n: int) -> None:
    for _ in range(n):
        bar.update(1)  # type: ignore[attr-defined]
    bar.close()  # type: ignore[attr-defined]


def test_not_a_terminal_gets_whole_lines_with_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPCALL_PROGRESS", "0")
    out = io.StringIO()
    _drive(progress_bar(3, "embed", "chunk", stream=out), 3)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert [line.split("|")[-1].split()[0] for line in lines] == ["0/3", "1/3", "2/3", "3/3"]
    assert all(line.startswith("embed:") and "chunk/s" in line or "?chunk/s" in line for line in lines)


def test_by_default_lines_wait_a_second_then_come_every_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPCALL_PROGRESS", raising=False)
    bar = progress_bar(100, "run", "item", stream=io.StringIO())
    assert (bar.delay, bar.mininterval, bar.line_every) == (DELAY_SECONDS, DELAY_SECONDS, LINE_SECONDS)
    bar.close()
    monkeypatch.setenv("SHIPCALL_PROGRESS", "30")
    bar = progress_bar(100, "run", "item", stream=io.StringIO())
    assert bar.line_every == 30 and bar.delay == DELAY_SECONDS
    bar.close()
    known_long = progress_bar(100, "embed", "chunk", show=True, stream=(out := io.StringIO()))
    assert known_long.delay == 0 and out.getvalue().startswith("embed:   0%")  # at once
    known_long.close()


def test_a_terminal_gets_a_live_bar_that_clears(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPCALL_PROGRESS", raising=False)
    out = Terminal()
    _drive(progress_bar(5, "index", "chunk", show=True, stream=out), 5)
    text = out.getvalue()
    assert text.startswith("\rindex:") and "\n" not in text  # redrawn in place, then cleared
    assert library_bars(None, Terminal()) and not library_bars(None, io.StringIO())


@pytest.mark.parametrize("how", ["env", "quiet"])
def test_off_means_nothing(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    if how == "env":
        monkeypatch.setenv("SHIPCALL_PROGRESS", "off")
    out = Terminal()
    _drive(progress_bar(3, "run", "item", show=how != "quiet", stream=out), 3)
    announce("index: scoring 30,000 chunks", False if how == "quiet" else None, io.StringIO())
    assert out.getvalue() == "" and not library_bars(False if how == "quiet" else None, Terminal())


def test_a_step_without_counts_is_announced_where_no_bar_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPCALL_PROGRESS", raising=False)
    log, tty = io.StringIO(), Terminal()
    announce("index: scoring 30,000 chunks", None, log)
    announce("index: scoring 30,000 chunks", None, tty)  # the library's own bar shows there
    assert log.getvalue() == "index: scoring 30,000 chunks …\n" and tty.getvalue() == ""
