"""`strands analyze`: why a deployment failed, in strands.yaml's words, with a concrete fix (rules, then a model)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


def _context(loaded: Any, record: Any, region: str) -> Any:
    """What the rules read: the checkout's configuration, its locations and owners for the record's environment."""
    from strands_tf.config import resolve
    from strands_tf.deploy.project import project_owner_resolver
    from strands_tf.errors import StrandsError
    from strands_tf.operate.rules import RuleContext, config_locator

    try:
        owner_of = project_owner_resolver(loaded, resolve(loaded, record.environment))
    except StrandsError:
        owner_of = None  # the environment left strands.yaml: findings name addresses only

    return RuleContext(record, loaded.config, config_locator(loaded), owner_of, region)


def _checked_patches(findings: list[Any], root: Path) -> dict[int, Any]:
    """Each finding's proposed change, kept only when the loader accepts it (index -> ConfigPatch)."""
    from strands_tf.errors import StrandsError
    from strands_tf.operate.patch import plan_patch, validate_patch

    out: dict[int, Any] = {}
    for index, finding in enumerate(findings):
        if not finding.patch:
            continue
        try:
            patch = plan_patch(root, list(finding.patch))
            validate_patch(patch)
        except StrandsError:
            continue
        if not patch.empty:
            out[index] = patch
    return out


def _render(console: Any, record: Any, findings: list[Any], patches: dict[int, Any], llm: Any) -> None:
    from strands_tf.cli.drift import owner_title

    console.print(
        f"[bold]deployment {escape(record.id)}[/]: {escape(record.command)} of {escape(record.project)}/"
        f"{escape(record.environment)} [red]{escape(record.status)}[/] [dim]({escape(record.source)})[/]"
    )
    for name, stack in record.stacks.items():
        if stack.status not in ("applied", "no_changes"):
            console.print(f"  stack {escape(name)}: {escape(stack.status)}")
    if not findings:
        console.print("  no error was recorded (an interrupted run?): `strands apply --resume` continues it")
    for number, finding in enumerate(findings, 1):
        console.print(f"\n[bold]{number}. {escape(finding.title)}[/] [dim]({escape(finding.rule)})[/]")
        if finding.owner is not None or finding.address:
            where = owner_title(finding.owner) if finding.owner else "(no strands.yaml element)"
            console.print(f"   where: {escape(where)}" + (f", {escape(finding.address)}" if finding.address else ""))
        console.print(f"   cause: {escape(finding.cause)}")
        console.print(f"   [bold]fix[/]: {escape(finding.fix)}")
        console.print(f"   [dim]Terraform said: {escape(finding.evidence)}[/]")
        patch = patches.get(number - 1)
        if patch is not None:
            console.print("   proposed strands.yaml change (checked by the loader):")
            console.print(escape(patch.diff()), end="")
    if llm is not None:
        console.print("\n[bold]model's analysis[/]")
        console.print(escape(llm.explanation or "(no answer)"))
        if llm.patch is not None:
            console.print("proposed strands.yaml change (checked by the loader):")
            console.print(escape(llm.patch.diff()), end="")
        elif llm.attempts:
            console.print(f"[yellow]none of its {len(llm.attempts)} proposed change(s) passed the loader[/]")


@click.command()
@click.argument("deployment", required=False)
@click.option("--llm", is_flag=True, help="Also ask a model (a Strands agent with tools over the record and config).")
@click.option(
    "--model",
    "model_choice",
    type=click.Choice(["config", "scripted"]),
    default="config",
    show_default=True,
    help="config: the model of `analyze:` in strands.yaml (Bedrock by default); scripted: offline replies.",
)
@click.option(
    "--script",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON array of scripted replies and {tool, input} calls; with --model scripted.",
)
@click.option("--write", "write", is_flag=True, help="Write the proposed strands.yaml change (after confirmation).")
@click.option("--auto-approve", is_flag=True, help="With --write: do not ask.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable analysis on stdout.")
@click.pass_context
def analyze(ctx: click.Context, deployment: str | None, llm: bool, model_choice: str, script: Path | None,
            write: bool, auto_approve: bool, as_json: bool) -> int:  # fmt: skip
    """Explain a failed deployment and propose a fix (default: the environment's newest failed one).

    Reads the deployment's record (outcome per stack, Terraform's diagnostics and events, plans, the
    configuration) and runs a rule base of known AWS and Terraform failures first: quotas, names
    already taken, permission denied (with the missing action), KMS keys, VPC and network interface
    limits, Lambda concurrency, IAM propagation. Each finding names the strands.yaml element and
    line, the cause and a concrete fix. With --llm a Strands agent reads the same record through
    tools and proposes a strands.yaml change; every proposed change is checked by the loader before
    it is shown, and --write writes it.

    \b
    Examples:
      strands analyze -e prod
      strands analyze 20261125T150102Z-3fa1c2 --json
      strands analyze -e dev --llm --write
      strands analyze -e local --llm --model scripted --script replies.json
    """
    from strands_tf.errors import ExitCode, UserError
    from strands_tf.history.redact import Redactor
    from strands_tf.operate.patch import write_patch
    from strands_tf.operate.record import load_record
    from strands_tf.operate.rules import analyze_record

    if script is not None and model_choice != "scripted":
        raise click.UsageError("--script only applies with --model scripted")
    if model_choice == "scripted" and script is None:
        raise click.UsageError("--model scripted needs --script FILE")
    if write and not auto_approve and not sys.stdin.isatty():
        raise UserError("refusing to write strands.yaml without confirmation: standard input is not a terminal",
                        hint="run again with --auto-approve")  # fmt: skip
    console = make_console(stderr=as_json)
    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    endpoint = None
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.emulator_target import emulator_endpoint
        from strands_tf.deploy.workspace import Workspace

        endpoint = emulator_endpoint(Workspace(loaded.root))
    record = load_record(loaded, resolved, deployment, endpoint_url=endpoint)
    findings = analyze_record(_context(loaded, record, resolved.environment.region)) if record.failed else []
    patches = _checked_patches(findings, loaded.root)
    analysis = None
    if llm and record.failed:
        from strands_tf.operate.agent import build_model, run_agent

        model = build_model(loaded.config.analyze, region=resolved.environment.region,
                            script=script if model_choice == "scripted" else None)  # fmt: skip
        redactor = Redactor(patterns=list(loaded.config.history.redact))
        with console.status("asking the model…", spinner="dots"):
            analysis = run_agent(model, record, findings, loaded.root, lambda text: redactor.text(text)[0])
    if as_json:
        print_json(
            {
                "deployment": record.brief(),
                "findings": [
                    {**f.to_json(), "checked_patch": patches[i].to_json() if i in patches else None}
                    for i, f in enumerate(findings)
                ],
                "llm": analysis.to_json() if analysis is not None else None,
            }
        )
    elif not record.failed:
        console.print(f"deployment {escape(record.id)} {escape(record.status)}: nothing to analyze")
    else:
        _render(console, record, findings, patches, analysis)
    if write:
        chosen = analysis.patch if analysis is not None and analysis.patch is not None else None
        if chosen is None and len(patches) == 1:
            chosen = next(iter(patches.values()))
        if chosen is None:
            raise UserError("there is no single checked strands.yaml change to write",
                            hint="apply one of the fixes above by hand")  # fmt: skip
        if not auto_approve and not click.confirm("Write this change to strands.yaml?", default=False):
            raise UserError("not confirmed; nothing was written")
        written = write_patch(chosen)
        console.print(f"wrote {escape(', '.join(written))}; `strands plan` shows what it changes")
    return ExitCode.OK
