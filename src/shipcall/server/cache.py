"""Expensive pages computed once: an LRU of results by key, with one computation per key at a
time (six concurrent requests for one comparison cost one comparison, not six CPUs' worth).

The comparison page's key is (baseline run, candidate run, contract hash, weights, corpus
version, production log size when weighted by it): finished runs never change, so the same key
is the same page. Runs still in progress are not cached."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class PageCache:
    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:  # the first request computes; the others wait for its result
            with self._lock:
                if key in self._items:
                    self.hits += 1
                    return self._items[key]
            value = compute()
            with self._lock:
                self.misses += 1
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._computing.pop(key, None)
            return value
