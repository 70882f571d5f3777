"""Run the real `shipcall` command in a subprocess, as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


class Shipcall:
    def __call__(self, *args: str, cwd: Path, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=cwd, capture_output=True, text=True,
                           timeout=300)
        if check is not None:
            assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        return p


@pytest.fixture
def sc() -> Shipcall:
    return Shipcall()
