"""`compare` and `gate` start numpy with one OpenBLAS thread (their BLAS work runs on one thread
anyway): set only before numpy is imported and never over the user's own setting."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = """
import os, sys
from shipcall.cli._common import blas_on_one_thread
blas_on_one_thread()
print(os.environ.get("OPENBLAS_NUM_THREADS"))
import numpy
blas_on_one_thread()
from threadpoolctl import threadpool_info
print(sorted({i["num_threads"] for i in threadpool_info() if i["internal_api"] == "openblas"}))
"""


def _probe(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    return subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                          check=True).stdout.split("\n")


def test_one_blas_thread_before_numpy_and_the_users_setting_wins():
    assert _probe(None)[:2] == ["1", "[1]"]
    assert _probe("2")[0] == "2"


def test_nothing_changes_once_numpy_is_imported():
    import numpy  # noqa: F401  (imported in this process already: the helper must leave the environment alone)

    from shipcall.cli._common import blas_on_one_thread

    before = os.environ.get("OPENBLAS_NUM_THREADS")
    blas_on_one_thread()
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before
