"""`shipcall contract check [FILE]`: validate the evaluation contract."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option


@click.group("contract")
def cli() -> None:
    """The evaluation contract: what "good" means, declared before building.

    Example: shipcall contract check contract.yaml
    """


@cli.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@json_option
@click.pass_context
def check(ctx: click.Context, path: str | None, as_json: bool) -> None:
    """Validate FILE (default: the workspace's contract.yaml) and print it with defaults filled.

    Example: shipcall contract check
    """
    from shipcall.app.workspace import Workspace
    from shipcall.config.load_contract import load_contract

    if path is None:
        root = ctx.find_root().obj.get("workspace") if ctx.find_root().obj else None
        path = str(Workspace.open(root).contract_path)
    c = load_contract(path)
    if as_json:
        emit_json({"file": path, "valid": True, "hash": c.hash, "contract": c.to_dict()})
        return
    click.echo(f"{path}: valid (hash {c.hash})")
    click.echo(f"  primary {c.primary}; alpha {c.alpha}; correction {c.correction}; tolerance {c.tolerance}; "
               f"min_cohort_size {c.min_cohort_size}; max_error_rate {c.max_error_rate}")
    for m, rule in c.metrics.items():
        bound = " ".join(f"{k} {v}" for k, v in rule.model_dump(exclude_none=True).items())
        click.echo(f"  {m}: {bound}" + ("  (guarded)" if m in c.guarded else ""))
    click.echo(f"  cohorts: {', '.join(c.cohorts) or '(none)'}; must_pass: {', '.join(c.must_pass) or '(none)'}")
