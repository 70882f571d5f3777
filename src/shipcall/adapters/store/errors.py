"""Operational failures of the store as clear messages: a corrupt or truncated file, a read-only
workspace, a full disk. Each names the store file and what to do; none is a traceback.

`install(engine, where)` hooks SQLAlchemy's `handle_error` event, so every query anywhere (CLI,
server, pages) gets the same translation. A busy store ("database is locked") and constraint
violations pass through untouched: callers retry or handle those themselves.
"""

from __future__ import annotations

import errno
from typing import Any

from shipcall.errors import StoreError

_CORRUPT = ("file is not a database", "malformed", "file is encrypted", "not a database", "corrupt")
_READ_ONLY = ("readonly database", "read-only", "unable to open database file", "attempt to write")
_FULL = ("disk is full", "database or disk is full", "no space left")
_IO = ("disk i/o error",)


def translate(exc: BaseException, where: str) -> StoreError | None:
    """A StoreError for an operational failure of the store at `where` (a file or URL), else None."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    if any(s in text for s in _CORRUPT):
        return StoreError(f"the store is corrupt or not a shipcall store ({orig})", file=where,
                          hint="restore it from a backup; `sqlite3 FILE .recover` can save what is left; "
                               "or move it away and run `shipcall init --force` to start an empty store")
    if any(s in text for s in _FULL):
        return StoreError(f"the disk holding the store is full ({orig})", file=where,
                          hint="free space on that disk and run the command again; the last transaction was "
                               "rolled back, nothing was half-written")
    if any(s in text for s in _READ_ONLY):
        return StoreError(f"the store cannot be written ({orig})", file=where,
                          hint="check the permissions of the file and of its folder (SQLite also writes FILE-wal "
                               "and FILE-shm beside it) and that the disk is not mounted read-only")
    if any(s in text for s in _IO):
        return StoreError(f"the store could not be read or written ({orig})", file=where,
                          hint="check the disk (dmesg), then restore the file from a backup if it is damaged")
    return None


def translate_os_error(exc: OSError) -> StoreError | None:
    """A full disk, a read-only file system or a refused permission on any file we write."""
    where = exc.filename if isinstance(exc.filename, str) else None
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return StoreError(f"the disk is full ({exc.strerror})", file=where,
                          hint="free space on that disk and run the command again")
    if exc.errno == errno.EROFS:
        return StoreError(f"the file system is read-only ({exc.strerror})", file=where,
                          hint="run the command in a writable workspace")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(f"permission denied ({exc.strerror})", file=where,
                          hint="check the permissions of the file and of its folder")
    return None


def install(engine: Any, where: str) -> None:
    """Translate the engine's operational failures into StoreError (see the module docstring)."""
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _handle(context: Any) -> StoreError | None:
        return translate(context.original_exception, where)
