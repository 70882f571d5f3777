"""Shared fixtures: a real workspace (real SQLite file) over a tiny committed corpus; the test
tiers; and the one place that finds the public data sets.

Tiers: `pytest` runs the fast tier (minutes). `pytest --runslow` adds the tests marked
`@pytest.mark.slow` (simulations, embedding, full data sets, kill -9, load and browser tests)
and every test that uses the public data (`shared_data`), which are slow by definition.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The tests test the tree they are in, whichever shipcall is installed (another worktree's editable
# install, an older release): this process and every `python -m shipcall` it starts import ../src.
SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
os.environ["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA_FIXTURES = {"shared_data", "squad_ws", "scifact_slice", "dense_ws"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the slow tier: simulations, embedding, full data sets, browser and load tests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: slow tier, run with --runslow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--runslow")
    skip = pytest.mark.skip(reason="slow tier: run with --runslow")
    for item in items:
        if DATA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if not run_slow and "slow" in item.keywords:
            item.add_marker(skip)


def data_dir() -> Path:
    """The public data sets: $SHIPCALL_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("SHIPCALL_DATA", SHARED_DATA))


def require_data(path: Path) -> Path:
    """`path` inside the public data; under CI a missing one fails the test (never a silent skip)."""
    if not path.exists():
        msg = (f"the public data sets are not at {path}: they live in the shipcall team's shared/data folder "
               "(SciFact, a SQuAD 2.0 slice, ...); put it beside the repository or set SHIPCALL_DATA")
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def pg_cluster():  # noqa: ANN201 - yields a tests.pg.PgCluster
    """A throwaway PostgreSQL on 127.0.0.1 for this test process (started once, stopped at the end).
    Without Debian's postgresql or the `postgres` extra the Postgres tests skip, except under CI,
    where .ci/run installs both and a missing one fails."""
    from tests.pg import PgCluster, pg_bin

    missing = None
    if pg_bin() is None:
        missing = "PostgreSQL is not installed (apt-get install postgresql)"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            missing = "the postgres extra is not installed (pip install -e '.[postgres]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's URL: a SQLite file, and (the second parameter) a Postgres database copied
    from a migrated template (the cluster starts once per test process, in seconds)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    pg = request.getfixturevalue("pg_cluster")
    return pg.new_database(template=pg.migrated_template())


@pytest.fixture
def shared_data() -> Path:
    return require_data(data_dir())


def write_squad_slice(src: Path, out: Path, n: int) -> None:
    """A corpus folder (one paragraph a document) and items.jsonl from the first `n` articles of
    a SQuAD 2.0 file, as the acceptance checks build it."""
    arts = json.loads(src.read_text(encoding="utf-8"))["data"][:n]
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    with (out / "items.jsonl").open("w", encoding="utf-8") as items:
        for a, art in enumerate(arts):
            for p, para in enumerate(art["paragraphs"]):
                doc = f"a{a:02d}-p{p:03d}.txt"
                (out / "corpus" / doc).write_text(para["context"], encoding="utf-8")
                for qa in para["qas"]:
                    golds = list(dict.fromkeys(x["text"] for x in qa["answers"]))
                    imp = qa.get("is_impossible", False)
                    items.write(json.dumps({
                        "id": qa["id"], "question": qa["question"], "answers": [] if imp else golds,
                        "answerable": not imp, "evidence": [] if imp else [doc],
                        "tags": {"article": art["title"], "kind": "unanswerable" if imp else "answerable"},
                    }) + "\n")
    (out / "dev-slice.json").write_text(json.dumps({"version": "v2.0", "data": arts}), encoding="utf-8")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "corpus", dst)
    return dst


@pytest.fixture
def ws(tmp_path: Path, corpus_dir: Path):  # noqa: ANN201 - returns a Workspace
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    root = init_workspace(tmp_path / "ws", extra_variants=(
        "  small:\n    extends: baseline\n    chunker: {kind: fixed, size: 20, overlap: 5}\n"
        "  doc:\n    chunker: {kind: document}\n    retriever: {kind: bm25, k: 10}\n"
        "    generator: {kind: extractive}\n"))
    return Workspace(root)


@pytest.fixture
def ingested(ws, corpus_dir: Path):  # noqa: ANN001, ANN201
    from shipcall.app.ingest import ingest

    ingest(ws, str(corpus_dir))
    return ws



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


@pytest.fixture
def squad_ws(tmp_path: Path, shared_data: Path, sc: Shipcall) -> Path:
    write_squad_slice(shared_data / "squad2-train5" / "train-v2.0-articles0-4.json", tmp_path, 5)
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(tmp_path / "corpus"), cwd=ws)
    sc("dataset", "import", str(tmp_path / "items.jsonl"), "--name", "squad", cwd=ws)
    return ws
