"""Read contract.yaml: YAML with line numbers → Contract, every problem a ConfigError naming the
file, line and dotted field (the validation itself is pure, in config/contract.py)."""

from __future__ import annotations

from pathlib import Path

from shipcall.config.contract import Contract, parse_contract
from shipcall.config.load import read_yaml


def load_contract(path: str | Path) -> Contract:
    """Load and validate a contract file (`shipcall contract check`, `compare`, `gate`)."""
    p = Path(path)
    data, lines = read_yaml(p)
    return parse_contract(data, file=str(p), lines=lines)
