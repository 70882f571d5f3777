"""Sentence embeddings of texts for the embedding classifiers, through the dense retriever's
encoder loading (the packaged MiniLM, offline) and its embedding cache (by text hash, per model),
so a text is embedded once per workspace whichever feature asked first.

Embedding runs torch on one thread when the machine is busier than its cores: on 2 cores under
a load average of 9, one thread embedded 45 texts/s and two threads 19 texts/s.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from shipcall.core.documents import content_hash

SHARD_ROWS = 512


class TextEmbedder:
    def __init__(self, model: str, cache_dir: Path, *, batch_size: int = 64, show_progress: bool = False) -> None:
        from shipcall.adapters.retrievers.dense import EmbeddingCache, load_encoder, require_extra

        require_extra()
        self.model_name = model
        self.encoder = load_encoder(model)
        self.cache = EmbeddingCache(cache_dir, model).load()
        self.batch_size = batch_size
        self.show_progress = show_progress

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (cached ones are not recomputed)."""
        from shipcall.adapters.retrievers.dense import embedding_dim

        keys = [content_hash(t) for t in texts]
        todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if self.cache.get(k) is None}.items(),
                      key=lambda kt: -len(kt[1]))  # alike lengths in a batch pad less
        if todo:
            _busy_one_thread(lambda: self._embed(todo))
            self.cache.compact()
        if not keys:
            return np.zeros((0, embedding_dim(self.encoder)), dtype=np.float32)
        rows = [self.cache.get(k) for k in keys]
        return np.stack([r for r in rows if r is not None]).astype(np.float32)

    def _embed(self, todo: list[tuple[str, str]]) -> None:
        from tqdm import tqdm

        from shipcall.adapters.retrievers.dense import encode

        bar = tqdm(total=len(todo), unit="text", desc="embed", file=sys.stderr, leave=False,
                   disable=None if (self.show_progress or len(todo) >= 256) else True)
        keys: list[str] = []
        rows: list[np.ndarray] = []
        try:
            for i in range(0, len(todo), self.batch_size):
                batch = todo[i:i + self.batch_size]
                rows.append(encode(self.encoder, [t for _, t in batch], self.batch_size))
                keys.extend(k for k, _ in batch)
                bar.update(len(batch))
                if len(keys) >= SHARD_ROWS:  # an interrupted embedding keeps what it finished
                    self.cache.add(keys, np.concatenate(rows))
                    keys, rows = [], []
            if keys:
                self.cache.add(keys, np.concatenate(rows))
        finally:
            bar.close()


def _busy_one_thread(fn: Any) -> Any:
    import torch

    try:
        busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    except OSError:
        busy = False
    n = torch.get_num_threads()
    if not busy or n == 1:
        return fn()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(n)
