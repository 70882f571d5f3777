"""Every operational failure is a clear message (exit 2, no traceback): a corrupt, truncated or
empty store, a read-only store, a full disk, an unwritable --out, absurd --since values,
invalid names. Store files are owner-only. (security review D12, D13, D14, D17, D18, D25)"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Shipcall


@pytest.fixture
def wsdir(tmp_path: Path, sc: Shipcall) -> Path:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(FIXTURES / "corpus"), cwd=ws)
    sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t", cwd=ws)
    return ws


def clear_error(p: subprocess.CompletedProcess[str], *words: str) -> None:
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and "this is a bug" not in p.stderr, p.stderr
    assert p.stderr.startswith("error: "), p.stderr
    for w in words:
        assert w in p.stderr, p.stderr


def checkpoint(db: Path) -> None:
    import sqlite3

    c = sqlite3.connect(db)
    c.execute("pragma wal_checkpoint(TRUNCATE)")
    c.close()


def test_a_corrupt_store_names_the_file(wsdir: Path, sc: Shipcall) -> None:
    db = wsdir / ".shipcall" / "shipcall.db"
    checkpoint(db)
    with db.open("r+b") as f:
        f.write(b"GARBAGEGARBAGEGA")
    clear_error(sc("runs", cwd=wsdir, check=None), str(db), "corrupt", "hint:")


def test_an_empty_store_file_is_not_silently_a_new_store(wsdir: Path, sc: Shipcall) -> None:
    db = wsdir / ".shipcall" / "shipcall.db"
    checkpoint(db)
    db.write_bytes(b"")
    clear_error(sc("runs", cwd=wsdir, check=None), str(db), "empty")
    assert db.stat().st_size == 0  # left as found, for the person to restore


def test_a_read_only_store_is_a_clear_message(wsdir: Path, sc: Shipcall) -> None:
    db = wsdir / ".shipcall" / "shipcall.db"
    env = {**os.environ, "SHIPCALL_STORE": f"sqlite:///file:{db}?mode=ro&uri=true"}
    for args in (["ingest"], ["dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "ro"]):
        p = subprocess.run([sys.executable, "-m", "shipcall", *args], cwd=wsdir, env=env, capture_output=True,
                           text=True, timeout=120)
        clear_error(p, str(db), "cannot be written")
    ok = subprocess.run([sys.executable, "-m", "shipcall", "runs"], cwd=wsdir, env=env, capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr  # reading still works


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    p = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                        "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs $d"], capture_output=True)
    return p.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a user+mount namespace for a small tmpfs")
def test_a_full_disk_is_a_clear_message_and_the_store_stays_usable(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(60):  # ~2.5 MB of distinct words: more than the 1 MB disk can hold
        (docs / f"d{i}.md").write_text(f"# Doc {i}\n\n" + " ".join(f"w{i}x{j}" for j in range(5000)))
    disk = tmp_path / "disk"
    disk.mkdir()
    py = sys.executable
    script = (f"mount -t tmpfs -o size=1m tmpfs {disk} && cd {disk} && {py} -m shipcall init ws >/dev/null && "
              f"cd ws && {py} -m shipcall ingest {docs}; echo rc=$?; {py} -m shipcall runs; echo rc=$?")
    p = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                       capture_output=True, text=True, timeout=300)
    assert "rc=2" in p.stdout.splitlines()[0], p.stdout + p.stderr
    assert "Traceback" not in p.stderr and "full" in p.stderr, p.stderr
    assert p.stdout.splitlines()[-1] == "rc=0", p.stdout + p.stderr  # the store is intact afterwards


def test_store_files_are_owner_only(wsdir: Path) -> None:
    """The store's files are 0600 and every folder under .shipcall is 0700 (so no file below it,
    index or embedding cache, can be read by another user)."""
    state = wsdir / ".shipcall"
    for p in [state, *state.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if p.is_dir() or p.name.startswith("shipcall.db"):
            assert mode & 0o077 == 0, f"{p.relative_to(wsdir)} is {oct(mode)}"


def test_a_loosened_store_file_is_tightened_again(wsdir: Path, sc: Shipcall) -> None:
    db = wsdir / ".shipcall" / "shipcall.db"
    os.chmod(db, 0o644)
    sc("runs", cwd=wsdir)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.parametrize("since", ["9999999999d", "99999999999w", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59-14:00"])
def test_absurd_since_values_are_clear_errors(wsdir: Path, sc: Shipcall, since: str) -> None:
    clear_error(sc("logs", "--since", since, cwd=wsdir, check=None), "--since", repr(since))


def test_absurd_since_in_drift_and_monitor(wsdir: Path, sc: Shipcall) -> None:
    clear_error(sc("drift", "--dataset", "t", "--since", "9999999999d", cwd=wsdir, check=None), "--since")
    clear_error(sc("monitor", "--since", "99999999999w", cwd=wsdir, check=None), "--since")


def test_out_into_a_missing_folder_or_an_empty_name_or_a_full_device(wsdir: Path, sc: Shipcall) -> None:
    sc("run", "--dataset", "t", cwd=wsdir)
    clear_error(sc("export", "r1", "--out", str(wsdir / "no" / "such" / "x.jsonl"), cwd=wsdir, check=None),
                "does not exist", "--out")
    clear_error(sc("export", "r1", "--out", "", cwd=wsdir, check=None), "--out")
    if Path("/dev/full").exists():
        clear_error(sc("export", "r1", "--out", "/dev/full", cwd=wsdir, check=None), "/dev/full")
    before = sc("decisions", "--json", cwd=wsdir).stdout
    clear_error(sc("gate", "--baseline", "r1", "--candidate", "r1", "--junit", str(wsdir / "no" / "g.xml"),
                   cwd=wsdir, check=None), "--junit")
    assert sc("decisions", "--json", cwd=wsdir).stdout == before  # refused before a decision is recorded


@pytest.mark.parametrize("name", ["", "a@b", "nl\nname", "has space", "a/b", "-dash-first"])
def test_dataset_names_are_validated(wsdir: Path, sc: Shipcall, name: str) -> None:
    clear_error(sc("dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", name, cwd=wsdir, check=None),
                "not a valid dataset name", "--name")


def test_variant_names_are_validated(tmp_path: Path) -> None:
    from shipcall.config.load import load_workspace_config
    from shipcall.errors import ConfigError

    path = tmp_path / "shipcall.yaml"
    path.write_text("variants:\n  'a@b': {}\n")
    with pytest.raises(ConfigError, match="not a valid variant name"):
        load_workspace_config(path)
    path.write_text("variants:\n  base-line_2.x: {}\n")
    assert list(load_workspace_config(path).variants) == ["base-line_2.x"]
