"""Read YAML config files, keeping line numbers, and turn validation errors into ConfigError."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from shipcall.config.errors import config_error, did_you_mean, line_of
from shipcall.config.schema import Variant, WorkspaceConfig, builtin_models, deep_merge
from shipcall.errors import ConfigError

__all__ = ["check_kinds", "line_of", "load_workspace_config", "read_yaml", "resolve_variants", "validate"]


def read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file; return the data and a map from dotted key path to 1-based line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=str(path)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise _yaml_error(e, text, str(path)) from None
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", lines)
    return data, lines


# PyYAML's `context` when it fails inside a flow collection or a quoted string. Its own mark is
# where it gave up (the next key, or the end of the file), so for a bracket or quote left open
# the line to show is the context's: where the `{`, `[` or quote was opened.
_OPENED = {
    "while parsing a flow mapping": "}",
    "while parsing a flow sequence": "]",
    "while scanning a quoted scalar": None,  # a quoted string only fails at the end of the file
}


def _yaml_error(e: yaml.YAMLError, text: str, file: str) -> ConfigError:
    problem_mark = getattr(e, "problem_mark", None)
    context_mark = getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    if context in _OPENED and context_mark is not None and 0 <= context_mark.index < len(text):
        opener, closer = text[context_mark.index], _OPENED[context]
        opened = f"line {context_mark.line + 1}, column {context_mark.column + 1}"
        if closer is None or not _closes(text, context_mark.index):
            where = f" on line {problem_mark.line + 1}" if problem_mark is not None else ""
            return ConfigError(
                f"malformed YAML: `{opener}` at column {context_mark.column + 1} is never closed "
                f"({problem}{where})", file=file, line=context_mark.line + 1,
                hint=f"close it with `{closer or opener}`, or quote the value if `{opener}` is part of it",
            )
        return ConfigError(
            f"malformed YAML: {problem}", file=file,
            line=problem_mark.line + 1 if problem_mark is not None else context_mark.line + 1,
            hint=f"inside the `{opener}` opened on {opened}: separate the entries with commas",
        )
    return ConfigError(
        f"malformed YAML: {problem}",
        file=file,
        line=problem_mark.line + 1 if problem_mark is not None else None,
        hint="check indentation and that every `key: value` pair has a colon",
    )


def _closes(text: str, start: int) -> bool:
    """Whether the `{` or `[` at `start` is ever closed: brackets counted outside quoted strings
    and comments. Hand-written because PyYAML reports only where it gave up, not whether the
    bracket it was parsing has a partner further on."""
    depth, i, n, last = 0, start, len(text), "\n"
    while i < n:
        c = text[i]
        if c in "'\"" and last in ":,[{-\n":  # a quote opens a string only where a value starts
            i += 1
            while i < n and text[i] != c:
                i += 2 if c == '"' and text[i] == "\\" else 1
        elif c == "#" and text[i - 1].isspace():
            while i < n and text[i] != "\n":
                i += 1
            c = "\n"
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return True
        if not c.isspace() or c == "\n":
            last = c
        i += 1
    return False


def _walk(node: yaml.Node, prefix: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            _walk(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            key = f"{prefix}.{i}"
            lines[key] = child.start_mark.line + 1
            _walk(child, key, lines)


def resolve_variants(raw: dict[str, Any], *, file: str, lines: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Apply `extends: OTHER` (deep merge, chains allowed, cycles are errors)."""
    out: dict[str, dict[str, Any]] = {}

    def resolve(name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        if name in out:
            return out[name]
        spec = raw[name]
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise ConfigError("a variant must be a mapping", file=file,
                              line=line_of(lines, f"variants.{name}"), field=f"variants.{name}")
        parent = spec.get("extends")
        body = {k: v for k, v in spec.items() if k != "extends"}
        if parent is not None:
            if parent not in raw:
                raise ConfigError(f"extends an unknown variant {parent!r}", file=file,
                                  line=line_of(lines, f"variants.{name}.extends"),
                                  field=f"variants.{name}.extends", hint=f"variants: {', '.join(raw)}")
            if parent in stack:
                raise ConfigError(f"circular extends: {' -> '.join((*stack, parent))}", file=file,
                                  line=line_of(lines, f"variants.{name}.extends"),
                                  field=f"variants.{name}.extends")
            base = resolve(parent, (*stack, parent))
            _inherit_lines(lines, base, body, f"variants.{parent}", f"variants.{name}")
            body = deep_merge(base, body)
        out[name] = body
        return body

    for name in raw:
        resolve(name, (name,))
    return {name: out[name] for name in raw}


def _inherit_lines(lines: dict[str, int], base: dict[str, Any], override: dict[str, Any], src: str, dst: str) -> None:
    """Give the keys a variant inherits through `extends` the lines where the parent wrote them,
    following deep_merge's rules (a changed `kind` replaces the whole mapping), so an error in
    an inherited key points at the line that holds it."""
    for key, value in base.items():
        if key not in override:
            head = f"{src}.{key}"
            for dotted, line in list(lines.items()):
                if dotted == head or dotted.startswith(head + "."):
                    lines.setdefault(dst + dotted[len(src):], line)
        elif isinstance(value, dict) and isinstance(override[key], dict) and (
                "kind" not in override[key] or override[key]["kind"] == value.get("kind")):
            _inherit_lines(lines, value, override[key], f"{src}.{key}", f"{dst}.{key}")


# section ("chunker", "retriever", "generator", "task") -> the kinds registered for it. The app
# passes the registries' names (config cannot import adapters); it is asked only about a kind
# the schema does not know, so a workspace of built-in kinds never scans the entry points.
RegisteredKinds = Callable[[str], Collection[str]]
SECTIONS = ("chunker", "retriever", "generator", "task")


def load_workspace_config(path: Path, kinds: RegisteredKinds | None = None) -> WorkspaceConfig:
    """Read and validate shipcall.yaml. With `kinds`, a kind that is neither built in nor
    registered (`kind: hybird`) is an error here, at its line, not when the variant first runs."""
    data, lines = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping with at least `variants:`", file=file)
    variants = data.get("variants")
    if not isinstance(variants, dict) or not variants:
        raise ConfigError("missing or empty", file=file, line=line_of(lines, "variants"), field="variants",
                          hint="define at least one variant, e.g. `baseline: {chunker: {kind: heading}}`")
    data = {**data, "variants": resolve_variants(variants, file=file, lines=lines)}
    config: WorkspaceConfig = validate(WorkspaceConfig, data, file=file, lines=lines)
    if kinds is not None:
        check_kinds(config, kinds, file=file, lines=lines)
    return config


def check_kinds(config: WorkspaceConfig, kinds: RegisteredKinds, *, file: str | None = None,
                lines: dict[str, int] | None = None) -> None:
    """Every variant's chunker, retriever and generator kind and its task are built in (the
    schema's own kinds; the default task) or registered."""
    names: dict[str, Collection[str]] = {}
    for name, variant in config.variants.items():
        for section in SECTIONS:
            if section == "task":
                kind, field = variant.task, f"variants.{name}.task"
                if kind == Variant.model_fields["task"].default:
                    continue
            else:
                kind, field = getattr(variant, section).kind, f"variants.{name}.{section}.kind"
                if kind in builtin_models(section):
                    continue
            if section not in names:
                names[section] = kinds(section)
            if kind not in names[section]:
                known = sorted(names[section])
                raise ConfigError(f"unknown {section} kind {kind!r}", file=file, line=line_of(lines, field),
                                  field=field, hint=did_you_mean(kind, known)
                                  + f"registered {section}s: {', '.join(known) or '(none)'} (plugins register "
                                  f"through the `shipcall.{section}s` entry point group)")


def validate(model: type[BaseModel], data: Any, *, file: str, lines: dict[str, int]) -> Any:
    """Validate `data` as `model`; the first error is a ConfigError with the file and line."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise config_error(e, model, file=file, lines=lines, extra_keys=_EXTRA_KEYS) from None


# Keys read before validation (resolve_variants removes them), offered in "did you mean …?".
_EXTRA_KEYS: dict[type[BaseModel], tuple[str, ...]] = {Variant: ("extends",)}
