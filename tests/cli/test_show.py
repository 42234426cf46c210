"""`strands show`: strands.yaml owners inside a project (no AWS) and Terraform's exit codes (--detailed-exitcode)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import StateError

from .helpers import SAMPLE, run_cli

PLANS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans"


def _rc(address: str, actions: list[str], **extra: Any) -> dict[str, Any]:
    module, _, rest = address.rpartition(".aws_")
    return {
        "address": address,
        "module_address": module or None,
        "mode": "managed",
        "type": "aws_" + rest.split(".")[0],
        "name": rest.split(".")[1],
        "change": {"actions": actions, "before": None if actions == ["create"] else {"v": 1}, "after": {"v": 2}},
        **extra,
    }


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


STRANDS_PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.15.5",
    "applyable": True,
    "complete": True,
    "errored": False,
    "resource_changes": [
        _rc("module.agent_support.aws_lambda_function.this", ["create"]),
        _rc("module.role_support.aws_iam_role.this", ["create"]),
        _rc("module.table_tickets.aws_dynamodb_table.this", ["update"]),
        _rc("module.queue_inbound.aws_sqs_queue.this", ["no-op"]),
        _rc("aws_s3_bucket.hand_made", ["create"]),
    ],
}


def test_show_inside_the_project_groups_by_strands_yaml_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, STRANDS_PLAN)
    result = run_cli(["-C", str(SAMPLE), "show", str(plan), "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    groups = {g["key"]: g for g in json.loads(result.out)["groups"]}
    assert list(groups) == ["agent:support", "resource:tickets", "resource:inbound", "other"]
    assert groups["agent:support"]["owner"] == {"kind": "agent", "name": "support", "file": "strands.yaml", "line": 18}
    assert [c["address"] for c in groups["agent:support"]["changes"]] == [
        "module.agent_support.aws_lambda_function.this",
        "module.role_support.aws_iam_role.this",
    ]
    assert groups["resource:tickets"]["owner"]["line"] == 36
    assert [c["address"] for c in groups["other"]["changes"]] == ["aws_s3_bucket.hand_made"]

    text = run_cli(["-C", str(SAMPLE), "show", str(plan)], monkeypatch, capsys)
    assert "  agent support (strands.yaml:18)\n       + module.agent_support.aws_lambda_function.this" in text.out
    assert "  resource tickets (strands.yaml:36)\n       ~ module.table_tickets.aws_dynamodb_table.this" in text.out


def test_show_outside_a_project_keeps_every_change_in_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, STRANDS_PLAN)
    result = run_cli(["-C", str(tmp_path), "show", str(plan), "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert [g["key"] for g in json.loads(result.out)["groups"]] == ["other"]
    assert result.err == ""


def test_show_in_a_broken_project_still_summarizes_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    (project / "strands.yaml").write_text(
        (SAMPLE / "strands.yaml").read_text().replace("region: us-east-1", "region: us-middle-9")
    )
    plan = _write(tmp_path, STRANDS_PLAN)
    result = run_cli(["-C", str(project), "show", str(plan), "--json"], monkeypatch, capsys)
    assert result.code == 0
    assert [g["key"] for g in json.loads(result.out)["groups"]] == ["other"]
    assert "warning: addresses are not mapped to strands.yaml:" in result.err
    assert "us-middle-9" in result.err


def test_show_environment_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, STRANDS_PLAN)
    result = run_cli(["-C", str(SAMPLE), "show", str(plan), "-e", "prod", "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert json.loads(result.out)["groups"][0]["key"] == "agent:support"
    unknown = run_cli(["-C", str(SAMPLE), "show", str(plan), "-e", "qa"], monkeypatch, capsys)
    assert unknown.code == 0
    assert "warning: addresses are not mapped" in unknown.err and "qa" in unknown.err


# ---------------------------------------------------------------------------------- exit codes


def test_show_detailed_exitcode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    changes = _write(tmp_path, STRANDS_PLAN, "changes.json")
    nothing = _write(
        tmp_path,
        {**STRANDS_PLAN, "applyable": False, "resource_changes": [STRANDS_PLAN["resource_changes"][3]]},
        "nothing.json",
    )
    errored = _write(tmp_path, {**STRANDS_PLAN, "errored": True, "applyable": False}, "errored.json")
    codes = {
        name: run_cli(
            ["-C", str(tmp_path), "show", str(tmp_path / name), "--detailed-exitcode"], monkeypatch, capsys
        ).code
        for name in ("changes.json", "nothing.json", "errored.json")
    }
    assert codes == {"changes.json": 2, "nothing.json": 0, "errored.json": 1}
    # without the flag a summary is a success, whatever the plan says
    assert run_cli(["-C", str(tmp_path), "show", str(errored)], monkeypatch, capsys).code == 0
    assert run_cli(["-C", str(tmp_path), "show", str(changes)], monkeypatch, capsys).code == 0
    assert nothing.exists()


@pytest.mark.parametrize(
    ("args", "plain_code"),
    [
        (["show", "missing.json"], 1),  # a user error (PlanError)
        (["show", "plan.json", "--no-such-option"], 2),  # a usage error: click's 2 would read as "changes"
        (["show"], 2),  # missing argument
        (["plan", "--out", "."], 2),  # --out is a directory: a bad option value
    ],
)
def test_errors_exit_1_under_detailed_exitcode(
    args: list[str],
    plain_code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, STRANDS_PLAN)
    assert run_cli(args, monkeypatch, capsys).code == plain_code
    assert run_cli([*args, "--detailed-exitcode"], monkeypatch, capsys).code == 1


def test_infrastructure_error_exits_1_under_detailed_exitcode_and_json_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(path: Any) -> Any:
        raise StateError("the disk went away")

    monkeypatch.setattr("strands_tf.terraform.plan.load_plan", broken)
    plan = _write(tmp_path, STRANDS_PLAN)
    plain = run_cli(["show", str(plan), "--json"], monkeypatch, capsys)
    assert plain.code == 3 and json.loads(plain.out)["error"]["exit_code"] == 3
    detailed = run_cli(["show", str(plan), "--json", "--detailed-exitcode"], monkeypatch, capsys)
    assert detailed.code == 1
    assert json.loads(detailed.out)["error"]["exit_code"] == 1


def test_a_value_after_double_dash_is_not_the_flag() -> None:
    from strands_tf.cli.main import _detailed_exitcode

    assert _detailed_exitcode(["plan", "--detailed-exitcode"])
    assert not _detailed_exitcode(["show", "--", "--detailed-exitcode"])


HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\r\x9b31m"


@pytest.mark.parametrize("form", [[], ["--format", "markdown"]])
def test_control_characters_of_a_crafted_plan_never_reach_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], form: list[str]
) -> None:
    """Terraform escapes control characters in addresses (\\u001b); a crafted plan JSON must not drive the terminal.

    Regression: an address, attribute name or check message with ESC/BEL/CR sequences was printed raw, so
    `strands show` of a plan from elsewhere could set the window title, clear the screen or plant links.
    """
    change = _rc("module.agent_support.aws_lambda_function.this", ["update"])
    change["address"] += f'["{HOSTILE}"]'
    change["change"]["before"] = {HOSTILE: "a"}
    change["change"]["after"] = {HOSTILE: "b"}
    doc = {**STRANDS_PLAN, "resource_changes": [change]}
    result = run_cli(["-C", str(tmp_path), "show", str(_write(tmp_path, doc)), *form], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "click" in result.out
    for char in "\x1b\x07\r\x9b":
        assert char not in result.out + result.err


@pytest.mark.parametrize("form", [[], ["--json"], ["--format", "markdown"]])
def test_an_unknown_action_with_control_characters_is_escaped_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], form: list[str]
) -> None:
    """Unknown actions are shown as they are: the markdown table wrote a crafted one raw."""
    change = _rc("module.agent_support.aws_lambda_function.this", [HOSTILE])
    doc = {**STRANDS_PLAN, "resource_changes": [change], "resource_drift": [change],
           "output_changes": {"url": {"actions": [HOSTILE], "before": None, "after": "x"}}}  # fmt: skip
    result = run_cli(["-C", str(tmp_path), "show", str(_write(tmp_path, doc)), *form], monkeypatch, capsys)
    assert result.code == 0, result.err
    for char in "\x1b\x07\r\x9b":
        assert char not in result.out + result.err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action_reason", 1),
        ("action_reason", ["replace_because_tainted"]),
        ("action_reason", {"a": None}),
        ("replace_paths", [None]),
        ("replace_paths", [1, ["ok"]]),
        ("replace_paths", [[{"x": 1}]]),
    ],
)
def test_mistyped_replacement_details_are_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], field: str, value: Any
) -> None:
    change = _rc("module.agent_support.aws_lambda_function.this", ["delete", "create"])
    if field == "replace_paths":
        change["change"][field] = value
    else:
        change[field] = value
    path = _write(tmp_path, {**STRANDS_PLAN, "resource_changes": [change]})
    for form in ([], ["--json"], ["--format", "markdown"]):
        result = run_cli(["-C", str(tmp_path), "show", str(path), *form], monkeypatch, capsys)
        assert result.code == 0 and "internal" not in result.out + result.err, result.out + result.err
    doc = json.loads(run_cli(["-C", str(tmp_path), "show", str(path), "--json"], monkeypatch, capsys).out)
    assert "module.agent_support.aws_lambda_function.this" in json.dumps(doc)
    assert '{"x": 1}' not in json.dumps(doc)


@pytest.mark.parametrize("actions", [[None], [1], [["update"]], [{}]])
def test_an_output_with_actions_that_are_not_strings_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], actions: list[Any]
) -> None:
    doc = {**STRANDS_PLAN, "output_changes": {"url": {"actions": actions, "before": None, "after": "x"}}}
    result = run_cli(["-C", str(tmp_path), "show", str(_write(tmp_path, doc)), "--json"], monkeypatch, capsys)
    error = json.loads(result.out)["error"]
    assert result.code == 1 and error["category"] == "configuration"
    assert "output_changes.url.actions" in error["summary"]


def test_a_plan_nested_too_deeply_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was an internal error (RecursionError from the JSON decoder)."""
    text = json.dumps(STRANDS_PLAN).replace(
        '"format_version"', '"x": ' + "[" * 100_000 + "]" * 100_000 + ', "format_version"', 1
    )
    path = tmp_path / "deep.json"
    path.write_text(text)
    result = run_cli(["-C", str(tmp_path), "show", str(path), "--json"], monkeypatch, capsys)
    error = json.loads(result.out)["error"]
    assert result.code == 1 and error["category"] == "configuration" and "nested too deeply" in error["summary"]
