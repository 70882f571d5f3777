"""A throwaway PostgreSQL cluster for the tests: Debian's `postgresql` binaries, `initdb` into a
temporary folder, `pg_ctl start` on a free port of 127.0.0.1 (and a socket in that folder), run as
the unprivileged `postgres` user when the tests run as root (initdb refuses root). Each test
gets a database of its own (`new_database`); the cluster is stopped and removed at the end.

Hand-written rather than pytest-postgresql: this is the ~60 lines it needs, with no plugin whose
own fixtures and options would load in every test run."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")


def pg_bin() -> Path | None:
    """The newest installed server's bin folder (Debian keeps one folder per major version)."""
    found = sorted((p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    def __init__(self) -> None:
        binary = pg_bin()
        if binary is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
        self.bin = binary
        self.dir = Path(tempfile.mkdtemp(prefix="shipcall-pg-"))
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = "postgres"
            try:
                subprocess.run(["id", user], check=True, capture_output=True)
            except subprocess.CalledProcessError:
                user = "nobody"
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, user)
            self._as = ["runuser", "-u", user, "--"]

    def _run(self, *args: str) -> None:
        p = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {p.stdout}\n{p.stderr}")

    def start(self) -> PgCluster:
        data = str(self.dir / "data")
        self._run(str(self.bin / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", data, "-l", str(self.dir / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def new_database(self, prefix: str = "t", *, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); its SQLAlchemy URL."""
        from sqlalchemy import create_engine, text

        name = f"{prefix}{os.getpid()}_{next(self._names)}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        finally:
            engine.dispose()
        return self.url(name)

    def migrated_template(self) -> str:
        """The name of a database with every migration applied, made once: new stores are copied
        from it (a file copy inside Postgres) instead of being migrated one by one."""
        if getattr(self, "_template", None) is None:
            from shipcall.adapters.store.store import Store

            url = self.new_database("template")
            Store.open(url).close()
            self._template = url.rsplit("/", 1)[1]
        return str(self._template)
