"""Plan parsing speed: parse + summarize a generated 10,000-resource plan JSON against a bare json.loads.

Generates a realistic `terraform show -json` document (compact, like Terraform writes it): resources in
agent modules with Lambda-, IAM-, log-group-, queue- and table-like attribute sets, nested blocks, tags,
unknown and sensitive markers, a mix of create / update / replace / delete / read / no-op, prior_state,
planned_values and a configuration with references. Then times, best of N:

- baseline: `json.loads(path.read_bytes())`
- strands:  `summarize(load_plan(path), owner_of)` (the whole `strands show` pipeline minus rendering)

and measures peak traced memory (tracemalloc) of each relative to the file size.
Targets (issue 4): time under 1.5x the baseline, peak memory under 3x the file size.
Dependency waves over the same plan are timed too (reported, no target).

    .venv/bin/python benchmarks/plan_parse.py [--resources 10000] [--repeat 7] [--keep FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from strands_tf.terraform.plan import gc_paused, load_plan
from strands_tf.terraform.plan_summary import Owner, module_owner_resolver, summarize
from strands_tf.terraform.waves import compute_waves

KINDS = ["aws_lambda_function", "aws_iam_role", "aws_cloudwatch_log_group", "aws_sqs_queue", "aws_dynamodb_table"]


def _values(kind: str, i: int, rng: random.Random) -> dict[str, Any]:
    tags = {"app": "bench", "agent": f"agent{i // 20}", "env": "dev", "owner": "platform-team"}
    base: dict[str, Any] = {
        "id": f"{kind}-{i}",
        "arn": f"arn:aws:service:us-east-1:123456789012:{kind}/{i}",
        "name": f"bench-{kind}-{i}",
        "tags": tags,
        "tags_all": {**tags, "managed-by": "strands"},
    }
    if kind == "aws_lambda_function":
        base.update(
            {
                "runtime": "python3.12",
                "handler": "agent.handler",
                "memory_size": rng.choice([512, 1024, 2048]),
                "timeout": 900,
                "architectures": ["arm64"],
                "environment": [{"variables": {"MODEL_ID": "anthropic.claude-sonnet-4", "API_KEY": "s3cr3t"}}],
                "tracing_config": [{"mode": "Active"}],
                "vpc_config": [{"subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": ["sg-1"]}],
                "layers": [f"arn:aws:lambda:us-east-1:123456789012:layer:deps:{i}"],
                "source_code_hash": f"{i:064x}",
                "reserved_concurrent_executions": -1,
            }
        )
    elif kind == "aws_iam_role":
        base["assume_role_policy"] = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        )
        base["max_session_duration"] = 3600
        base["inline_policy"] = [{"name": "logs", "policy": '{"Statement":[]}'}]
    elif kind == "aws_cloudwatch_log_group":
        base.update({"retention_in_days": 30, "kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/abc"})
    elif kind == "aws_sqs_queue":
        base.update({"visibility_timeout_seconds": 960, "sqs_managed_sse_enabled": True, "delay_seconds": 0})
    else:
        base.update(
            {
                "billing_mode": "PAY_PER_REQUEST",
                "hash_key": "pk",
                "attribute": [{"name": "pk", "type": "S"}],
                "point_in_time_recovery": [{"enabled": True}],
                "server_side_encryption": [{"enabled": True, "kms_key_arn": ""}],
            }
        )
    return base


def generate_plan(count: int, seed: int = 7) -> dict[str, Any]:
    """A plan JSON document with ``count`` resource changes in agent modules of 20 resources."""
    rng = random.Random(seed)
    actions = [["create"]] * 60 + [["update"]] * 20 + [["delete", "create"]] * 4 + [["create", "delete"]] * 1
    actions += [["delete"]] * 5 + [["no-op"]] * 10
    changes: list[dict[str, Any]] = []
    planned: dict[str, list[dict[str, Any]]] = {}
    prior: dict[str, list[dict[str, Any]]] = {}
    config_modules: dict[str, Any] = {}
    for i in range(count):
        module = f"module.agent{i // 20}"
        kind = KINDS[i % len(KINDS)]
        name = f"r{i % 20}"
        address = f"{module}.{kind}.{name}"
        acts = rng.choice(actions)
        after = _values(kind, i, rng)
        before = None if acts == ["create"] else {**after, "tags": {**after["tags"], "rev": "1"}}
        unknown: dict[str, Any] = {"arn": True, "id": True} if "create" in acts else {}
        sens: dict[str, Any] = (
            {"environment": [{"variables": {"API_KEY": True}}]} if kind == "aws_lambda_function" else {}
        )
        change: dict[str, Any] = {
            "actions": acts,
            "before": before,
            "after": None if acts == ["delete"] else after,
            "after_unknown": unknown,
            "before_sensitive": sens if before else False,
            "after_sensitive": sens,
        }
        rc: dict[str, Any] = {
            "address": address,
            "module_address": module,
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": change,
        }
        if len(acts) == 2:
            rc["action_reason"] = "replace_because_cannot_update"
            change["replace_paths"] = [["name"]]
        if acts == ["delete"]:
            rc["action_reason"] = "delete_because_no_resource_config"
        changes.append(rc)
        entry = {
            "address": address,
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
            "values": after,
            "sensitive_values": sens,
        }
        planned.setdefault(module, []).append(entry)
        if before:
            prior.setdefault(module, []).append({**entry, "values": before})
        cfg = config_modules.setdefault(
            f"agent{i // 20}", {"source": "./modules/agent", "expressions": {}, "module": {"resources": []}}
        )
        refs = [f"{KINDS[1]}.r{(i % 20) - 1}.arn", f"{KINDS[1]}.r{(i % 20) - 1}"] if i % 20 else []
        cfg["module"]["resources"].append(
            {
                "address": f"{kind}.{name}",
                "mode": "managed",
                "type": kind,
                "name": name,
                "provider_config_key": "aws",
                "expressions": {"name": {"constant_value": after["name"]}, "role": {"references": refs}},
                "schema_version": 0,
            }
        )

    def module_tree(mods: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        return {"root_module": {"child_modules": [{"address": m, "resources": r} for m, r in mods.items()]}}

    return {
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "planned_values": module_tree(planned),
        "resource_changes": changes,
        "output_changes": {"url": {"actions": ["create"], "before": None, "after_unknown": True}},
        "prior_state": {"format_version": "1.0", "terraform_version": "1.15.5", "values": module_tree(prior)},
        "configuration": {"root_module": {"module_calls": config_modules}},
        "timestamp": "2026-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def _timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` calls (garbage collected before each)."""
    return min(_timed(fn) for _ in range(repeat))


def best_alternating(*fns: Callable[[], Any], repeat: int) -> list[float]:
    """Best time of each function, run in turn ``repeat`` times, so background load hits all alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            times[i].append(_timed(fn))
    return [min(t) for t in times]


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak traced allocation (bytes) while ``fn`` runs and its result is alive."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the generated plan here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "plan.json"
        path.write_text(json.dumps(generate_plan(args.resources), separators=(",", ":")))
        size = path.stat().st_size
        owners = {f"module.agent{n}": Owner("agent", f"agent{n}", "strands.yaml", 10 + n) for n in range(0, 500)}
        owner_of = module_owner_resolver(owners)

        def baseline() -> Any:
            return json.loads(path.read_bytes())

        def strands() -> Any:
            return summarize(load_plan(path), owner_of)

        plan = load_plan(path)
        summary = summarize(plan, owner_of)
        assert len(plan.resource_changes) == args.resources

        def baseline_no_gc() -> Any:
            with gc_paused():
                return json.loads(path.read_bytes())

        # For transparency: much of the gain over a bare json.loads is pausing the cyclic GC.
        t_base, t_base_nogc, t_ours = best_alternating(baseline, baseline_no_gc, strands, repeat=args.repeat)
        t_waves = best_of(lambda: compute_waves(plan), args.repeat)
        m_base = peak_memory(baseline)
        m_ours = peak_memory(strands)

    ratio = t_ours / t_base
    mem_ratio = m_ours / size
    ok = ratio <= 1.5 and mem_ratio <= 3.0
    print(f"plan: {args.resources} resources, {size / 2**20:.1f} MiB, {summary.total_changes} changes")
    print(f"{'measure':<38} {'figure':>14}")
    print(f"{'json.loads (read + decode), best':<38} {t_base * 1000:>11.1f} ms")
    print(f"{'json.loads with the GC paused, best':<38} {t_base_nogc * 1000:>11.1f} ms")
    print(f"{'load_plan + summarize, best':<38} {t_ours * 1000:>11.1f} ms")
    print(f"{'time ratio (target <= 1.5)':<38} {ratio:>14.2f}")
    print(f"{'peak memory json.loads / file size':<38} {m_base / size:>14.2f}")
    print(f"{'peak memory strands / file size (<= 3)':<38} {mem_ratio:>14.2f}")
    print(f"{'compute_waves, best':<38} {t_waves * 1000:>11.1f} ms")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
