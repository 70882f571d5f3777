"""Read YAML config files, keeping line numbers, and turn validation errors into ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from shipcall.config.schema import WorkspaceConfig, deep_merge
from shipcall.errors import ConfigError


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
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(
            f"malformed YAML: {problem}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            hint="check indentation and that every `key: value` pair has a colon",
        ) from None
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", lines)
    return data, lines


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


def line_of(lines: dict[str, int], dotted: str) -> int | None:
    """The line of a dotted field, or of its nearest parent that has one."""
    parts = dotted.split(".")
    while parts:
        key = ".".join(parts)
        if key in lines:
            return lines[key]
        parts.pop()
    return None


def validation_error(
    e: ValidationError, *, file: str, lines: dict[str, int], prefix: str = "", src_prefix: str | None = None
) -> ConfigError:
    """The first pydantic error as a ConfigError with file, line, dotted field and allowed values."""
    err = e.errors()[0]
    loc = [str(p) for p in err["loc"] if not _is_union_tag(p)]
    field = ".".join([prefix, *loc] if prefix else loc) if loc else (prefix or None)
    src_field = ".".join([src_prefix, *loc]) if src_prefix else field
    msg = err["msg"]
    given = err.get("input")
    hint = None
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
        hint = "check the spelling; see the comments in the file `shipcall init` writes"
    elif err["type"] in ("literal_error", "union_tag_invalid"):
        expected = (err.get("ctx") or {}).get("expected") or (err.get("ctx") or {}).get("expected_tags")
        hint = f"allowed values: {expected}" if expected else None
        msg = f"{msg} (got {given!r})"
    elif given is not None and not isinstance(given, dict):
        msg = f"{msg} (got {given!r})"
    return ConfigError(msg, file=file, line=line_of(lines, src_field or ""), field=field, hint=hint)


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {
        "fixed", "heading", "sentence", "document", "bm25", "extractive", "plugin", "openai", "anthropic",
        "tfidf-logreg", "embedding-logreg", "zero-shot",
        "ExtractiveGenerator", "PluginGenerator", "function-after[_overlap_below_size(), FixedChunker]",
    } or (isinstance(part, str) and part.startswith("function-"))


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
            body = deep_merge(resolve(parent, (*stack, parent)), body)
        out[name] = body
        return body

    for name in raw:
        resolve(name, (name,))
    return {name: out[name] for name in raw}


def load_workspace_config(path: Path, kinds: dict[str, list[str]] | None = None) -> WorkspaceConfig:
    """Read and validate shipcall.yaml. `kinds`: the registered kinds per variant section
    (chunker, retriever, generator, task); a kind none of them knows is an error naming its line."""
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
    for name, variant in config.variants.items():
        for section, known in (kinds or {}).items():
            kind = variant.task if section == "task" else getattr(variant, section).kind
            if kind not in known:
                field = f"variants.{name}.{section}"
                raise ConfigError(f"unknown {section} kind {kind!r}", file=file, line=line_of(lines, field),
                                  field=field, hint=f"registered: {', '.join(known)} (plugins register through "
                                                    f"the shipcall.{section}s entry point group)")
    return config


def validate(model: type[BaseModel], data: Any, *, file: str, lines: dict[str, int], prefix: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, file=file, lines=lines, prefix=prefix) from None
