"""Semantic sentence scoring for the extractive generator (the `dense` extra): the cosine
similarity of the question and each candidate sentence under a sentence-transformers encoder,
the packaged all-MiniLM-L6-v2 by default.

Why: a paraphrased question ("How soon do I have to tell someone?") shares few words with the
sentence that answers it ("Report a lost laptop within 1 hour"); word overlap cannot find it, an
encoder trained on paraphrases can. Sentence embeddings are cached by content hash beside the
dense index's chunk embeddings (`.shipcall/embeddings/<model>/`), so a sentence is embedded once
per workspace, whatever question retrieves it. New embeddings are written in shards of at least
FLUSH_ROWS rows (and on exit); an interrupted run loses at most those, which are recomputed.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

import numpy as np

from shipcall.core.documents import content_hash

FLUSH_ROWS = 256


class SentenceScorer:
    """Question–sentence cosine similarities with cached sentence embeddings."""

    def __init__(self, model: str, cache_dir: Path | None) -> None:
        from shipcall.adapters.retrievers.dense import EmbeddingCache, require_extra

        require_extra()
        self.model_name = model
        self._encoder: Any = None
        self._cache = EmbeddingCache(cache_dir, model).load() if cache_dir is not None else None
        self._memory: dict[str, np.ndarray] = {}
        self._pending: tuple[list[str], list[np.ndarray]] = ([], [])
        self._lock = threading.Lock()
        atexit.register(self.flush)

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from shipcall.adapters.retrievers.dense import load_encoder

            self._encoder = load_encoder(self.model_name)
        return self._encoder

    def _encode(self, texts: list[str]) -> np.ndarray:
        from shipcall.adapters.retrievers.dense import encode

        return encode(self.encoder, texts)

    def similarities(self, question: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity of the question with each text (embeddings are L2-normalised)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        keys = [content_hash(t) for t in texts]
        with self._lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if self._vector(k) is None}
            if missing:
                vectors = self._encode(list(missing.values()))
                for k, v in zip(missing, vectors, strict=True):
                    self._memory[k] = v
                    self._pending[0].append(k)
                    self._pending[1].append(v)
                if len(self._pending[0]) >= FLUSH_ROWS:
                    self._flush_locked()
            matrix = np.stack([self._vector(k) for k in keys])  # type: ignore[misc]
        q = self._encode([question])[0]
        return matrix @ q

    def _vector(self, key: str) -> np.ndarray | None:
        v = self._memory.get(key)
        if v is None and self._cache is not None:
            v = self._cache.get(key)
        return v

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        keys, vectors = self._pending
        if keys and self._cache is not None:
            self._cache.add(list(keys), np.stack(vectors))
        self._pending = ([], [])
