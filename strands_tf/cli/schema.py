"""`strands schema`: the JSON Schema of strands.yaml for editor completion."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of strands.yaml (draft 2020-12).

    Point your editor at it for completion and inline errors, e.g. with the YAML language
    server: add `# yaml-language-server: $schema=strands.schema.json` to strands.yaml.

    \b
    Examples:
      strands schema > strands.schema.json
      strands schema -o .vscode/strands.schema.json
    """
    import json

    from strands_tf.config.schema import project_json_schema
    from strands_tf.fsutil import atomic_write_text

    text = json.dumps(project_json_schema(), indent=2, sort_keys=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
