"""Task types by name (the `shipcall.tasks` registry), constructed with the workspace's settings."""

from __future__ import annotations

from typing import Any

from shipcall.adapters.registry import TASKS
from shipcall.core.tasks.base import Task, TaskSettings


def get_task(name: str, settings: TaskSettings | None = None) -> Task:
    cls: Any = TASKS.get(name)
    return cls(settings or TaskSettings())


def task_for(ws: Any, variant: Any) -> Task:
    """The task of a variant (its config), with the workspace's evaluation settings."""
    return get_task(variant.task, TaskSettings(k=tuple(ws.config.evaluation.k)))
