"""The invalid-config corpus: every case under tests/config/invalid/ fails with exactly the errors it lists.

A case is a directory holding a project (strands.yaml, agent fragments, agent code), `expected.txt` and
optionally `case.json` (`env`: environment variables, `environment`: the -e value, `agents`: --agent
patterns). `expected.txt` reads like `strands validate` output: one `file:line:col path: message` line per
issue, each followed by an indented `hint:` line when the issue has a hint. Cases that fail on the
command line rather than in the file (unknown -e, --agent matching nothing) list the error summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.cli.main import main
from strands_tf.config import load_project, resolve, resolve_all, select_agents
from strands_tf.config.yaml_source import MAX_CONFIG_BYTES
from strands_tf.errors import ConfigError, ConfigIssue, StrandsError

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def case_options(case: Path) -> dict[str, Any]:
    """The case's case.json, or no options."""
    file = case / "case.json"
    return json.loads(file.read_text()) if file.exists() else {}


def issue_lines(issues: list[ConfigIssue]) -> list[str]:
    """Issues in the expected.txt form."""
    out: list[str] = []
    for issue in issues:
        out.append(issue.format())
        if issue.hint:
            out.append(f"    hint: {issue.hint}")
    return out


def error_lines(error: StrandsError) -> list[str]:
    """Any StrandsError in the expected.txt form."""
    if isinstance(error, ConfigError):
        return issue_lines(error.issues)
    return [error.summary, *([f"    hint: {error.hint}"] if error.hint else [])]


def actual_lines(case: Path) -> list[str]:
    """Run the case the way `strands validate` does and return its errors as expected.txt lines."""
    options = case_options(case)
    try:
        loaded = load_project(case, env=options.get("env", {}))
        resolve_all(loaded, environ={})
        if "environment" in options:
            resolve(loaded, options["environment"], environ={})
        select_agents(loaded.config.agents, options.get("agents", []))
    except StrandsError as exc:
        return error_lines(exc)
    return ["(no error)"]


def expected_lines(case: Path) -> list[str]:
    return (case / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_invalid_config(name: str) -> None:
    case = CORPUS / name
    assert actual_lines(case) == expected_lines(case)


@pytest.mark.parametrize("name", CASES)
def test_invalid_config_through_the_cli(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`strands validate --json` exits 1 and reports the same issues (or error) as JSON."""
    case = CORPUS / name
    options = case_options(case)
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    monkeypatch.delenv("STRANDS_ENV", raising=False)
    for key, value in options.get("env", {}).items():
        monkeypatch.setenv(key, value)
    args = ["-C", str(case)]
    if "environment" in options:
        args += ["-e", options["environment"]]
    for pattern in options.get("agents", []):
        args += ["--agent", pattern]
    code = main([*args, "validate", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["ok"] is False
    error = out["error"]
    assert error["category"] == "configuration"
    if "issues" in error:
        issues = [ConfigIssue(**issue) for issue in error["issues"]]
        assert issue_lines(issues) == expected_lines(case)
    else:
        assert [error["summary"], *([f"    hint: {error['hint']}"] if error["hint"] else [])] == expected_lines(case)


def test_ten_megabyte_file(tmp_path: Path) -> None:
    """A huge file is refused by size before YAML parsing (no memory blow-up, no slow parse)."""
    line = b"# " + b"x" * 1021 + b"\n"
    (tmp_path / "strands.yaml").write_bytes(b"version: 1\nproject: demo-desk\n" + line * (10 * 1024))
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path, env={})
    assert issue_lines(caught.value.issues) == [
        f"strands.yaml the file is 10.0 MB; configuration files are limited to {MAX_CONFIG_BYTES // 2**20} MB",
        "    hint: is this the right file? Split agents into agents/*/agent.yaml fragments if it really is",
    ]


def test_five_mistakes_are_five_issues() -> None:
    """Independent mistakes are all reported in one run, not one per run."""
    with pytest.raises(ConfigError) as caught:
        load_project(CORPUS / "five-independent-mistakes", env={})
    assert len(caught.value.issues) == 5
    assert caught.value.summary.startswith("5 problems in the configuration; first: strands.yaml:3:9 region:")
