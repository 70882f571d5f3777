"""`run --executor ray`: the items of a run answered and scored on a Ray cluster.

One Ray actor per worker opens the variant once (its index, its generator) and answers shards
of items; the driver stores the results in batches as shards come back, exactly as a local run
stores its own, so resume, the stored rows and the metrics are the same (a Ray run equals a
local run item for item: tests/runner/test_ray_executor.py). Workers read the workspace folder
(its built index) and the store by URL: on a cluster of several machines the workspace lives on
a shared filesystem and the store is Postgres.

Ray rather than a home-made process pool: it schedules over one machine or many with the same
code, restarts lost workers, and its Data library does the batched embedding of `ingest`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipcall.errors import MissingExtraError

SHARD = 64  # items per task: large enough to amortise a round trip, small enough to balance


def require_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingExtraError("--executor ray needs the `ray` extra (Ray)",
                                hint='pip install -e ".[ray]"   (or: pip install "shipcall[ray]")') from None
    return ray


@dataclass(frozen=True)
class RayExecutor:
    address: str | None = None   # None: start a local Ray on this machine; "auto" or ray://HOST:PORT: join one
    workers: int | None = None   # actors (default: the cluster's CPUs)

    def start(self) -> Any:
        ray = require_ray()
        if not ray.is_initialized():
            kw: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "configure_logging": False}
            if self.address:
                ray.init(address=self.address, **kw)
            else:
                ray.init(num_cpus=self.workers or os.cpu_count() or 1, **kw)
        return ray

    def answer(self, root: str, store_url: str, name: str, variant: Any, dataset: Any,
               todo: list[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        """Yield (position, ItemResult) for every item of `todo`, as shards finish."""
        if not todo:
            return
        ray = self.start()
        from ray.util import ActorPool

        n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1)(_Answerer)
        # the whole dataset: a task may build from it (a classifier trains on its other items)
        actors = [actor.remote(root, store_url, name, variant, dataset) for _ in range(min(n, len(todo)))]
        shards = [todo[i:i + SHARD] for i in range(0, len(todo), SHARD)]
        try:
            for results in ActorPool(actors).map_unordered(lambda a, shard: a.answer.remote(shard), shards):
                yield from results
        finally:
            for a in actors:
                ray.kill(a)


    def embed(self, model: str, todo: list[tuple[str, str]], batch_size: int) -> Iterator[tuple[list[str], Any]]:
        """Embed (key, text) pairs with Ray Data: `map_batches` over the chunks, one model per
        worker (an actor pool), yielding (keys, vectors) batches for the embedding cache."""
        ray = self.start()
        n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items([{"key": k, "text": t} for k, t in todo], override_num_blocks=max(n, 1) * 4)
        out = ds.map_batches(_Embedder, fn_constructor_args=(model, batch_size), batch_size=max(batch_size, 64),
                             batch_format="numpy", concurrency=n, num_cpus=1)
        for batch in out.iter_batches(batch_size=1024, batch_format="numpy"):
            yield [str(k) for k in batch["key"]], batch["vector"]


class _Embedder:
    """A Ray Data worker: the sentence-transformers model loaded once, then batch after batch."""

    def __init__(self, model: str, batch_size: int) -> None:
        from shipcall.adapters.retrievers.dense import load_encoder

        self.model, self.batch_size = load_encoder(model), batch_size

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from shipcall.adapters.retrievers.dense import encode

        return {"key": batch["key"], "vector": encode(self.model, [str(t) for t in batch["text"]], self.batch_size)}


class _Answerer:
    """A Ray actor: the variant opened once in the worker, then shard after shard of items."""

    def __init__(self, root: str, store_url: str, name: str, variant: Any, dataset: Any) -> None:
        os.environ["SHIPCALL_STORE_URL"] = store_url  # the driver's store, whatever the worker's env says
        from shipcall.app.tasks import task_for
        from shipcall.app.workspace import Workspace

        ws = Workspace(Path(root))
        self.task = task_for(ws, variant)
        self.predictor = self.task.build(ws, name, variant, dataset)

    def answer(self, shard: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
        from shipcall.core.runs import ItemResult

        out = []
        for pos, item in shard:
            try:
                out.append((pos, self.task.score(item, self.predictor.predict(item))))
            except Exception as e:  # one item's failure must not stop the run; it is recorded
                out.append((pos, ItemResult(item_id=item.id, error=f"{type(e).__name__}: {e}",
                                            failure_modes=["error"])))
        from shipcall.adapters.retrievers.sentences import flush_all

        flush_all()  # this shard's new sentence analyses: the driver kills the actor at the end, without atexit
        return out
