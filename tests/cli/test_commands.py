"""`strands` commands end to end: help, version, exit codes, JSON output, global options."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from strands_tf.cli.main import COMMANDS, cli
from strands_tf.errors import NetworkError

from .helpers import INVALID, SAMPLE, run_cli, run_process

COLOR_SGR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-7]|9[0-7]|38;[25];[\d;]+)m")


def all_commands() -> list[list[str]]:
    """Every command path (`config show` included) reachable from `strands`."""
    paths: list[list[str]] = []
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None, name
        paths.append([name])
        if isinstance(command, click.Group):
            paths.extend([name, sub] for sub in command.list_commands(ctx))
    return paths


# ---------------------------------------------------------------------------------------- help


def test_top_level_help(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["--help"], monkeypatch, capsys)
    assert result.code == 0
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", result.out, re.M), name
    assert "Examples:" in result.out
    assert "strands init my-project" in result.out
    assert "Exit codes: 0 ok, 1 configuration or other user error, 2 bad command line," in result.out
    assert "STRANDS_ENV" in result.out and "NO_COLOR" in result.out
    assert run_cli(["-h"], monkeypatch, capsys).out == result.out


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(
    path: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli([*path, "--help"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert result.out.startswith(f"Usage: strands {' '.join(path)}")
    assert re.search(r"^\s*Examples?:\s*$", result.out, re.M), f"`strands {' '.join(path)} --help` has no example"
    assert re.search(r"^\s+strands \S", result.out, re.M), "the example should be a strands command line"


def test_version(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from strands_tf import __version__

    result = run_cli(["--version"], monkeypatch, capsys)
    assert (result.code, result.out) == (0, f"strands, version {__version__}\n")


# ----------------------------------------------------------------------------------- exit codes


def test_unknown_command_suggests(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["validte"], monkeypatch, capsys)
    assert result.code == 2
    assert "No such command 'validte'. Did you mean 'validate'? See `strands --help`." in result.err


def test_unknown_option_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["validate", "--jsn"], monkeypatch, capsys)
    assert result.code == 2
    assert "Error: No such option '--jsn'." in result.err and "Did you mean" in result.err and "'--json'" in result.err


def test_bad_option_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["--log-format", "xml", "validate"], monkeypatch, capsys)
    assert result.code == 2
    assert "'xml' is not one of 'text', 'json'" in result.err


def test_exit_codes_as_a_process(tmp_path: Path) -> None:
    assert run_process(["-C", str(SAMPLE), "validate"]).code == 0
    assert run_process(["-C", str(INVALID / "memory-above-maximum"), "validate"]).code == 1
    assert run_process(["-C", str(tmp_path), "validate"]).code == 1  # no strands.yaml
    assert run_process(["frobnicate"]).code == 2
    assert run_process(["validate", "--no-such-flag"]).code == 2


def test_a_process_ends_with_everything_written(tmp_path: Path) -> None:
    """The CLI skips interpreter teardown at exit: output, logs and temp-file cleanup must not suffer from it."""
    big = run_process(["schema"])  # tens of KiB through a pipe
    assert big.code == 0 and json.loads(big.out)["title"] == "strands.yaml"
    log_file = tmp_path / "strands.log"
    logged = run_process(["-C", str(SAMPLE), "--log-format", "json", "--log-file", str(log_file), "-vv", "validate"])
    assert logged.code == 0
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert lines and all(json.loads(line)["message"] for line in lines)
    assert any("loaded" in json.loads(line)["message"] for line in lines)
    failed = run_process(["-C", str(INVALID / "memory-above-maximum"), "--log-file", str(log_file), "validate"])
    assert failed.code == 1 and "above the Lambda maximum" in failed.err


def test_infrastructure_failure_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def unreachable(*args: object, **kwargs: object) -> None:
        raise NetworkError("cannot reach sts.amazonaws.com", hint="check your network or proxy")

    monkeypatch.setattr("strands_tf.config.load_project", unreachable)
    result = run_cli(["-C", str(SAMPLE), "validate"], monkeypatch, capsys)
    assert result.code == 3
    assert "error (network): cannot reach sts.amazonaws.com" in result.err
    assert "next step: check your network or proxy" in result.err


def test_unexpected_exception_is_reported_not_dumped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("strands_tf.config.load_project", broken)
    result = run_cli(["-C", str(SAMPLE), "validate"], monkeypatch, capsys)
    assert result.code == 3
    assert "internal error: RuntimeError: boom" in result.err
    assert "Traceback" not in result.err
    debug = run_cli(["--debug", "-C", str(SAMPLE), "validate"], monkeypatch, capsys)
    assert "Traceback" in debug.err


# -------------------------------------------------------------------------------------- validate


def test_validate_text(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "validate"], monkeypatch, capsys)
    assert result.code == 0
    assert result.out.splitlines()[0] == (
        "✓ strands.yaml is valid: project support-desk, 2 agent(s), 4 resource(s), environments dev, prod, local"
    )
    assert "warning: strands.yaml:24 agent 'support' asks for vpc: true" in result.out


def test_validate_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "validate", "--json"], monkeypatch, capsys)
    assert result.code == 0
    data = json.loads(result.out)
    assert data["ok"] is True
    assert data["project"] == "support-desk"
    assert data["agents"] == ["support", "triage"]
    assert data["environments"] == ["dev", "prod", "local"]


def test_validate_reports_every_problem(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(INVALID / "five-independent-mistakes"), "validate"], monkeypatch, capsys)
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0] == "error: 5 problems in the configuration"
    assert "  strands.yaml:3:9 region: 'us_east_1' is not an AWS region (for example us-east-1)" in lines
    assert "      hint: did you mean 'versioning'?" in lines
    assert lines[-1] == "Fix the lines above and run `strands validate` again."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--json", "--bogus"], "No such option '--bogus'"),
        (["history", "show", "--json"], "Missing argument 'ID'"),
        (["plan", "--json", "--detailed-exitcode", "--nope"], "No such option '--nope'"),
    ],
)
def test_a_bad_command_line_with_json_is_a_json_error(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/cli.md: with --json, stdout holds one JSON document in every case, a usage error included."""
    result = run_cli(args, monkeypatch, capsys)
    expected_code = 1 if "--detailed-exitcode" in args else 2
    assert result.code == expected_code
    error = json.loads(result.out)["error"]
    assert error["category"] == "usage" and message in error["summary"] and error["exit_code"] == expected_code
    assert "--help" in error["hint"] and message in result.err  # the human form stays on stderr


def test_validate_json_error_goes_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["-C", str(INVALID / "memory-above-maximum"), "validate", "--json"], monkeypatch, capsys)
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["exit_code"] == 1
    assert error["issues"] == [
        {
            "file": "strands.yaml",
            "line": 6,
            "column": 13,
            "path": "agents.support.memory",
            "message": "100000 is above the Lambda maximum 10240",
            "hint": None,
        }
    ]


def test_validate_checks_env_and_agent_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown_env = run_cli(["-C", str(SAMPLE), "-e", "staging", "validate"], monkeypatch, capsys)
    assert unknown_env.code == 1
    assert "error (configuration): unknown environment 'staging'" in unknown_env.err
    monkeypatch.setenv("STRANDS_ENV", "prodd")
    from_env_var = run_cli(["-C", str(SAMPLE), "validate"], monkeypatch, capsys)
    assert from_env_var.code == 1
    assert "did you mean 'prod'? (-e prod)" in from_env_var.err
    monkeypatch.delenv("STRANDS_ENV")
    no_agent = run_cli(["-C", str(SAMPLE), "--agent", "billing", "validate"], monkeypatch, capsys)
    assert no_agent.code == 1
    assert "--agent billing matches no agent" in no_agent.err
    assert run_cli(["-C", str(SAMPLE), "--agent", "s*", "validate"], monkeypatch, capsys).code == 0


def test_directory_option_and_cwd(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    assert run_process(["validate"], cwd=project).code == 0
    assert run_process(["-C", "project", "validate"], cwd=tmp_path).code == 0
    missing = run_process(["-C", "nowhere", "validate"], cwd=tmp_path)
    assert missing.code == 1
    assert "nowhere the project directory does not exist" in missing.err


# ----------------------------------------------------------------------------------- config show


def test_config_show_json_per_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    prod = json.loads(run_cli(["-C", str(SAMPLE), "config", "show", "-e", "prod", "--json"], monkeypatch, capsys).out)
    dev = json.loads(run_cli(["-C", str(SAMPLE), "-e", "dev", "config", "show", "--json"], monkeypatch, capsys).out)
    assert prod["environment"]["name"] == "prod"
    assert (prod["agents"]["support"]["memory"], prod["agents"]["support"]["reserved_concurrency"]) == (1024, 50)
    assert (dev["agents"]["support"]["memory"], dev["agents"]["support"]["reserved_concurrency"]) == (512, None)
    # the command's own -e wins over the global one
    both = run_cli(["-C", str(SAMPLE), "-e", "dev", "config", "show", "-e", "prod", "--json"], monkeypatch, capsys)
    assert json.loads(both.out)["environment"]["name"] == "prod"


def test_config_show_default_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("STRANDS_ENV", raising=False)
    default = json.loads(run_cli(["-C", str(SAMPLE), "config", "show", "--json"], monkeypatch, capsys).out)
    assert default["environment"]["name"] == "dev"
    monkeypatch.setenv("STRANDS_ENV", "local")
    local = json.loads(run_cli(["-C", str(SAMPLE), "config", "show", "--json"], monkeypatch, capsys).out)
    assert local["environment"] == {
        "name": "local",
        "target": "emulator",
        "region": "us-east-1",
        "account": None,
        "profile": None,
        "role_arn": None,
        "external_id": None,
        "vpc": None,
        "builtin": True,
        "alarms": {
            "enabled": True,
            "email": [],
            "https": [],
            "dashboard": True,
            "api_5xx": 1,
            "api_4xx": 100,
            "api_latency_p95": 25000,
            "bedrock_throttles": 1,
            "period": 300,
        },
    }


def test_config_show_agent_selection(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "--agent", "tri*", "config", "show", "--json"], monkeypatch, capsys)
    data = json.loads(result.out)
    assert list(data["agents"]) == ["triage"]
    assert data["selected_agents"] == ["triage"]


def test_config_show_text(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "config", "show", "-e", "prod"], monkeypatch, capsys)
    assert result.code == 0
    assert result.out.splitlines()[0] == "support-desk · environment prod (account 222222222222, eu-west-1)"
    assert "    memory: 1024\n" in result.out


def test_config_show_unknown_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "config", "show", "-e", "qa", "--json"], monkeypatch, capsys)
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["summary"] == "unknown environment 'qa'"
    assert error["hint"] == "add it under environments: in strands.yaml"


# ----------------------------------------------------------------------------------------- schema


def test_schema_stdout_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["schema"], monkeypatch, capsys)
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "strands.yaml"
    target = tmp_path / "editor" / "strands.schema.json"
    written = run_cli(["schema", "-o", str(target)], monkeypatch, capsys)
    assert written.code == 0
    assert json.loads(target.read_text()) == schema
    assert f"wrote {target}" in written.err


# ------------------------------------------------------------------------------------- NO_COLOR


def test_no_color_is_honoured() -> None:
    args = ["-C", str(INVALID / "memory-above-maximum"), "validate"]
    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}  # colours on even without a tty (TERM=dumb on CI)
    colored = run_process(args, env=terminal)
    plain = run_process(args, env={**terminal, "NO_COLOR": "1"})
    assert colored.code == plain.code == 1
    assert COLOR_SGR.search(colored.err), "FORCE_COLOR should produce colour codes"
    assert not COLOR_SGR.search(plain.err)
    assert "100000 is above the Lambda maximum 10240" in plain.err


# --------------------------------------------------------------------------------- lazy imports


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["validate", "--help"], ["schema", "--help"]])
def test_help_does_not_import_heavy_modules(args: list[str]) -> None:
    """`strands --help` stays fast: no pydantic, YAML, boto3 (and no rich for the top level) on that path."""
    code = (
        "import os, sys\n"
        "os.environ['STRANDS_NO_EXIT'] = '1'\n"
        "from strands_tf.cli.main import main\n"
        f"main({args!r})\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml', 'boto3', 'botocore', 'rich'})\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    marker = next(line for line in proc.stderr.splitlines() if line.startswith("HEAVY="))
    loaded = set(filter(None, marker.removeprefix("HEAVY=").split(",")))
    allowed = {"rich"} if args[0] != "--help" and args != ["--version"] else set()
    assert loaded <= allowed, f"strands {' '.join(args)} imported {sorted(loaded - allowed)}"


def test_docs_cover_every_command_and_global_option() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`{name}`" in docs or f"`strands {name}" in docs, f"docs/cli.md does not mention `strands {name}`"
    for param in cli.params:
        for opt in param.opts:
            assert opt in docs, f"docs/cli.md does not mention the global option {opt}"
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "STRANDS_ENV", "NO_COLOR"):
        assert code in docs


# ------------------------------------------------------------------------------------------ synth


def _synth_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "agents" / "a").mkdir(parents=True)
    (root / "agents" / "a" / "app.py").write_text("def handler(event, context):\n    return {}\n", encoding="utf-8")
    (root / "strands.yaml").write_text(
        "version: 1\nproject: demo\nenvironments: {dev: {account: '123456789012'}}\n"
        "agents:\n  a: {path: agents/a, environment: {STRANDS_PROJECT: mine}}\n",
        encoding="utf-8",
    )
    return root


def test_synth_text_output_colour_and_no_color(tmp_path: Path) -> None:
    root = _synth_project(tmp_path)
    args = ["-C", str(root), "synth", "-e", "dev", "--no-package"]
    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    colored = run_process(args, env=terminal)
    plain = run_process(args, env={**terminal, "NO_COLOR": "1"})
    piped = run_process(args)
    assert colored.code == plain.code == piped.code == 0, colored.err
    assert COLOR_SGR.search(colored.out), "FORCE_COLOR should produce colour codes"
    assert not COLOR_SGR.search(plain.out) and not COLOR_SGR.search(piped.out)
    assert piped.out == plain.out
    lines = plain.out.splitlines()
    assert re.fullmatch(r"✓ stack demo-dev: \d+ constructs, \d+ outputs", lines[0])
    assert lines[1] == f"wrote {lines[1].split()[1]} files to {root / 'cdktf.out'}"
    # the user's STRANDS_PROJECT replaces the generated one: said as a warning, not hidden
    assert any(line.startswith("warning: agent 'a': environment variable STRANDS_PROJECT") for line in lines)


def test_synth_does_not_import_rich(tmp_path: Path) -> None:
    """synth is on every plan and canvas preview: it keeps rich's start-up cost out (errors still use rich)."""
    root = _synth_project(tmp_path)
    code = (
        "import os, sys\n"
        "os.environ['STRANDS_NO_EXIT'] = '1'\n"
        "from strands_tf.cli.main import main\n"
        f"code = main(['-C', {str(root)!r}, 'synth', '-e', 'dev', '--no-package'])\n"
        "print('RESULT=%s,%s' % (code, 'rich' in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    marker = next(line for line in proc.stderr.splitlines() if line.startswith("RESULT="))
    assert marker == "RESULT=0,False"


@pytest.mark.parametrize(
    ("args", "what"),
    [(["apply"], "apply"), (["rollback"], "roll back")],
)
def test_refusal_without_a_terminal_reads_right(
    args: list[str], what: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a terminal and --auto-approve the command refuses before any work, in plain words."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    result = run_cli(["-C", str(SAMPLE), *args, "-e", "local", "--json"], monkeypatch, capsys)
    assert result.code == 1
    summary = json.loads(result.out)["error"]["summary"]
    assert summary == f"refusing to {what} without confirmation: standard input is not a terminal"
