"""One translation of pydantic validation errors into ConfigError, for every config file
(shipcall.yaml, contract.yaml, sweep grids). Pure: no I/O.

Why hand-written: pydantic reports an error's location in its own terms. A discriminated union
adds the chosen tag (`retriever.dense.kk`), a plain union adds the member's type name
(`scale.0.int`); the user wrote neither. We walk the error's `loc` alongside the model's own
annotations, so a union step is recognised from the model's actual unions — no list of kind
names that goes stale when a kind is added — and we know which model holds each key, which
gives the allowed keys and values for the hint.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag, ValidationError
from pydantic.fields import FieldInfo

from shipcall.errors import ConfigError

# Caller-specific hints: (pydantic error type, the user's dotted path as parts) -> hint or None.
HintFor = Callable[[str, tuple[str, ...]], str | None]

_MAPPING_ERRORS = ("model_type", "model_attributes_type", "dict_type")
_UNIONS = (Union, types.UnionType)


def line_of(lines: Mapping[str, int] | None, dotted: str | None) -> int | None:
    """The line of a dotted field, or of its nearest parent that has one."""
    if not lines or not dotted:
        return None
    parts = dotted.split(".")
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        parts.pop()
    return None


@dataclass(frozen=True)
class Place:
    """Where a pydantic error points, in the user's terms.

    `path`: the keys and list indexes as written in the file; `owner`: the model that holds the
    last key (for unknown keys: the keys it allows); `annotation`: the type expected at the
    path (None when unknown); `union`: set when the path ends at a discriminated union, as
    (discriminator key or None for a callable one, the tags); `plain_union`: the loc went
    through a member of a plain (not discriminated) union, which pydantic reports once per
    member; `rivals`: when `owner` was chosen by a discriminated union's tag, that union's
    members (the values a missing `kind` could take)."""

    path: tuple[str, ...]
    owner: type[BaseModel] | None
    annotation: Any
    union: tuple[str | None, tuple[str, ...]] | None = None
    plain_union: bool = False
    rivals: tuple[Any, ...] = ()


def place_of(model: type[BaseModel], loc: Sequence[int | str]) -> Place:
    """Walk `loc` along `model`'s annotations, dropping the steps that are union tags or union
    member names (pydantic's, not the user's)."""
    path: list[str] = []
    owner: type[BaseModel] | None = None
    tp: Any = model
    disc: Any = None
    plain_union = False
    rivals: tuple[Any, ...] = ()
    pending: tuple[Any, ...] = ()
    for part in loc:
        tp, disc = _unwrap(tp, disc)
        if _is_union(tp):
            plain_union = plain_union or disc is None
            pending = tuple(m for _, m in _tagged_members(tp, disc)) if disc is not None else ()
            tp, disc = _member(tp, disc, part), None
            continue  # the tag / member name is not a key the user wrote
        if part == "[key]":
            continue  # pydantic's marker for an error in a mapping's key, not its value
        path.append(str(part))
        rivals, pending = pending, ()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = tp.model_fields.get(str(part))
            tp, disc = (None, None) if field is None else _field_type(field)
        elif get_origin(tp) in (dict, Mapping) and len(get_args(tp)) == 2:
            tp, disc = get_args(tp)[1], None
        elif get_origin(tp) in (list, set, frozenset, Sequence) and get_args(tp):
            tp, disc = get_args(tp)[0], None
        elif get_origin(tp) is tuple and get_args(tp):
            args = get_args(tp)
            tp = args[0] if len(args) == 2 and args[1] is Ellipsis else (
                args[int(part)] if isinstance(part, int) and part < len(args) else None)
            disc = None
        else:
            tp, disc = None, None
    tp, disc = _unwrap(tp, disc)
    union = None
    if _is_union(tp) and disc is not None:
        key = disc if isinstance(disc, str) else None
        union = (key, tuple(tag for tag, _ in _tagged_members(tp, disc)))
    return Place(tuple(path), owner, tp, union, plain_union, rivals)


def config_error(
    e: ValidationError,
    model: type[BaseModel],
    *,
    file: str | None = None,
    lines: Mapping[str, int] | None = None,
    hint_for: HintFor | None = None,
    extra_keys: Mapping[type[BaseModel], Sequence[str]] | None = None,
) -> ConfigError:
    """The first pydantic error as a ConfigError: file, line, the dotted path as the user wrote
    it, the bad value, the allowed values, and "did you mean …?" for a misspelt key or value.

    `extra_keys`: keys a model accepts before validation (e.g. a variant's `extends`), offered
    in the hints. `hint_for` lets a caller give a file-specific hint for an error type."""
    errors = e.errors()
    err = _first(errors)
    place = place_of(model, err["loc"])
    path = place.path
    kind = err["type"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    msg = str(err["msg"])
    hint: str | None = None
    if kind == "extra_forbidden":
        msg = "unknown key"
        allowed = [*place.owner.model_fields, *(extra_keys or {}).get(place.owner, ())] if place.owner else []
        if allowed:
            hint = did_you_mean(path[-1] if path else "", allowed) + f"allowed keys: {', '.join(allowed)}"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        key, tags = place.union or (None, ())
        if key is not None:
            path = (*path, key)
        shown = ", ".join(repr(t) for t in tags) or str(ctx.get("expected_tags", ""))
        if kind == "union_tag_invalid":
            tag = str(ctx.get("tag", ""))
            msg = f"unknown {key or 'kind'} {tag!r}"
            hint = did_you_mean(tag, tags) + f"allowed values: {shown}"
        else:
            msg = "missing (required)"
            hint = f"allowed values: {shown}" if shown else None
    elif kind == "missing":
        msg = "missing (required)"
        hint = _choices_hint(place.rivals, path[-1]) if path else None
    elif kind in _MAPPING_ERRORS:
        msg = f"must be a mapping (got {given!r})"
    elif kind == "literal_error":
        msg = f"not one of the allowed values (got {given!r})"
        choices = [str(c) for c in get_args(place.annotation)] if get_origin(place.annotation) is Literal else []
        expected = ", ".join(repr(c) for c in choices) or ctx.get("expected")
        suggestion = did_you_mean(given, choices) if isinstance(given, str) else ""
        hint = f"{suggestion}allowed values: {expected}" if expected else None
    elif kind in ("value_error", "assertion_error") and "error" in ctx:
        msg = str(ctx["error"])
    else:
        # A plain union reports one error per member at the same place: say them all at once.
        others = [x for x in errors[1:] if place.plain_union and x["loc"] != err["loc"]
                  and place_of(model, x["loc"]).path == path]
        if others:
            msg = " or ".join(dict.fromkeys(
                [msg] + [str(x["msg"]).removeprefix("Input should be ") for x in others]))
        if given is not None and not isinstance(given, dict):
            msg = f"{msg} (got {given!r})"
    if hint_for is not None:
        hint = hint_for(kind, path) or hint
    field = ".".join(path) or None
    return ConfigError(msg, file=file, line=line_of(lines, field), field=field, hint=hint)


def _choices_hint(members: Sequence[Any], key: str) -> str | None:
    """The values a missing tag key (`kind`) could take: the Literal values the union's members
    declare for it, and whether a member takes any other (a plugin's)."""
    values: list[str] = []
    open_ended = False
    for member in members:
        field = member.model_fields.get(key) if isinstance(member, type) and issubclass(member, BaseModel) else None
        if field is None:
            continue
        annotation = _unwrap(field.annotation, None)[0]
        if get_origin(annotation) is Literal:
            values.extend(str(v) for v in get_args(annotation))
        else:
            open_ended = True
    if not values:
        return None
    shown = ", ".join(repr(v) for v in values)
    return f"allowed values: {shown}" + (", or a registered plugin's" if open_ended else "")


def _first(errors: list[Any]) -> Any:
    """The error to report: the first, except that a misspelt key beats the required key it
    was meant to be (`modle:` also makes `model` missing; the typo is the cause)."""
    err = errors[0]
    if err["type"] == "missing":
        parent = tuple(err["loc"][:-1])
        for other in errors[1:]:
            if other["type"] == "extra_forbidden" and tuple(other["loc"][:-1]) == parent:
                return other
    return err


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"did you mean X? " for the closest of `choices` (difflib), or "" when none is close."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f"did you mean {close[0]}? " if close else ""


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in _UNIONS


def _field_type(field: FieldInfo) -> tuple[Any, Any]:
    disc: Any = field.discriminator
    for meta in field.metadata:
        if isinstance(meta, Discriminator):
            disc = meta
    return field.annotation, disc


def _unwrap(tp: Any, disc: Any) -> tuple[Any, Any]:
    """Strip Annotated (keeping a discriminator it declares) and Optional (pydantic adds no loc
    step for `X | None`)."""
    while True:
        if get_origin(tp) is Annotated:
            base, *meta = get_args(tp)
            for m in meta:
                if isinstance(m, Discriminator):
                    disc = m
                elif isinstance(m, FieldInfo) and m.discriminator is not None:
                    disc = m.discriminator
            tp = base
            continue
        if _is_union(tp):
            members = [m for m in get_args(tp) if m is not type(None)]
            if len(members) < len(get_args(tp)):
                tp = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
                continue
        return tp, disc


def _tagged_members(union: Any, disc: Any) -> list[tuple[str, Any]]:
    """(tag, member) for each member of a discriminated union."""
    key = disc.discriminator if isinstance(disc, Discriminator) else disc
    out: list[tuple[str, Any]] = []
    for member in get_args(union):
        tags = [m.tag for m in get_args(member)[1:] if isinstance(m, Tag)] if get_origin(member) is Annotated else []
        inner, _ = _unwrap(member, None)
        if not tags and isinstance(key, str) and isinstance(inner, type) and issubclass(inner, BaseModel):
            field = inner.model_fields.get(key)
            annotation = _unwrap(field.annotation, None)[0] if field else None
            if get_origin(annotation) is Literal:
                tags = [str(v) for v in get_args(annotation)]
        out.extend((tag, inner) for tag in tags)
    return out


def _member(union: Any, disc: Any, part: int | str) -> Any:
    """The member of `union` that pydantic names `part` in a loc: a tag for a discriminated
    union, the member's type name (`int`, `JudgeConfig`, `function-after[…, FixedChunker]`)
    for a plain one. None when it cannot be told."""
    if disc is not None:
        for tag, member in _tagged_members(union, disc):
            if tag == str(part):
                return member
        return None
    for member in get_args(union):
        inner, _ = _unwrap(member, None)
        name = getattr(inner, "__name__", None) or getattr(get_origin(inner), "__name__", None)
        label = str(part)
        if name and (label == name or label.startswith(f"{name}[") or label.endswith(f", {name}]")):
            return member
    return None


def kinds_of(model: type[BaseModel], field: str) -> dict[str, type[BaseModel]]:
    """The models a discriminated-union field of `model` can hold, by tag (`{"bm25":
    BM25Retriever, …}` for Variant.retriever); {} when the field is not a discriminated union."""
    info = model.model_fields.get(field)
    if info is None:
        return {}
    tp, disc = _unwrap(*_field_type(info))
    if not _is_union(tp) or disc is None:
        return {}
    return {tag: member for tag, member in _tagged_members(tp, disc)
            if isinstance(member, type) and issubclass(member, BaseModel)}
