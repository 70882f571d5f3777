"""The embedding cache: vectors by (model, chunk content hash) under `.shipcall/embeddings/<model>/`,
in append-only NumPy shards written atomically, so re-ingesting or re-running never embeds an
unchanged chunk twice and an interrupted embedding keeps every shard it finished. Dense indexes,
the semantic generator and the embedding classifier all read and add to it.

An index built from it records which vectors it was built from (`fingerprint`), so that an
index whose cache has since changed is rebuilt (`CacheCheck`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED_NAMES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"}


def model_key(name: str) -> str:
    """A folder name for a model's embedding cache: readable slug + hash of the name."""
    canonical = DEFAULT_MODEL if name in PACKAGED_NAMES else name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", canonical.rstrip("/").split("/")[-1])[:48]
    return f"{slug}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


class EmbeddingCache:
    """Embeddings by chunk content hash for one model: `shard-*.npz` files of (keys, vectors).

    Shards are only ever added (written to a temporary name, then renamed), so concurrent
    readers see whole shards; `compact()` merges them into one."""

    def __init__(self, root: Path, model: str) -> None:
        self.dir = root / model_key(model)
        self._vectors: dict[str, np.ndarray] = {}
        self._loaded = False

    def _shards(self) -> list[Path]:
        return sorted(self.dir.glob("shard-*.npz")) if self.dir.is_dir() else []

    def load(self) -> EmbeddingCache:
        for shard in self._shards():
            try:
                with np.load(shard) as z:
                    keys, vecs = z["keys"], z["vectors"]
            except (OSError, ValueError, KeyError):  # removed by a concurrent compaction, or damaged
                continue
            for key, row in zip(keys.tolist(), vecs, strict=True):
                self._vectors[key] = row
        self._loaded = True
        return self

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"shard-{time.time_ns():020d}-{os.getpid()}.npz"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, keys=np.array(keys), vectors=vectors.astype(np.float32))
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for key, row in zip(keys, vectors, strict=True):
            self._vectors[key] = row

    def compact(self, min_shards: int = 16) -> None:
        """Merge the shards into one when there are at least `min_shards` of them."""
        shards = self._shards()
        if len(shards) < min_shards:
            return
        if not self._loaded:
            self.load()
        keys = list(self._vectors)
        merged = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        self._vectors = {}
        self.add(keys, merged)
        for s in shards:
            s.unlink(missing_ok=True)


def fingerprint(vectors: np.ndarray) -> str:
    """A digest of an index's vectors, in index order (float32 bytes)."""
    return hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).hexdigest()[:24]


def shard_list(cache_dir: Path) -> str:
    """A digest of the cache's shard names and sizes: the cheap check that nothing was added,
    replaced or removed since an index last looked."""
    shards = sorted(cache_dir.glob("shard-*.npz")) if cache_dir.is_dir() else []
    listing = []
    for s in shards:
        try:
            listing.append((s.name, s.stat().st_size))
        except OSError:  # removed by a concurrent compaction between glob and stat
            continue
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:24]


def cache_changed(cache: EmbeddingCache, keys: Sequence[str], built_from: str) -> bool:
    """Whether the cache now holds other vectors for an index's chunks than it was built from.

    A cache that lacks some of them (deleted to free space, or a shard hidden for a moment by a
    concurrent compaction) does not count: the index keeps its own copy of every vector, and a
    rebuild would embed them all again for nothing."""
    got = [cache.get(k) for k in keys]
    if any(v is None for v in got):
        return False
    current = np.stack(got) if got else np.zeros((0, 0), np.float32)  # type: ignore[arg-type]
    return fingerprint(current) != built_from
