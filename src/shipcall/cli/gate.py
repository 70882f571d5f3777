"""`shipcall gate`: SHIP (exit 0) or WAIT (exit 1) from the contract, with every reason."""

from __future__ import annotations

import click

from shipcall.cli._common import (
    blas_on_one_thread,
    check_output_path,
    emit_json,
    json_option,
    workspace,
    write_output,
)


@click.command("gate")
@click.option("--baseline", default=None,
              help="Baseline run id (default: the newest finished run of another variant on the candidate's dataset).")
@click.option("--candidate", default=None,
              help="Candidate run id (default: the newest finished run; the baseline's own id: an A/A check).")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False), default=None,
              help="Contract file (default: the workspace's contract.yaml).")
@click.option("--author", default=None, help="Who makes the call (default: $SHIPCALL_AUTHOR or $USER).")
@click.option("--note", default="", help="Rationale recorded with the decision.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None, help="Also write JUnit XML.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False), default=None, help="Also write Markdown.")
@click.option("--weights", type=click.Choice(["eval", "production"]), default="eval", show_default=True,
              help="production: also re-weight cohort results to the production log's mix; a guarded metric "
                   "that regresses there blocks.")
@click.option("--record/--no-record", "record", default=None,
              help="Record the decision (default: yes, except an A/A gate of a run against itself).")
@json_option
@click.pass_context
def cli(ctx: click.Context, baseline: str | None, candidate: str | None, contract_path: str | None, author: str | None,
        note: str, junit_path: str | None, md_path: str | None, weights: str, record: bool | None,
        as_json: bool) -> int:
    """Apply the contract to CANDIDATE against BASELINE and record the decision. Exits 0 for
    SHIP, 1 for WAIT, 2 for errors.

    Example: shipcall gate --baseline r1 --candidate r2 --junit gate.xml
    """
    blas_on_one_thread()
    from shipcall.app.decisions import gate
    from shipcall.render.gate_files import junit_xml, markdown
    from shipcall.render.text import print_decision, print_report

    for path, field in ((junit_path, "--junit"), (md_path, "--markdown")):
        if path is not None:
            check_output_path(path, field=field)  # before the decision is recorded
    ws = workspace(ctx)
    from shipcall.app.defaults import default_pair

    pair = default_pair(ws, baseline, candidate)
    if pair.chosen:
        click.echo(f"gate: {pair.chosen} (--baseline/--candidate choose others)", err=True)
    from shipcall.adapters.heap import long_lived_frozen

    contract = ws.contract(contract_path)
    with long_lived_frozen():  # what is loaded so far lives as long as the command
        decision, report = gate(ws, pair.baseline, pair.candidate, contract, note=note, who=author, weights=weights,
                                record_decision=record)
    from shipcall.core.narrative import gate_sentence

    sentence = gate_sentence(decision.to_dict(), report.comparison.to_dict(), contract.primary, list(contract.guarded))
    if junit_path is not None:
        write_output(junit_path, junit_xml(decision, sentence), field="--junit")
    if md_path is not None:
        write_output(md_path, markdown(decision, report, sentence), field="--markdown")
    if as_json:
        unreviewed = next((len(f.items) for f in (report.health.findings if report.health else [])
                           if f.check == "unreviewed"), 0)
        emit_json(decision.to_dict() | {"comparison": report.comparison.to_dict(), "unreviewed_items": unreviewed}
                  | ({"production_weights": report.production.to_dict()} if report.production is not None else {}))
    else:
        click.echo(sentence + "\n")
        print_report(report)
        if report.production is not None:
            from shipcall.render.production import print_weights

            print_weights(report.production)
        click.echo("")
        print_decision(decision)
    return 0 if decision.verdict == "SHIP" else 1
