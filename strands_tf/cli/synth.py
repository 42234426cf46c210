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
    help="Also write readable .tf files (and the vendored modules) to this directory.",
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
) -> None:
    """Turn strands.yaml into Terraform: cdktf.out/manifest.json and stacks/<stack>/cdk.tf.json.

    Output is byte-identical across runs and machines. With `stacks: per_agent`, --agent NAME
    writes only those agents' stacks (plus what they depend on); a single stack is written whole.

    \b
    Examples:
      strands synth -e dev
      strands synth -e prod --hcl infra/prod     # commit-ready .tf files
      strands --agent 'support-*' synth -e dev
    """
    from strands_tf.deploy.selection import Selection, layout_of_stacks, select_stacks
    from strands_tf.generators.synth import package_agents, synthesize

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    chosen: list[Selection] = []

    def choose(stacks: list[Any]) -> list[str]:
        selection = select_stacks(layout_of_stacks(stacks), resolved.selected_agents, "synth")
        chosen.append(selection)
        return list(selection.stacks)

    out = out_dir if out_dir is None or out_dir.is_absolute() else Path.cwd() / out_dir
    hcl = hcl_dir if hcl_dir is None or hcl_dir.is_absolute() else Path.cwd() / hcl_dir
    result = synthesize(
        loaded,
        resolved,
        out,
        packager=None if no_package else package_agents,
        stack_filter=choose if app.agent_patterns else None,
        hcl_dir=hcl,
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
    for text in result.warnings + notes:
        warning(text)
