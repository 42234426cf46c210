"""Every `strands <command> [--flag]` that a message, hint or help text in strands_tf names exists.

The strings are read from the source (every string literal, f-strings with their placeholders as
values) and each command line is resolved against the real click tree: commands, subcommands and the
options each accepts (a flag's value is skipped; arguments and placeholders are free).
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from strands_tf.cli import main as main_module

PACKAGE = Path(main_module.__file__).resolve().parents[1]
# a `strands ...` command line: in backticks, or an example line in help text
_BACKTICKED = re.compile(r"`(strands(?: [^`]*)?)`")
_EXAMPLE_LINE = re.compile(r"^\s+(strands [^\n#]*)", re.M)
# `strands <word>` in running text: the word must be a command unless it is one of these words of prose
_PROSE = re.compile(r"\bstrands ([a-z][a-z-]*)")
PROSE_WORDS = {
    "are", "at", "can", "deploys", "error", "errors", "is", "only", "or", "process", "reads", "sets", "state",
    "to", "wires", "tooling", "itself", "does", "will", "would", "writes", "uses", "makes", "keeps", "knows",
    "generated", "generates", "runs", "cannot", "never", "adds", "owns", "computes", "records", "has", "and",
    "commands", "points", "re-runs", "needs", "still", "could",
}  # fmt: skip
# flags in hints that belong to other tools (the word before them names the tool)
EXTERNAL_TOOLS = ("aws", "terraform", "tofu", "pip", "git", "python", "pytest", "uv", "npm", "cdk")
_FLAG = re.compile(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z0-9-]*)")
_STOP = {"|", ">", ">>", "&&", "||", ";", "#", "...", "…"}


@dataclass(frozen=True)
class Found:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


def _string_value(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("X")  # a formatted value stands for an argument
        return "".join(parts)
    return None


_MESSAGE_CALL = re.compile(r"(Error|Issue|Classification|Exception)$")
_MESSAGE_KEYWORDS = {"hint", "detail", "help", "next_step", "explanation"}


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _strings(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, text, is a message) of every string literal; implicitly concatenated ones are one string.

    Messages: the arguments of errors, config issues and classifications, and hint=/detail=/help= values.
    """
    tree = ast.parse(path.read_text("utf-8"))
    hints: set[int] = set()
    for node in ast.walk(tree):
        values: list[ast.AST] = []
        if isinstance(node, ast.keyword) and node.arg in _MESSAGE_KEYWORDS:
            values.append(node.value)
        elif isinstance(node, ast.Call) and _MESSAGE_CALL.search(_callee(node)):
            values.extend(node.args)
            values.extend(k.value for k in node.keywords)
        for value in values:
            for sub in ast.walk(value):  # "a" + f"b", conditional hints, ...
                hints.add(id(sub))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = _string_value(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if text:
            yield node.lineno, text, id(node) in hints


def _references() -> tuple[list[Found], list[Found], list[Found]]:
    """Command lines, prose mentions and hint texts found in the package."""
    lines: list[Found] = []
    prose: list[Found] = []
    hints: list[Found] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        seen_in_f_string: set[int] = set()
        for lineno, text, is_hint in _strings(path):
            if lineno in seen_in_f_string and "X" not in text:
                continue  # the constant parts of an f-string, already read whole
            for match in _BACKTICKED.finditer(text):
                lines.append(Found(rel, lineno, match.group(1)))
            for match in _EXAMPLE_LINE.finditer(text):
                # an example line may end in a description column after two or more spaces
                lines.append(Found(rel, lineno, re.split(r"\s{2,}", match.group(1).strip())[0]))
            unquoted = _BACKTICKED.sub("", text)
            for match in _PROSE.finditer(unquoted):
                prose.append(Found(rel, lineno, match.group(1)))
            if is_hint:
                hints.append(Found(rel, lineno, text))
    return lines, prose, hints


def _root_ctx() -> click.Context:
    return click.Context(main_module.cli, info_name="strands")


def _option_takes_value(command: click.Command, flag: str) -> bool | None:
    """None when `command` has no such option; else whether it takes a value."""
    name = flag.split("=", 1)[0]
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return not (param.is_flag or param.count) and "=" not in flag
    return None


def resolve(command_line: str) -> str | None:
    """None when the command line is valid, else what is wrong with it."""
    command_line = re.sub(r"<[^>]*>", "X", command_line.replace("`", ""))  # <aws environment> is one placeholder
    try:
        tokens = shlex.split(command_line, posix=True)
    except ValueError:
        tokens = command_line.split()
    assert tokens[0] == "strands"
    chain: list[click.Command] = [main_module.cli]
    ctx = _root_ctx()
    i = 1
    while i < len(tokens):
        token = tokens[i]
        if token in _STOP or token.startswith("$"):
            break  # a pipe, a redirect, another command, a comment
        current = chain[-1]
        if token in ("-h", "--help"):
            i += 1
            continue
        if token.startswith("-") and len(token) > 1:
            takes = None
            for command in reversed(chain):
                takes = _option_takes_value(command, token)
                if takes is not None:
                    break
            if takes is None:
                path = " ".join(c.name or "strands" for c in chain[1:]) or "strands"
                return f"no option {token} on `{path}`"
            i += 2 if takes else 1
            continue
        if token.startswith(("<", "[")) or token.isupper() or token == "X":
            i += 1  # a placeholder: LOCK_ID, <ID>, [NAME]
            continue
        if isinstance(current, click.Group):
            alternatives = token.split("|")
            commands = [current.get_command(ctx, name) for name in alternatives]
            if any(c is None for c in commands):
                return f"no command {token!r} under `{' '.join(c.name or 'strands' for c in chain)}`"
            chain.append(commands[0])  # type: ignore[arg-type]
            i += 1
            continue
        i += 1  # an argument of a leaf command
    return None


LINES, PROSE, HINTS = _references()


def test_references_are_found() -> None:
    texts = {f.text for f in LINES}
    assert "strands history sync" in texts and any(t.startswith("strands force-unlock") for t in texts)
    assert len(HINTS) > 50


@pytest.mark.parametrize("found", LINES, ids=str)
def test_every_command_line_named_exists(found: Found) -> None:
    problem = resolve(found.text)
    assert problem is None, f"{found}: {problem}"


def test_every_strands_word_in_running_text_is_a_command_or_prose() -> None:
    with _root_ctx() as ctx:
        names = set(main_module.cli.list_commands(ctx))
    bad = [str(f) for f in PROSE if f.text not in names and f.text not in PROSE_WORDS]
    assert not bad, "`strands <word>` that is no command (add it to PROSE_WORDS if it is prose):\n" + "\n".join(bad)


def _all_options() -> set[str]:
    out: set[str] = {"-h", "--help"}

    def walk(command: click.Command, ctx: click.Context) -> None:
        for param in command.params:
            if isinstance(param, click.Option):
                out.update(param.opts)
                out.update(param.secondary_opts)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, ctx)

    with _root_ctx() as ctx:
        walk(main_module.cli, ctx)
    return out


def test_every_flag_a_hint_names_exists() -> None:
    options = _all_options()
    bad = []
    for found in HINTS:
        for match in _FLAG.finditer(found.text):
            flag = match.group(1)
            before = found.text[: match.start()]
            if before.count("`") % 2:  # inside a code span: the command it belongs to starts at the backtick
                clause = before[before.rindex("`") + 1 :]
            else:
                clause = re.split(r"[.;:(]|\band\b|\bor\b", before)[-1]
            words = re.findall(r"[A-Za-z_-]+", clause)
            if any(word in EXTERNAL_TOOLS for word in words) or not flag.startswith("--"):
                continue  # another tool's flag, or a short flag in prose (-e ENV is checked with its command)
            if flag not in options:
                bad.append(f"{found}: {flag}")
    assert not bad, "hints name flags no strands command has:\n" + "\n".join(bad)


def test_the_checker_catches_what_does_not_exist() -> None:
    assert resolve("strands force-unlockk") is not None
    assert resolve("strands apply --no-such-flag") is not None
    assert resolve("strands history frobnicate") is not None
    assert resolve("strands -e prod history list --limit 5 --json") is None
    assert resolve("strands plan -e dev --json --out plan.json") is None
    assert resolve("strands emulator start|stop|status") is None
    assert resolve("strands dev -e <aws environment> --as-role") is None
    assert resolve("strands dev offline") is not None
