"""`strands package`: build the agent zips (the pipeline step of a committed HCL export)."""

from __future__ import annotations

from pathlib import Path

import click

from strands_tf.cli.context import app_context
from strands_tf.cli.render import print_json, status


@click.command()
@click.option(
    "--hcl",
    "hcl_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="An HCL export (`strands synth --hcl`): put each zip where its stack reads it, after checking its hash.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Without --hcl: directory for the zips (default: .strands/packages/<env>).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the zips and their hashes as JSON.")
@click.pass_context
def package(ctx: click.Context, hcl_dir: Path | None, out_dir: Path | None, as_json: bool) -> None:
    """Build every agent's code zip and dependencies layer, byte for byte reproducible.

    With --hcl DIR the zips go into the export's stack folders (assets/, gitignored), and a zip whose hash
    differs from the `source_code_hash` in the committed HCL fails the step: the export is stale.

    \b
    Examples:
      strands package -e prod --hcl infra/prod    # pipeline step before `terraform plan`
      strands package -e dev --out dist/
    """
    from strands_tf.generators.synth import package_agents

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    if hcl_dir is not None:
        if out_dir is not None:
            raise click.UsageError("give --hcl or --out, not both")
        from strands_tf.generators.export import package_into_export

        files = package_into_export(loaded, resolved, hcl_dir, package_agents)
        rows = [
            {"agent": f.agent, "kind": f.kind, "path": f.path, "source_code_hash": f.source_code_hash} for f in files
        ]
        target = hcl_dir
    else:
        from strands_tf.deploy.workspace import Workspace

        target = out_dir or Workspace(loaded.root).packages_dir(resolved.environment.name)
        built = package_agents(resolved, loaded, target)
        rows = []
        for agent, code in sorted(built.items()):
            rows.append(
                {
                    "agent": agent,
                    "kind": "code",
                    "path": Path(code.filename).name,
                    "source_code_hash": code.source_code_hash,
                }
            )
            if code.layer_filename:
                rows.append(
                    {
                        "agent": agent,
                        "kind": "layer",
                        "path": Path(code.layer_filename).name,
                        "source_code_hash": code.layer_source_code_hash,
                    }
                )
    if as_json:
        print_json({"ok": True, "environment": resolved.environment.name, "directory": str(target), "files": rows})
        return
    for row in rows:
        status(f"{row['agent']} {row['kind']}: {row['path']} ({row['source_code_hash']})", mark="✓")
    status(f"{len(rows)} zip{'s' if len(rows) != 1 else ''} in {target}")
