"""`serve --retain 30d`: delete production log entries older than the retention, at start and then
every hour (or a tenth of the retention, if shorter; at least a minute apart), in a background
thread, and record the retention in the store (the legal narrative reads it from there)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shipcall.adapters.store.production_log import RETENTION_KEY, prune
from shipcall.core.retention import parse_duration

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store

log = logging.getLogger("shipcall.retention")


class Retention:
    def __init__(self, store: Store, keep: str) -> None:
        self.store = store
        self.text = keep
        self.keep = parse_duration(keep, field="--retain")
        self.every = max(60.0, min(3600.0, self.keep / 10))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self) -> None:
        self.store.set_meta(RETENTION_KEY, self.text)

    def prune_once(self) -> dict[str, Any]:
        before = (datetime.now(UTC) - timedelta(seconds=self.keep)).isoformat(timespec="milliseconds")
        return prune(self.store, before)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.prune_once()
                if done["deleted"]["entries"]:
                    log.info("retention: deleted %s log entries before %s", done["deleted"]["entries"], done["before"])
            except Exception:  # a failed pass (a full disk) is retried at the next one; serving goes on
                log.exception("retention: pruning the production log failed")
            self._stop.wait(self.every)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="shipcall-retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
