"""Accepting drift into strands.yaml: which setting, where it is written, the checked patch, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.config import load_project
from strands_tf.errors import ConfigError, ConflictError
from strands_tf.operate.drift import DriftedResource, DriftReport
from strands_tf.operate.patch import PatchOp, plan_patch, validate_patch, write_patch
from strands_tf.operate.reconcile import (
    NotAcceptable,
    accept_ops,
    decide,
    setting_path,
    skipped,
    why_not_acceptable,
)
from strands_tf.operate.settings import attribute_verdict
from strands_tf.terraform.plan_summary import Owner

CONFIG = """\
version: 1
project: demo
region: us-east-1
tags:
  owner: platform   # who to call
environments:
{environments}
agents:
  support:
    path: agents/support
    handler: app.handler
    memory: 512
    tags:
      team: care
    triggers:
      - queue: inbox
resources:
  inbox: {{type: sqs, visibility_timeout: 120}}
  notes: {{type: dynamodb, hash_key: id}}
"""
ONE_ENV = "  local:\n    target: emulator\n"
TWO_ENVS = "  dev:\n    account: '123456789012'\n  prod:\n    account: '210987654321'\n"


def _project(tmp_path: Path, environments: str = ONE_ENV) -> Path:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(CONFIG.format(environments=environments))
    return tmp_path


def _function(before: dict, after: dict) -> DriftedResource:
    owner = Owner("agent", "support", "strands.yaml", 9)
    verdicts = tuple(
        attribute_verdict("agent", "strands-agent", "aws_lambda_function", name, before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
    )
    return DriftedResource(
        "demo-local", "module.agent_support.aws_lambda_function.this", "aws_lambda_function", "changed",
        "strands-agent", owner, tuple(sorted(before)), verdicts,
    )  # fmt: skip


def _missing(address: str, tf_type: str, module: str, owner: Owner) -> DriftedResource:
    return DriftedResource("demo-local", address, tf_type, "missing", module, owner)


def _report(*resources: DriftedResource) -> DriftReport:
    return DriftReport("demo", "local", "2026-12-01T00:00:00+00:00", resources=list(resources))


def test_changed_memory_and_tag_become_a_minimal_checked_diff(tmp_path: Path) -> None:
    root = _project(tmp_path)
    loaded = load_project(root, env={})
    drifted = _function({"memory_size": 512, "tags": {"team": "care"}}, {"memory_size": 1024, "tags": {"team": "ops"}})
    report = _report(drifted)
    ops = accept_ops(loaded.config, "local", [drifted], report)
    assert PatchOp("set", ("agents", "support", "memory"), 1024) in ops
    patch = plan_patch(root, ops)
    validate_patch(patch, environ={})
    diff = patch.diff()
    assert "-    memory: 512\n+    memory: 1024\n" in diff
    assert "-      team: care\n+      team: ops\n" in diff
    assert "# who to call" in patch.after["strands.yaml"]  # comments survive the round trip
    assert (root / "strands.yaml").read_text() == CONFIG.format(environments=ONE_ENV)  # nothing written yet
    assert write_patch(patch) == ["strands.yaml"]
    config = load_project(root, env={}).config
    assert config.agents["support"].memory == 1024
    assert config.agents["support"].tags == {"team": "ops"}


def test_with_several_environments_the_value_goes_into_the_environments_override(tmp_path: Path) -> None:
    root = _project(tmp_path, TWO_ENVS)
    config = load_project(root, env={}).config
    assert setting_path(config, "prod", "agents", "support", ("memory",)) == (
        "environments", "prod", "overrides", "agents", "support", "memory",
    )  # fmt: skip
    # handler is not something an environment may override
    assert setting_path(config, "prod", "agents", "support", ("handler",)) == ("agents", "support", "handler")
    drifted = _function({"memory_size": 512}, {"memory_size": 2048})
    patch = plan_patch(root, accept_ops(config, "prod", [drifted], _report(drifted)))
    validate_patch(patch, environ={})
    write_patch(patch)
    from strands_tf.config import resolve

    loaded = load_project(root, env={})
    assert resolve(loaded, "prod", environ={}).agents["support"].memory == 2048
    assert resolve(loaded, "dev", environ={}).agents["support"].memory == 512


def test_a_value_the_loader_refuses_is_reported_in_the_patched_file_and_nothing_is_written(tmp_path: Path) -> None:
    root = _project(tmp_path)
    drifted = _function({"memory_size": 512}, {"memory_size": 64})  # below Lambda's 128 MB
    patch = plan_patch(root, accept_ops(load_project(root, env={}).config, "local", [drifted], _report(drifted)))
    with pytest.raises(ConfigError) as caught:
        validate_patch(patch, environ={})
    issue = caught.value.issues[0]
    assert issue.file == "strands.yaml" and issue.line == 14 and "memory" in issue.path
    assert (root / "strands.yaml").read_text() == CONFIG.format(environments=ONE_ENV)


def test_a_deleted_queue_is_accepted_by_removing_it_and_its_references(tmp_path: Path) -> None:
    root = _project(tmp_path)
    owner = Owner("resource", "inbox", "strands.yaml", 19)
    queue = _missing("module.queue_inbox.aws_sqs_queue.this", "aws_sqs_queue", "sqs-queue", owner)
    policy = _missing("module.queue_inbox.aws_sqs_queue_policy.this", "aws_sqs_queue_policy", "sqs-queue", owner)
    report = _report(queue, policy)
    decisions, unused = decide(report, [], ["module.queue_inbox.aws_sqs_queue.this"])
    assert not unused and set(decisions.values()) == {"accept"} and len(decisions) == 2  # the policy goes with it
    patch = plan_patch(root, accept_ops(load_project(root, env={}).config, "local", [queue, policy], report))
    validate_patch(patch, environ={})
    text = patch.after["strands.yaml"]
    assert "inbox" not in text  # the resource and the trigger naming it
    assert "notes:" in text


def test_what_strands_yaml_cannot_express_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    config = load_project(root, env={}).config
    role = DriftedResource(
        "demo-local", "module.role_support.aws_iam_role.this", "aws_iam_role", "changed", "execution-role",
        Owner("agent", "support"), ("inline_policy",),
        (attribute_verdict("agent", "execution-role", "aws_iam_role", "inline_policy", [], [{"x": 1}]),),
    )  # fmt: skip
    assert "no strands.yaml setting" in (why_not_acceptable(role, _report(role)) or "")
    with pytest.raises(NotAcceptable):
        accept_ops(config, "local", [role], _report(role))
    # an inherited tag removed from one function cannot be written as that function's setting
    untagged = _function({"tags": {"owner": "platform"}}, {"tags": {}})
    with pytest.raises(NotAcceptable, match="project's or the environment's tags"):
        accept_ops(config, "local", [untagged], _report(untagged))
    # strands-tf's own keys are not settings
    own = attribute_verdict("agent", "strands-agent", "aws_lambda_function", "tags", {"strands:agent": "a"}, {})
    assert not own.expressible
    # the log group of a function still there can only be created again
    log_group = _missing(
        "module.agent_support.aws_cloudwatch_log_group.this", "aws_cloudwatch_log_group", "strands-agent",
        Owner("agent", "support"),
    )  # fmt: skip
    assert "only be created again" in (why_not_acceptable(log_group, _report(log_group)) or "")


def test_an_element_selector_accepts_only_what_can_be_accepted(tmp_path: Path) -> None:
    function = _function({"memory_size": 512}, {"memory_size": 1024})
    role = DriftedResource(
        "demo-local", "module.role_support.aws_iam_role.this", "aws_iam_role", "changed", "execution-role",
        Owner("agent", "support", "strands.yaml", 9), ("inline_policy",),
        (attribute_verdict("agent", "execution-role", "aws_iam_role", "inline_policy", [], [1]),),
    )  # fmt: skip
    decisions, _ = decide(_report(function, role), [], ["agent:support"])
    assert decisions == {"demo-local:module.agent_support.aws_lambda_function.this": "accept"}
    # what the element selector left out is named with the reason, not dropped silently (QA: the summary said
    # "1 accepted, 0 reverted" while the role stayed drifted)
    ((address, why),) = skipped(_report(function, role), decisions)
    assert address == "module.role_support.aws_iam_role.this" and why.startswith("only revert is possible: ")
    with pytest.raises(Exception, match="both reverted and accepted"):
        decide(_report(function), ["support"], ["agent:support"])
    _, unused = decide(_report(function), ["resource:nothing"], [])
    assert unused == ["resource:nothing"]


def test_a_file_changed_after_the_patch_was_made_is_not_overwritten(tmp_path: Path) -> None:
    root = _project(tmp_path)
    patch = plan_patch(root, [PatchOp("set", ("agents", "support", "timeout"), 30)])
    edited = (root / "strands.yaml").read_text().replace("memory: 512", "memory: 768")
    (root / "strands.yaml").write_text(edited)
    with pytest.raises(ConflictError):
        write_patch(patch)
    assert (root / "strands.yaml").read_text() == edited


def test_an_agent_defined_in_a_fragment_is_patched_in_its_own_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "agents" / "triage").mkdir()
    (root / "agents" / "triage" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "agents" / "triage" / "agent.yaml").write_text("handler: app.handler\nmemory: 256  # small\n")
    patch = plan_patch(root, [PatchOp("set", ("agents", "triage", "memory"), 1024)])
    validate_patch(patch, environ={})
    assert set(patch.to_json()["files"]) == {"agents/triage/agent.yaml"}
    added = [line for line in patch.diff().splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 1 and added[0].startswith("+memory: 1024") and added[0].endswith("# small")
