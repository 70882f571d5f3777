"""The `shipcall` command group and the one place that maps outcomes to exit codes.

SHIP → 0, WAIT → 1, ShipcallError → message on stderr and 2 (traceback only with --debug),
Ctrl-C → 130; a full disk or a read-only file system (OSError ENOSPC, EROFS, EACCES) is an
operational failure: its message and 2. Anything else is a bug: traceback and 2. Subcommands live one per module and
import their heavy dependencies inside the command, so `shipcall --help` stays fast.
"""

from __future__ import annotations

import sys
import traceback
from importlib import import_module
from typing import Any

import click

# command name -> module under shipcall.cli exposing `cli` (a click command or group)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Create a workspace: shipcall.yaml, contract.yaml and the store."),
    "ingest": ("ingest", "Read a folder of documents (or a BEIR corpus) into the workspace."),
    "docs": ("docs", "List the corpus's documents and the ids evidence uses; show one."),
    "ask": ("ask", "Answer a question with a variant, with citations."),
    "demo": ("demo", "Build the bundled sample workspace and run the whole loop, offline."),
    "dataset": ("dataset", "Import, list, show, diff, export and check evaluation datasets."),
    "run": ("run", "Run a variant over a dataset version (resumable)."),
    "sweep": ("sweep", "Run every combination of chunking and retrieval choices; rank them."),
    "runs": ("runs", "List runs."),
    "show": ("show", "Show a run's metrics overall and per cohort."),
    "export": ("export", "Export a run's per-item results (JSONL or TREC)."),
    "calibrate": ("calibrate", "Choose a variant's abstention threshold on a dataset; write a new variant."),
    "compare": ("compare", "Compare a candidate run with a baseline run, per cohort."),
    "failures": ("failures", "Failure modes of a run: Pareto table and examples."),
    "variants": ("variants", "The variants side by side: quality, latency, cost; the Pareto frontier marked."),
    "report": ("report", "Write a self-contained HTML report of a run, comparison, decision or the variants."),
    "gate": ("gate", "Decide SHIP or WAIT from the contract; exit 0 SHIP, 1 WAIT."),
    "decide": ("decide", "Record a human decision (an override) with its reason."),
    "decisions": ("decisions", "List the recorded ship/wait decisions."),
    "contract": ("contract", "Validate the evaluation contract."),
    "explain": ("explain", "Explain a decision to executives, domain experts or legal, from its evidence."),
    "casestudy": ("casestudy", "Write a case study from the decision history."),
    "serve": ("serve", "Serve the feature over HTTP (canary, production log, redaction, token)."),
    "logs": ("logs", "Read the production log of `shipcall serve` (redacted); prune old entries."),
    "review": ("review", "Review queue: sample logged queries, review them, promote them into a dataset."),
    "drift": ("drift", "How far the production query mix has moved from a dataset."),
    "canary": ("canary", "The live canary every server follows: status, set --share, promote, rollback."),
    "monitor": ("monitor", "Canary: always-valid comparison of baseline and candidate, per cohort."),
    "store": ("store", "The workspace's store: info (URL, kind, migration, size), pending migrations, copy."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = import_module(f"shipcall.cli.{COMMANDS[name][0]}")
        return module.cli

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(n, h) for n, (_, h) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", type=click.Path(file_okay=False), default=None,
              help="Workspace folder (default: the nearest shipcall.yaml at or above the current folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="shipcall")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, debug: bool) -> None:
    """shipcall: answer questions over your documents, and decide with evidence whether a
    change ships or waits.

    Quickstart: `shipcall demo` builds a sample workspace and runs the whole loop offline.

    Example: shipcall init docs-ws && cd docs-ws && shipcall ingest ~/company-docs
    """
    ctx.obj = {"workspace": workspace, "debug": debug}


def main(argv: list[str] | None = None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    if argv is None:  # the `shipcall` process itself (the console script, python -m shipcall)
        from shipcall.adapters.heap import one_shot_process

        one_shot_process()
    try:
        rv: Any = cli.main(args=argv, prog_name="shipcall", standalone_mode=False)
    except KeyboardInterrupt as e:
        from shipcall.errors import Interrupted

        print(f"interrupted: {e.message}" if isinstance(e, Interrupted) else "interrupted", file=sys.stderr)
        sys.exit(130)
    except click.exceptions.Abort as e:  # click turns Ctrl-C into Abort, keeping the KeyboardInterrupt as cause
        from shipcall.errors import Interrupted

        cause = e.__cause__
        print(f"interrupted: {cause.message}" if isinstance(cause, Interrupted) else "interrupted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:
        from shipcall.errors import ShipcallError

        if isinstance(e, OSError):  # a full disk, a read-only file system: operational, not a bug
            from shipcall.adapters.store.errors import translate_os_error

            e = translate_os_error(e) or e
        if isinstance(e, ShipcallError):
            if debug:
                traceback.print_exc()
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
        traceback.print_exc()
        print("error: this is a bug in shipcall; please report it with the traceback above", file=sys.stderr)
        sys.exit(2)
    sys.exit(rv if isinstance(rv, int) else 0)
