"""Owner-only files of the workspace: the per-workspace secret and a safe way to create such files.

The secret (32 random bytes, `.shipcall/secret`, mode 0600) keys the HMAC that turns user ids
into the production log's pseudonyms (core/production.py). It is created by `shipcall init`, or
on first use in a workspace made before it existed. It is never stored in the database, so a
copy of the store alone cannot re-identify anyone; several `serve` replicas that must give the
same user the same pseudonym share it (copy the file, or set SHIPCALL_SECRET, hex).

`create_private_file` writes the whole content to a temporary 0600 file and then links it into
place, which fails if the name exists: a full disk leaves no empty or half-written file behind,
and two processes racing to create it end up reading the same content.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from shipcall.errors import ConfigError

SECRET_ENV = "SHIPCALL_SECRET"
SECRET_FILE = "secret"


def create_private_file(path: Path, content: str) -> bool:
    """Create `path` (0600) holding `content`, atomically; False when it already exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def read_private_file(path: Path) -> str:
    """The file's content; tightened back to 0600 if someone loosened it."""
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass
    return path.read_text(encoding="utf-8").strip()


def load_or_create_secret(state_dir: Path) -> bytes:
    """The workspace's secret: SHIPCALL_SECRET (hex), else `.shipcall/secret`, created if missing."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        try:
            key = bytes.fromhex(env)
        except ValueError:
            raise ConfigError(f"{SECRET_ENV} is not hexadecimal", field=SECRET_ENV,
                              hint="use 64 hex digits, e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`"
                              ) from None
        if len(key) < 16:
            raise ConfigError(f"{SECRET_ENV} is too short ({len(key)} bytes)", field=SECRET_ENV,
                              hint="use at least 32 hex digits (16 bytes); 64 is better")
        return key
    path = state_dir / SECRET_FILE
    if not path.exists():
        create_private_file(path, secrets.token_hex(32) + "\n")
    text = read_private_file(path)
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ConfigError("the workspace secret is damaged (not 32+ hex digits)", file=str(path),
                          hint="restore it from a backup; deleting it makes a new one, after which the same user "
                               "gets a different pseudonym in the log")
    return key
