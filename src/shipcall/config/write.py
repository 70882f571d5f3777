"""Add a variant to shipcall.yaml without touching anything else in it.

Why by hand: PyYAML drops comments when it writes a file, and shipcall.yaml is a commented file
people edit. The new variant is inserted as text right after the last line of the `variants:`
block (found with PyYAML's node marks), indented like the variants above it; then the file is
loaded again, and put back as it was if it no longer validates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from shipcall.config.load import load_workspace_config
from shipcall.errors import ConfigError


def variant_names(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    variants = data.get("variants") if isinstance(data, dict) else None
    return list(variants) if isinstance(variants, dict) else []


def free_name(path: Path, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, … when it is taken."""
    taken = set(variant_names(path))
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def add_variant(path: Path, name: str, spec: dict[str, Any], comment: str = "") -> None:
    """Insert `name: spec` (flow-style values, one key per line) at the end of `variants:`."""
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = None
    if isinstance(root, yaml.MappingNode):
        node = next((v for k, v in root.value if k.value == "variants"), None)
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise ConfigError("no `variants:` mapping to add to", file=str(path), field="variants")
    if node.flow_style:
        raise ConfigError("`variants:` is written in flow style ({...}); cannot add a variant to it safely",
                          file=str(path), field="variants",
                          hint=f"add it by hand: {name}: {json.dumps(spec)}")
    if name in {k.value for k, _ in node.value}:
        raise ConfigError(f"variant {name!r} already exists", file=str(path), field=f"variants.{name}",
                          hint="choose another name")
    indent = " " * node.value[0][0].start_mark.column
    last_value = node.value[-1][1]
    end = last_value.end_mark.index
    if end > 0 and text[end - 1] == "\n":  # a block value ends at the start of the next line
        at = end
    else:
        nl = text.find("\n", end)
        at = len(text) if nl < 0 else nl + 1
    lines = [f"{indent}# {line}" for line in comment.splitlines()] if comment else []
    lines.append(f"{indent}{name}:")
    lines += [f"{indent}  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in spec.items()]
    block = "\n".join(lines) + "\n"
    prefix = text[:at] if at == 0 or text[at - 1] == "\n" else text[:at] + "\n"
    path.write_text(prefix + block + text[at:], encoding="utf-8")
    try:
        config = load_workspace_config(path)
    except ConfigError:
        path.write_text(text, encoding="utf-8")
        raise
    if name not in config.variants:
        path.write_text(text, encoding="utf-8")
        raise ConfigError(f"could not add variant {name!r}", file=str(path), field="variants")
