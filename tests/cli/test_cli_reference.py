"""docs/cli-reference.md is generated from the click commands (scripts/gen_cli_docs.py) and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_cli_docs.py"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_cli_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    generated = _generator().render()
    committed = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert generated == committed, "docs/cli-reference.md is out of date: run .venv/bin/python scripts/gen_cli_docs.py"


def test_every_command_and_option_is_in_the_reference() -> None:
    import click

    from strands_tf.cli.main import COMMANDS, cli

    text = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert f"## `strands {name}`" in text, name
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert f"`{param.opts[0]}`" in text, f"{name} {param.opts[0]}"
