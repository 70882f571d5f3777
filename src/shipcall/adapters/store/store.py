"""The Store: every read and write of the workspace's database goes through here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, delete, event, func, insert, make_url, select, text, update
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from shipcall.adapters.clock import now
from shipcall.adapters.store import decode, migrations, schema
from shipcall.adapters.store.blobs import EVIDENCE, ITEM, ITEM_RESULT, RUN_CONFIG
from shipcall.adapters.store.chunked import delete_in, insert_new
from shipcall.adapters.store.errors import install as install_error_translation
from shipcall.adapters.store.errors import translate
from shipcall.adapters.store.packing import cell_size, packed_order
from shipcall.core.datasets import Dataset, Item
from shipcall.core.documents import Document
from shipcall.core.runs import Citation, ItemOutcome, ItemResult, Retrieved, Run
from shipcall.errors import DatasetError, NotFoundError, StoreError


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the store at a SQLAlchemy URL, applying pending migrations unless `migrate` is
        False (`shipcall store info` and `store migrate --dry-run` look without changing).
        Operational failures (corrupt, read-only, full) are StoreErrors naming the file."""
        path = sqlite_file(url)
        if path is not None:
            prepare_sqlite_file(path, create=migrate)
        try:
            engine = create_engine(url, future=True)
        except Exception as e:  # bad URL or missing driver
            raise StoreError(f"cannot open store {url!r}: {e}",
                             hint="use sqlite:///path.db or postgresql+psycopg://user@host/db") from None
        install_error_translation(engine, str(path) if path is not None else url)
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()
        if migrate:
            try:
                migrations.migrate(engine)
            except DatabaseError as e:
                raise translate(e, str(path) if path is not None else url) or StoreError(
                    f"cannot open store {url!r}: {e.orig}") from None
        return cls(engine)

    # -- the store itself ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The SQLAlchemy URL, password hidden."""
        return display_url(self.engine.url)

    @property
    def kind(self) -> str:
        """The database: sqlite, postgresql, ..."""
        return self.engine.dialect.name

    def size_bytes(self) -> int | None:
        """SQLite: the database file plus its write-ahead log; Postgres: the database's size."""
        path = sqlite_file(self.engine.url)
        if path is not None:
            return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
        if self.kind == "postgresql":
            with self.engine.connect() as c:
                return int(c.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
        return None  # in-memory SQLite, other databases

    def migrations_applied(self) -> dict[int, str]:
        return migrations.applied(self.engine)

    def migrations_pending(self) -> list[str]:
        return [m.name for m in migrations.pending(self.engine)]

    def migrate(self) -> list[str]:
        """Apply the pending migrations; return their names."""
        return migrations.migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as c:
            return c.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as c:
            c.execute(delete(schema.meta).where(schema.meta.c.key == key))
            c.execute(insert(schema.meta).values(key=key, value=value))

    def delete_meta(self, keys: Iterable[str]) -> None:
        with self.engine.begin() as c:
            delete_in(c, schema.meta, schema.meta.c.key, list(keys))

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        t = schema.meta
        with self.engine.connect() as c:
            return dict(c.execute(select(t.c.key, t.c.value).where(t.c.key.startswith(prefix, autoescape=True))).all())

    # -- operations -------------------------------------------------------------------------
    def write_probe(self) -> str | None:
        """Whether the store can be written right now: a tiny committed write (a full disk or a
        read-only file fails it) and an insert into the production log that is rolled back (a
        damaged log table fails it). The error's text, or None when both went through."""
        import secrets

        try:
            self.set_meta("health_probe", now())
            with self.engine.connect() as c:
                tx = c.begin()
                try:
                    c.execute(insert(schema.production_log).values(
                        request_id="probe-" + secrets.token_hex(8), created_at=now(), variant="-", question="-"))
                finally:
                    tx.rollback()
        except Exception as e:  # whatever the database says: the reason health reports
            return getattr(e, "message", None) or str(getattr(e, "orig", e))
        return None

    # -- documents --------------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        with self.engine.connect() as c:
            return dict(c.execute(select(schema.documents.c.id, schema.documents.c.hash)).all())

    def apply_corpus_changes(self, upserts: list[Document], deletions: Iterable[str], version: str) -> None:
        """Write changed documents and remove deleted ones in one transaction."""
        t = schema.documents
        stamp = now()
        with self.engine.begin() as c:
            delete_in(c, t, t.c.id, [d.id for d in upserts] + list(deletions))
            rows = [{
                "id": d.id, "hash": d.hash, "title": d.title, "text": d.text,
                "sections": decode.sections_json(d.sections),
                "ingested_at": stamp,
            } for d in upserts]
            if self.engine.dialect.name == "sqlite":  # full pages (packing.py)
                columns = [col.name for col in t.columns]
                sizes = [cell_size([r[k] for k in columns], PAGE_SIZE) for r in rows]
                rows = [rows[i] for i in packed_order(sizes, PAGE_SIZE)]
            for i in range(0, len(rows), 1000):
                c.execute(insert(t), rows[i:i + 1000])
            known = set(c.execute(select(schema.document_versions.c.doc_id, schema.document_versions.c.hash)).all())
            new_versions = [{"doc_id": d.id, "hash": d.hash, "first_seen": stamp}
                            for d in upserts if (d.id, d.hash) not in known]
            if new_versions:
                c.execute(insert(schema.document_versions), new_versions)
            n = c.execute(select(func.count()).select_from(t)).scalar() or 0
            if not c.execute(select(schema.corpora.c.version).where(schema.corpora.c.version == version)).first():
                c.execute(insert(schema.corpora).values(version=version, n_documents=n, created_at=stamp))
            c.execute(delete(schema.meta).where(schema.meta.c.key == "corpus_version"))
            c.execute(insert(schema.meta).values(key="corpus_version", value=version))

    def documents(self) -> Iterator[Document]:
        t = schema.documents
        with self.engine.connect() as c:
            for row in c.execute(select(t).order_by(t.c.id)):
                yield decode.document(row)

    def document_texts(self) -> dict[str, tuple[str, str]]:
        """Every document's (content hash, text) by id: what an index slices its chunks from."""
        t = schema.documents
        with self.engine.connect() as c:
            return {r[0]: (r[1], r[2]) for r in c.execute(select(t.c.id, t.c.hash, t.c.text))}

    def document(self, doc_id: str) -> Document | None:
        t = schema.documents
        with self.engine.connect() as c:
            row = c.execute(select(t).where(t.c.id == doc_id)).first()
        return decode.document(row) if row else None

    def document_first_seen(self) -> dict[tuple[str, str], str]:
        t = schema.document_versions
        with self.engine.connect() as c:
            return {(r.doc_id, r.hash): r.first_seen for r in c.execute(select(t))}

    def corpus_version(self) -> str | None:
        return self.get_meta("corpus_version")

    # -- datasets ---------------------------------------------------------------------------
    def save_dataset(self, name: str, items: list[Item], hash_: str, *, source: str,
                     warnings: list[str], task: str = "rag", labels: Sequence[str] = ()) -> tuple[int, bool]:
        """Store a new version unless the latest has the same content hash. Every version of a
        dataset holds items of one task type; a classify dataset also keeps its label set.

        Returns (version, created)."""
        from shipcall.core.names import check_name

        check_name(name, what="dataset", field="name")
        t = schema.datasets
        for _ in range(20):  # two imports at once: the (name, version) key lets one win, the other retries
            try:
                with self.engine.begin() as c:
                    latest = c.execute(select(t.c.version, t.c.hash, t.c.task).where(t.c.name == name)
                                       .order_by(t.c.version.desc()).limit(1)).first()
                    if latest and latest.task != task:
                        raise DatasetError(f"dataset {name!r} holds {latest.task} items; these are {task} items",
                                           field="--name",
                                           hint="import them under another name, or with --task " + latest.task)
                    if latest and latest.hash == hash_:
                        return latest.version, False
                    version = (latest.version if latest else 0) + 1
                    c.execute(insert(t).values(name=name, version=version, hash=hash_, n_items=len(items),
                                               source=source, warnings=json.dumps(warnings), created_at=now(),
                                               task=task))
                    if labels:  # a classify dataset's label set (the labels file may name labels no item uses)
                        c.execute(insert(schema.meta).values(key=decode.labels_key(name, version),
                                                             value=json.dumps(list(labels))))
                    rows = [{"dataset": name, "version": version, "position": i, "item_id": it.id,
                             "data": ITEM.dumps(it.to_dict())} for i, it in enumerate(items)]
                    for i in range(0, len(rows), 1000):
                        c.execute(insert(schema.dataset_items), rows[i:i + 1000])
                return version, True
            except IntegrityError:
                continue
        raise StoreError(f"could not allocate a version of dataset {name!r}")

    def dataset_versions(self, name: str | None = None) -> list[dict[str, Any]]:
        t = schema.datasets
        q = select(t).order_by(t.c.name, t.c.version)
        if name:
            q = q.where(t.c.name == name)
        with self.engine.connect() as c:
            return [dict(r._mapping) | {"warnings": json.loads(r.warnings)} for r in c.execute(q)]

    def load_dataset(self, name: str, version: int | None = None) -> Dataset:
        t = schema.datasets
        with self.engine.connect() as c:
            q = select(t.c.version, t.c.task).where(t.c.name == name)
            q = q.where(t.c.version == version) if version else q.order_by(t.c.version.desc()).limit(1)
            found = c.execute(q).first()
            if found is None:
                known = sorted({r[0] for r in c.execute(select(t.c.name))})
                what = f"{name}@{version}" if version else name
                raise NotFoundError(f"no dataset {what!r}",
                                    hint=f"datasets: {', '.join(known)}" if known else
                                    "import one with `shipcall dataset import FILE --name NAME`")
            v = found.version
            ti = schema.dataset_items
            rows = c.execute(select(ti.c.item_id, ti.c.data).where(ti.c.dataset == name, ti.c.version == v)
                             .order_by(ti.c.position)).all()
            meta = schema.meta
            raw_labels = c.execute(select(meta.c.value).where(meta.c.key == decode.labels_key(name, v))).scalar()
        return decode.dataset(name, v, found.task, raw_labels, rows)

    # -- runs -------------------------------------------------------------------------------
    def create_run(self, run: Run) -> Run:
        t = schema.runs
        for _ in range(20):
            with self.engine.begin() as c:
                seq = (c.execute(select(func.max(t.c.seq))).scalar() or 0) + 1
                run.id = f"r{seq}"
                try:
                    c.execute(insert(t).values(
                        id=run.id, seq=seq, variant=run.variant, variant_hash=run.variant_hash,
                        config=RUN_CONFIG.dumps(run.config), dataset=run.dataset, task=run.task,
                        dataset_version=run.dataset_version, corpus_version=run.corpus_version,
                        code_version=run.code_version, status="running", started_at=run.started_at,
                        n_items=run.n_items, errors=0))
                    return run
                except IntegrityError:
                    continue
        raise StoreError("could not allocate a run id")

    def unfinished_run(self, variant_hash: str, dataset: str, version: int, corpus_version: str) -> Run | None:
        t = schema.runs
        with self.engine.connect() as c:
            row = c.execute(select(t).where(
                t.c.variant_hash == variant_hash, t.c.dataset == dataset, t.c.dataset_version == version,
                t.c.corpus_version == corpus_version, t.c.status == "running",
            ).order_by(t.c.seq.desc()).limit(1)).first()
        return decode.run(row) if row else None

    def finished_item_ids(self, run_id: str) -> set[str]:
        t = schema.item_results
        with self.engine.connect() as c:
            return {r[0] for r in c.execute(select(t.c.item_id).where(t.c.run_id == run_id))}

    def save_item_results(self, run_id: str, results: list[tuple[int, ItemResult]]) -> int:
        """Commit a batch of item results; rows that exist already (a resumed run, or another
        process resuming the same run) are skipped. Returns how many were new."""
        if not results:
            return 0
        t = schema.item_results
        rows = [{
            "run_id": run_id, "item_id": r.item_id, "position": pos,
            "data": ITEM_RESULT.dumps(_result_data(r)),
            "metrics": json.dumps(r.metrics), "error": r.error,
        } for pos, r in results]
        with self.engine.begin() as c:
            return insert_new(c, t, rows, ("run_id", "item_id"))

    def item_results(self, run_id: str) -> list[ItemResult]:
        t = schema.item_results
        with self.engine.connect() as c:
            rows = c.execute(select(t).where(t.c.run_id == run_id).order_by(t.c.position)).all()
        return [_item_result(r) for r in rows]

    def item_outcomes(self, run_id: str) -> list[ItemOutcome]:
        """Per item: metrics, error and failure modes (adapters/store/outcomes.py), in result order."""
        from shipcall.adapters.store.outcomes import read_outcomes

        fast = read_outcomes(self.engine, run_id)
        if fast is not None:
            return fast
        return [ItemOutcome(r.item_id, r.metrics, r.error, r.failure_modes) for r in self.item_results(run_id)]

    def finish_run(self, run: Run) -> None:
        t = schema.runs
        with self.engine.begin() as c:
            c.execute(update(t).where(t.c.id == run.id).values(
                status="finished", finished_at=run.finished_at, n_items=run.n_items, errors=run.errors,
                metrics=json.dumps(run.metrics), cohorts=json.dumps(run.cohorts)))

    def get_run(self, ref: str) -> Run:
        """A run by id (`r12`, or `12`), or `last` for the newest."""
        t = schema.runs
        with self.engine.connect() as c:
            if ref in decode.LAST_RUN:
                row = c.execute(select(t).order_by(t.c.seq.desc()).limit(1)).first()
            else:
                row = c.execute(select(t).where(t.c.id == decode.run_id(ref))).first()
        if row is None:
            raise NotFoundError(f"no run {ref!r}", hint="list runs with `shipcall runs`")
        return decode.run(row)

    def runs(self, limit: int | None = None) -> list[Run]:
        t = schema.runs
        q = select(t).order_by(t.c.seq.desc())
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as c:
            return [decode.run(r) for r in c.execute(q)]

    # -- decisions --------------------------------------------------------------------------
    def add_decision(self, d: dict[str, Any]) -> int:
        with self.engine.begin() as c:
            res = c.execute(insert(schema.decisions).values(
                verdict=d["verdict"], baseline_run=d.get("baseline_run"), candidate_run=d.get("candidate_run"),
                contract_hash=d.get("contract_hash"), author=d["author"], note=d.get("note", ""),
                override=bool(d.get("override")), reasons=json.dumps(d.get("reasons", [])),
                evidence=EVIDENCE.dumps(d.get("evidence", {})), created_at=d["created_at"]))
            key = res.inserted_primary_key
        if key is None:
            raise StoreError("the store returned no id for the new decision")
        return int(key[0])

    def decisions(self, *, include_void: bool = True) -> list[dict[str, Any]]:
        """Decisions oldest first; each has `void` (None, or who voided it, when and why).
        `include_void=False` leaves voided decisions out (case studies, narratives)."""
        t = schema.decisions
        with self.engine.connect() as c:
            rows = c.execute(select(t).order_by(t.c.id)).all()
        out = []
        for r in rows:
            evidence = EVIDENCE.loads(r.evidence, where=f"decision {r.id}")
            reasons = [x if isinstance(x, dict) else {"kind": "canary", "severity": "warn", "detail": str(x)}
                       for x in json.loads(r.reasons)]  # canary changes were first recorded as bare text
            d = dict(r._mapping) | {"reasons": reasons, "evidence": evidence, "void": evidence.get("void")}
            if include_void or not d["void"]:
                out.append(d)
        return out

    def void_decision(self, decision_id: int, *, note: str, author: str, at: str) -> dict[str, Any]:
        """Mark a decision void (a test, a mistake): it stays in the history with the reason in
        its evidence blob (no schema change), and case studies and narratives leave it out."""
        t = schema.decisions
        with self.engine.begin() as c:
            row = c.execute(select(t).where(t.c.id == decision_id)).first()
            if row is None:
                raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
            evidence = EVIDENCE.loads(row.evidence, where=f"decision {decision_id}")
            evidence["void"] = {"note": note, "author": author, "at": at}
            c.execute(t.update().where(t.c.id == decision_id).values(evidence=EVIDENCE.dumps(evidence)))
        return next(d for d in self.decisions() if d["id"] == decision_id)


def display_url(url: str | URL) -> str:
    """A store URL to show: SQLAlchemy's form, password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def sqlite_file(url: str | URL) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory SQLite."""
    try:
        u = make_url(url)
    except ArgumentError:
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" \
            or u.query.get("mode") == "memory":
        return None
    return Path(u.database.removeprefix("file:"))


def _insert_ignoring_duplicates(table: Any, dialect: str, keys: list[str]) -> Any:
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    return insert(table)


def _create_sqlite_file(path: Path) -> None:
    """A new, owner-only SQLite file that is never empty where others can see it: made under a
    temporary name (0600), given its header by SQLite, then linked into place (if another process
    was faster, its file stays). Concurrent first opens thus never meet a 0-byte store."""
    import contextlib
    import os
    import sqlite3
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        # 16 KiB pages: a document's text (a few KiB) packs into pages with little left over (4 KiB
        # pages left a quarter of a Markdown corpus's pages empty); set before the first write
        con.execute(f"PRAGMA page_size={PAGE_SIZE}")
        con.execute("PRAGMA journal_mode=WAL")  # writes the database header
        con.close()
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


PAGE_SIZE = 16384


def prepare_sqlite_file(path: Path, *, create: bool = True) -> None:
    """Before SQLite opens `path`: its folder exists (owner-only when we create it), an empty file
    is refused (a truncated store must not pass for a new one), and the file and its -wal/-shm
    siblings are owner-only (0600, like the token: they hold the documents and the production log;
    SQLite gives -wal and -shm the mode of the database file)."""
    import os

    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, mode=0o700)
        except OSError as e:
            raise StoreError(f"cannot create the store's folder: {e.strerror}", file=str(folder),
                             hint="check that the workspace is writable") from None
    elif folder.name == ".shipcall":  # the workspace's own state folder (token, store, indexes): owner-only
        try:
            if folder.stat().st_mode & 0o077:
                os.chmod(folder, 0o700)
        except OSError:
            pass
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = None
    if size == 0:
        raise StoreError("the store file is empty (0 bytes): it was truncated or never written", file=str(path),
                         hint="restore it from a backup; or delete it and run `shipcall init --force` "
                              "to start an empty store")
    if size is None and create:
        try:
            _create_sqlite_file(path)
        except OSError as e:
            raise StoreError(f"cannot create the store file: {e.strerror}", file=str(path),
                             hint="check that the workspace is writable") from None
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
        except OSError:
            pass  # missing, or not ours to change: SQLite reports what matters when it opens the file


def _result_data(r: ItemResult) -> dict[str, Any]:
    """Every ItemResult field but its key and metrics (stored in their own columns). Shallow
    by hand: dataclasses.asdict's deep copy was a quarter of a run's time."""

    def plain(v: Any) -> Any:
        if isinstance(v, list):
            return [plain(x) for x in v]
        return dict(vars(v)) if is_dataclass(v) else v

    return {f.name: plain(getattr(r, f.name)) for f in fields(r) if f.name not in ("item_id", "metrics")}


def _item_result(row: Any) -> ItemResult:
    d = ITEM_RESULT.loads(row.data, where=f"item {row.item_id} of run {row.run_id}")
    return ItemResult(
        item_id=row.item_id,
        retrieved=[Retrieved(**x) for x in d["retrieved"]],
        retrieved_docs=[Retrieved(**x) for x in d["retrieved_docs"]],
        answer=d["answer"],
        context=str(d.get("context", "")),  # the sentence an answer span came from (written since issue 14)
        citations=[Citation(x["doc_id"], x["chunk_id"], tuple(x["heading_path"]), x["snippet"])
                   for x in d["citations"]],
        abstained=d["abstained"],
        support=d["support"],
        latency_ms=d["latency_ms"],
        error=row.error,
        metrics=json.loads(row.metrics),
        failure_modes=d["failure_modes"],
        extra=d["extra"],
    )
