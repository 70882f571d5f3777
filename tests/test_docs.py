"""Every command has help with an example and is documented in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from shipcall.cli.main import COMMANDS, cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def all_commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    out = []
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        assert cmd is not None, name
        out.append((name, cmd))
        if isinstance(cmd, click.Group):
            out.extend((f"{name} {sub}", c) for sub, c in cmd.commands.items())
    return out


@pytest.mark.parametrize(("name", "cmd"), all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_command_has_help_with_example(name: str, cmd: click.Command) -> None:
    assert cmd.help and "Example:" in cmd.help, f"`shipcall {name}` needs help with an Example:"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    assert f"shipcall {name}" in README, f"README does not mention `shipcall {name}`"


def test_json_flag_everywhere_it_prints_results() -> None:
    no_json = {"export", "dataset export", "dataset", "contract", "demo", "review"}  # groups: their commands have it
    missing = [n for n, c in all_commands() if n not in no_json and not isinstance(c, click.Group)
               and not any(p.name == "as_json" for p in c.params)]
    assert not missing, f"commands without --json: {missing}"
