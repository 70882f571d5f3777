"""What `compare` and `gate` do for a one-shot process: numpy started with one OpenBLAS thread
(their BLAS work runs on one anyway), set only before numpy is imported and never over the
user's own setting; what is loaded kept frozen out of the garbage collector's sight until the
end only in the shipcall process itself, never in a process that runs the commands in-process
(as tests do)."""

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


_MAIN = """
import atexit, gc, sys
from shipcall.adapters import heap
from shipcall.cli.main import main
atexit.register(lambda: print(heap._ONE_SHOT, gc.get_freeze_count() > 0))
{call}
"""


def test_only_the_shipcall_process_itself_keeps_what_it_froze():
    def run(call: str) -> str:
        return subprocess.run([sys.executable, "-c", _MAIN.format(call=call)], capture_output=True, text=True,
                              check=False).stdout.split("\n")[-2]

    assert run("sys.argv = ['shipcall', '--help']; main()") == "True False"  # the process; --help freezes nothing
    assert run("main(['--help'])") == "False False"  # called with arguments: another program's process
    frozen = "with heap.long_lived_frozen(): pass"
    assert run(f"heap.one_shot_process()\n{frozen}") == "True True"  # kept until the process ends
    assert run(frozen) == "False False"  # given back: collectable again
