"""Rendering shared by every command: consoles, errors (text or JSON), JSON output."""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from typing import TYPE_CHECKING, Any

import click

from strands_tf.errors import ConfigError, ExitCode, StrandsError

if TYPE_CHECKING:
    from rich.console import Console


def _no_color() -> bool:
    return "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != ""


def make_console(*, stderr: bool = False) -> Console:
    """A rich console honouring NO_COLOR and narrow terminals; plain when not a terminal.

    Every string it renders (printed text, table cells) has its control characters escaped first: what the
    commands show comes from plan JSON, state, history records and AWS, and must not drive the terminal.
    """
    # imported here: rich costs about as much start-up time as the rest of a synth of 100 agents
    from rich.console import Console

    from strands_tf.printable import printable

    class _PrintableConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(printable(text), **kwargs)

    return _PrintableConsole(stderr=stderr, no_color=_no_color(), highlight=False, soft_wrap=True)


def _click_color() -> bool | None:
    """click's colour switch with rich's conventions: NO_COLOR wins, FORCE_COLOR forces, else ask the terminal."""
    if _no_color():
        return False
    return True if os.environ.get("FORCE_COLOR") else None


def status(text: str, *, mark: str | None = None) -> None:
    """One plain status line (`✓ stack demo-dev: ...`), coloured on a terminal unless NO_COLOR is set.

    For the hot, line-oriented commands (synth) that have no tables or live views to draw: they stay
    free of rich's import cost.
    """
    prefix = f"{click.style(mark, fg='green', bold=True)} " if mark else ""
    click.echo(prefix + text, color=_click_color())  # styled by the caller (click.style): not escaped here


def warning(text: str) -> None:
    """A warning line on stdout in the same plain form as `status`."""
    from strands_tf.printable import printable

    click.echo(f"{click.style('warning', fg='yellow')}: {printable(text)}", color=_click_color())


# DEL and the C1 controls, which JSON allows raw in strings (0x9b is a one-byte CSI on many terminals)
_RAW_JSON_CONTROL = re.compile("[\x7f-\x9f]")


def print_json(data: Any) -> None:
    """Machine-readable output on stdout: one JSON document, keys in a stable order.

    Non-ASCII text stays readable; the control characters JSON would leave raw are written as \\u escapes.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write(_RAW_JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    sys.stdout.flush()


def render_error(error: StrandsError, console: Console) -> None:
    """Human form of an expected failure: summary, detail, next step."""
    from rich.markup import escape

    if isinstance(error, ConfigError):
        count = len(error.issues)
        noun = "problem" if count == 1 else "problems"
        console.print(f"[bold red]error[/]: {count} {noun} in the configuration")
        for issue in error.issues:
            where = f"{issue.path}: " if issue.path else ""
            console.print(f"  [bold]{escape(issue.location())}[/] {escape(where)}{escape(issue.message)}")
            if issue.hint:
                console.print(f"      [dim]hint:[/] {escape(issue.hint)}")
        if error.hint:
            console.print(f"[dim]{escape(error.hint)}[/]")
        return
    console.print(f"[bold red]error[/] ({error.category}): {escape(error.summary)}")
    if error.detail:
        for line in error.detail.splitlines():
            console.print(f"  {escape(line)}")
    if error.hint:
        console.print(f"[bold]next step:[/] {escape(error.hint)}")


def render_exception(
    exc: BaseException, *, debug: bool = False, json_output: bool = False, detailed_exitcode: bool = False
) -> int:
    """Report an exception the CLI caught; returns the exit code to use.

    ``detailed_exitcode``: the command runs under --detailed-exitcode, where every failure exits 1.
    """
    if isinstance(exc, StrandsError):
        code = ExitCode.DETAILED_ERROR if detailed_exitcode else exc.exit_code
        if json_output:
            print_json({"ok": False, "error": {**exc.to_dict(), "exit_code": code}})
        else:
            render_error(exc, make_console(stderr=True))
        if debug:
            traceback.print_exception(exc)
        return code
    from rich.markup import escape

    # not an expected failure: a bug; say so plainly and show the traceback only when asked
    console = make_console(stderr=True)
    if json_output:
        print_json(
            {
                "ok": False,
                "error": {
                    "category": "internal",
                    "summary": f"{type(exc).__name__}: {exc}",
                    "hint": "re-run with --debug and report the traceback",
                },
            }
        )
    console.print(f"[bold red]internal error[/]: {escape(type(exc).__name__)}: {escape(str(exc))}")
    if debug:
        traceback.print_exception(exc)
    else:
        console.print("[dim]This is a bug in strands. Re-run with --debug for the traceback and report it.[/]")
    return ExitCode.DETAILED_ERROR if detailed_exitcode else ExitCode.INFRA
