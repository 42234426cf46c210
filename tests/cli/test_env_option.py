"""`-e/--env` works in both positions on every command of the tree: `strands -e X cmd` and `strands cmd -e X`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
import pytest

from strands_tf.cli import main as main_module
from strands_tf.cli.context import app_context


def _leaves(
    group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _leaves(command, ctx, path)
        else:
            yield path, command


def _every_command() -> list[tuple[tuple[str, ...], click.Command]]:
    root = main_module.cli
    with click.Context(root) as ctx:
        return list(_leaves(root, ctx))


def _dummy_arguments(command: click.Command) -> list[str]:
    """A value for each required argument, so the command line parses."""
    values: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument) and param.required:
            count = param.nargs if param.nargs > 0 else 1
            choice = param.type.choices[0] if isinstance(param.type, click.Choice) else "x"
            values.extend([str(choice)] * count)
    return values


COMMANDS = _every_command()


def test_the_tree_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"doctor", "plan", "apply", "history list", "history init", "emulator status", "config show"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
@pytest.mark.parametrize("position", ["before", "after"])
def test_env_is_accepted_before_and_after_the_subcommand(
    path: tuple[str, ...], command: click.Command, position: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    seen: list[str | None] = []

    def record(**_kwargs: Any) -> int:
        seen.append(app_context(click.get_current_context()).environment)
        return 0

    monkeypatch.setattr(command, "callback", record)
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    monkeypatch.delenv("STRANDS_ENV", raising=False)
    arguments = [*path, *_dummy_arguments(command)]
    argv = ["-e", "staging", *arguments] if position == "before" else [*arguments, "-e", "staging"]
    code = main_module.main(argv)
    assert code == 0, capsys.readouterr().err
    assert seen == ["staging"]


def test_the_value_after_the_subcommand_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []
    command = dict(COMMANDS)[("doctor",)]
    monkeypatch.setattr(
        command, "callback", lambda **_: seen.append(app_context(click.get_current_context()).environment)
    )
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    assert main_module.main(["-e", "dev", "doctor", "--env", "prod"]) == 0
    assert seen == ["prod"]


def test_a_command_cannot_declare_its_own_env_option() -> None:
    from strands_tf.cli.context import with_environment_option

    @click.command()
    @click.option("-e", "--env", "environment")
    def rogue(environment: str | None) -> None:
        """Declares -e itself."""

    with pytest.raises(RuntimeError, match="declares its own -e/--env"):
        with_environment_option(rogue)
