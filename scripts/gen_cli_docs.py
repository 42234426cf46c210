"""Generate docs/cli-reference.md (every command, argument and option) from the click command tree.

The text comes from the commands themselves (their docstrings and option help), so the reference cannot drift
from `strands --help`. tests/cli/test_cli_reference.py fails when the committed file is out of date.

Run: .venv/bin/python scripts/gen_cli_docs.py          (rewrite docs/cli-reference.md)
     .venv/bin/python scripts/gen_cli_docs.py --check  (exit 1 if it is out of date)
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

import click

from strands_tf.cli.main import COMMANDS, cli
from strands_tf.fsutil import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "cli-reference.md"

HEADER = """\
# CLI reference

Generated from the command definitions by `scripts/gen_cli_docs.py` (do not edit by hand; a test checks that
it is current). The overview, conventions, environment variables and exit codes are in [cli.md](cli.md).

Every command also takes the global options below, before or after its name (`strands -e prod plan` and
`strands plan -e prod` are the same).
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _help_markdown(text: str) -> str:
    """A click docstring as Markdown: paragraphs stay prose; `\\b` blocks (examples) become code blocks."""
    text = inspect.cleandoc(text or "")
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            lines = paragraph.split("\n")[1:]
            title = lines[0].strip() if lines and lines[0].strip().endswith(":") else None
            body = lines[1:] if title else lines
            if title:
                out.append(f"**{title[:-1]}**")
            out.append(
                "```\n" + "\n".join(line.rstrip() for line in inspect.cleandoc("\n".join(body)).split("\n")) + "\n```"
            )
        else:
            out.append(" ".join(paragraph.split()))
    return "\n\n".join(out)


def _param_row(param: click.Parameter) -> str:
    if isinstance(param, click.Argument):
        name = f"`{param.human_readable_name}`"
        kind = "argument" + ("" if param.required else ", optional") + (", repeatable" if param.nargs == -1 else "")
        return f"| {name} | {kind} | |"
    assert isinstance(param, click.Option)
    flags = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    if param.is_flag or param.count:
        value = "flag" + (", repeatable" if param.count else "")
    elif isinstance(param.type, click.Choice):
        value = " \\| ".join(f"`{c}`" for c in param.type.choices)
    else:
        value = f"`{param.metavar or param.type.name.upper()}`"
    if param.multiple:
        value += ", repeatable"
    if param.required:
        value += ", required"
    default = param.default if param.show_default and param.default not in (None, False, ()) else None
    help_text = _cell(param.help or "") + (f" (default: `{default}`)" if default is not None else "")
    return f"| {flags} | {value} | {help_text} |"


def _usage(path: list[str], command: click.Command) -> str:
    ctx = click.Context(command, info_name=" ".join(["strands", *path]))
    return " ".join(command.collect_usage_pieces(ctx)).strip()


def _command_section(path: list[str], command: click.Command, level: int) -> list[str]:
    name = " ".join(["strands", *path])
    lines = [f"{'#' * level} `{name}`", "", f"```\n{name} {_usage(path, command)}\n```", ""]
    lines += [_help_markdown(command.help or ""), ""]
    params = [p for p in command.params if not (isinstance(p, click.Option) and p.hidden)]
    params = [p for p in params if "--env" not in getattr(p, "opts", ())]  # global, documented once
    if params:
        lines += ["| argument / option | value | meaning |", "| --- | --- | --- |"]
        lines += [_param_row(p) for p in params]
        lines.append("")
    if isinstance(command, click.Group):
        for sub_name in sorted(command.commands):
            lines += _command_section([*path, sub_name], command.commands[sub_name], level + 1)
    return lines


def render() -> str:
    """The whole reference."""
    ctx = click.Context(cli)
    lines = [HEADER, "## Global options", "", "| option | value | meaning |", "| --- | --- | --- |"]
    lines += [_param_row(p) for p in cli.params if not (isinstance(p, click.Option) and p.hidden)]
    lines.append("")
    lines += ["## Commands", ""]
    lines += [f"- [`strands {name}`](#strands-{name}): {COMMANDS[name][2]}" for name in sorted(COMMANDS)]
    lines.append("")
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        lines += _command_section([name], command, 2)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli-reference.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUTPUT.is_file() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is out of date: run .venv/bin/python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(OUTPUT, text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
