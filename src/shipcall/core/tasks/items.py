"""What every task's item parser shares: field checks that name the file, line and field, tag
parsing, and the JSONL loop (blank lines skipped, duplicate ids refused). Pure: text in, items
out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from shipcall.errors import DatasetError

T = TypeVar("T")


def type_name(v: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "list", dict: "mapping"}.get(
        type(v), type(v).__name__)


class Fields:
    """Checks on one decoded JSON object, raising DatasetError with file, line and field."""

    def __init__(self, obj: Any, *, file: str | None, line: int | None, known: tuple[str, ...],
                 required: tuple[str, ...], task: str) -> None:
        self.file, self.line = file, line
        if not isinstance(obj, dict):
            raise self.fail("item", f"must be a JSON object (got {type_name(obj)})")
        unknown = sorted(set(obj) - set(known))
        if unknown:
            raise self.fail(unknown[0], f"unknown field for a {task} item",
                            hint=f"allowed fields: {', '.join(known)}")
        for key in required:
            if key not in obj:
                names = ", ".join(f'"{k}"' for k in required)
                raise self.fail(key, "missing", hint=f"every {task} item needs {names}")
        self.obj: dict[str, Any] = obj

    def fail(self, field: str, message: str, hint: str | None = None) -> DatasetError:
        return DatasetError(message, file=self.file, line=self.line, field=field, hint=hint)

    def id(self) -> str:
        v = self.obj["id"]
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str) or not v.strip():
            raise self.fail("id", f"must be a non-empty string (got {json.dumps(v)})")
        return v

    def text(self, key: str) -> str:
        v = self.obj[key]
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"must be a non-empty string (got {json.dumps(v)[:80]})")
        return v

    def strings(self, key: str, *, required: bool) -> tuple[str, ...]:
        v = self.obj.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, f"must be a list of strings (got {type_name(v)})")
        kept = tuple(x for x in v if x.strip())
        if required and not kept:
            raise self.fail(key, "must list at least one non-empty string")
        return kept

    def tags(self) -> dict[str, str]:
        raw = self.obj.get("tags", {})
        if not isinstance(raw, dict):
            raise self.fail("tags", f"must be a mapping of tag → value (got {type_name(raw)})")
        out: dict[str, str] = {}
        for k, v in raw.items():
            if isinstance(v, (dict, list)) or v is None:
                raise self.fail(f"tags.{k}", f"must be a string, number or boolean (got {type_name(v)})")
            out[str(k)] = str(v).lower() if isinstance(v, bool) else str(v)
        return out

    def optional_text(self, key: str) -> str:
        v = self.obj.get(key, "")
        if not isinstance(v, str):
            raise self.fail(key, f"must be a string (got {type_name(v)})")
        return v

    def mapping(self, key: str) -> dict[str, Any]:
        v = self.obj.get(key, {})
        if not isinstance(v, dict):
            raise self.fail(key, f"must be a mapping (got {type_name(v)})")
        return dict(v)


def cohorts_of(tags: Mapping[str, str], keys: list[str] | None = None) -> list[str]:
    """The `tag=value` cohorts of an item for the given tag keys (all if None)."""
    keys = sorted(tags) if keys is None else keys
    return [f"{k}={tags[k]}" for k in keys if k in tags]


def parse_jsonl_items(text: str, parse: Callable[..., T], *, file: str | None = None) -> list[T]:
    """One item a line through `parse(obj, file=, line=)`, by the one JSONL reader (core/jsonl.py):
    every bad line reported at once (up to 50), blank and '#' lines skipped, duplicate ids and an
    empty file are errors."""
    from shipcall.core.jsonl import parse_lines

    items = parse_lines(text, lambda obj, n: parse(obj, file=file, line=n), file=file, comments=True)
    if not items:
        raise DatasetError("no items", file=file, hint="a dataset is a JSONL file with one item a line")
    return items
