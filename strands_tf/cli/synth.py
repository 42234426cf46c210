"""`strands synth`: write the Terraform for one environment (CDKTF layout, optionally HCL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from strands_tf.cli.context import app_context
from strands_tf.cli.render import print_json, status, warning


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory for the CDKTF layout (default: cdktf.out in the project).",
)
@click.option(
    "--hcl",
    "hcl_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the committable HCL export (.tf files, vendored modules, ignore files) to this directory.",
)
@click.option(
    "--check",
    is_flag=True,
    help="With --hcl: write nothing; exit 1 with a diff summary when the export in DIR is stale (for CI).",
)
@click.option("--no-package", is_flag=True, help="Skip building agent code zips and layers (faster; for review).")
@click.option("--json", "as_json", is_flag=True, help="Print stacks, files and warnings as JSON.")
@click.pass_context
def synth(
    ctx: click.Context,
    out_dir: Path | None,
    hcl_dir: Path | None,
    no_package: bool,
    as_json: bool,
    check: bool,
) -> None:
    """Turn strands.yaml into Terraform: cdktf.out/manifest.json and stacks/<stack>/cdk.tf.json.

    Output is byte-identical across runs and machines. With `stacks: per_agent`, --agent NAME
    writes only those agents' stacks (plus what they depend on); a single stack is written whole.

    \b
    Examples:
      strands synth -e dev
      strands synth -e prod --hcl infra/prod     # commit-ready .tf files
      strands --agent 'support-*' synth -e dev
      strands synth -e prod --hcl infra/prod --check   # CI: fail when the commit is stale

    The HCL export references the agent zips by hash; `strands package -e ENV --hcl DIR` builds them.
    """
    from strands_tf.deploy.selection import Selection, layout_of_stacks, select_stacks
    from strands_tf.generators.synth import package_agents, synthesize

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    import os

    # run by the cdktn CLI (`cdktn synth/diff/list`, `--output`): write where it asks, and leave the folders of
    # stacks that are gone for it to remove
    run_by_cdktn = out_dir is None and bool(os.environ.get("CDKTF_OUTDIR"))
    if run_by_cdktn:
        out_dir = Path(os.environ["CDKTF_OUTDIR"])
    chosen: list[Selection] = []

    def choose(stacks: list[Any]) -> list[str]:
        selection = select_stacks(layout_of_stacks(stacks), resolved.selected_agents, "synth")
        chosen.append(selection)
        return list(selection.stacks)

    stack_filter = choose if app.agent_patterns else None
    out = out_dir if out_dir is None or out_dir.is_absolute() else Path.cwd() / out_dir
    hcl = hcl_dir if hcl_dir is None or hcl_dir.is_absolute() else Path.cwd() / hcl_dir
    if check:
        if hcl is None:
            raise click.UsageError("--check compares an HCL export: give --hcl DIR")
        if no_package:
            raise click.UsageError("--check needs the agent packages (their hashes are in the HCL): drop --no-package")
        _check_export(ctx, hcl, hcl_dir, stack_filter, as_json)
        return
    result = synthesize(
        loaded,
        resolved,
        out,
        packager=None if no_package else package_agents,
        stack_filter=stack_filter,
        hcl_dir=hcl,
        keep_stale_stacks=run_by_cdktn,
    )
    notes = chosen[0].notes if chosen else []
    if as_json:
        print_json(
            {
                "ok": True,
                "environment": resolved.environment.name,
                "out": str(result.out_dir),
                "stacks": [
                    {"name": s.name, "dependencies": s.dependencies, "modules": s.modules} for s in result.stacks
                ],
                "files": result.files,
                "warnings": result.warnings + notes,
            }
        )
        return
    for stack in result.stacks:
        deps = f" (after {', '.join(stack.dependencies)})" if stack.dependencies else ""
        status(
            f"stack {click.style(stack.name, bold=True)}: {len(stack.nodes)} constructs, "
            f"{len(stack.outputs)} outputs{deps}",
            mark="✓",
        )
    status(f"wrote {len(result.files)} files to {result.out_dir}")
    if hcl is not None:
        status(f"wrote HCL to {hcl}")
        if not no_package and any(resolved.agents):
            env = resolved.environment.name
            status(f"the agent zips are not part of the export: `strands package -e {env} --hcl {hcl_dir}` builds them")
    for text in result.warnings + notes:
        warning(text)


def _check_export(ctx: click.Context, hcl: Path, shown: Path, stack_filter: Any, as_json: bool) -> None:
    from strands_tf.errors import UserError
    from strands_tf.generators.synth import check_export

    app = app_context(ctx)
    resolved = app.resolve()
    checked = check_export(app.load(), resolved, hcl, stack_filter=stack_filter)
    diff = checked.diff
    if as_json:
        print_json(
            {
                "ok": not diff.stale,
                "environment": resolved.environment.name,
                "export": str(hcl),
                "added": diff.added,
                "removed": diff.removed,
                "changed": {k: {"added_lines": a, "removed_lines": r} for k, (a, r) in diff.changed.items()},
            }
        )
        if diff.stale:
            ctx.exit(1)
        return
    from strands_tf.printable import printable

    # the export is committed: its names and lines are whatever a pull request put there
    for line in diff.summary():
        click.echo(printable(line))
    for lines in checked.details.values():
        click.echo("")
        click.echo(printable("\n".join(lines)))
    if diff.stale:
        count = len(diff.added) + len(diff.removed) + len(diff.changed)
        raise UserError(
            f"the HCL export in {shown} is stale: {count} file{'s' if count != 1 else ''} differ from strands.yaml "
            "and the agent code",
            hint=f"run `strands synth -e {resolved.environment.name} --hcl {shown}` and commit the result",
        )
    status(f"HCL export in {shown} is up to date", mark="✓")
