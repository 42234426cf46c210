"""What pricing a 100-agent plan adds to `strands plan` (issue 15 target: under 0.1 s).

A project of N agents (each with an HTTP route, a Bedrock model and permissions on a table, a bucket and
a queue) is built into its InfraGraph; its resources are turned into a plan JSON of the size Terraform
prints for it (every priced resource as a create, with the attribute values the modules set), parsed once
like `strands plan` does. Timed, best and median of --repeat runs: what `strands plan` adds —
`estimate_plan` (owners from the graph, the estimate of the plan's `after` side, the baseline from a
recorded deployment estimate) plus the estimate's JSON for `--json` — and, for reference, the offline
`strands cost estimate` path (graph expansion + estimate).

Run: .venv/bin/python benchmarks/cost_estimate.py [--agents 100] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strands_tf.config import load_project, resolve
from strands_tf.cost.deployed import estimate_plan, write_cost_file
from strands_tf.cost.estimate import estimate_configuration, resources_from_graph
from strands_tf.model.build import build_graph
from strands_tf.terraform.plan import parse_plan_dict


def write_project(root: Path, agents: int) -> None:
    doc = {
        "version": 1,
        "project": "bench",
        "environments": {"prod": {"account": "123456789012"}},
        "agents": {
            f"agent{i:03d}": {
                "path": f"agents/agent{i:03d}",
                "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
                "api": {"routes": [f"POST /a{i}"]},
                "permissions": [
                    {"resource": "tickets", "access": "read_write"},
                    {"resource": "files", "access": "read"},
                    {"resource": "jobs", "access": "publish"},
                ],
            }
            for i in range(agents)
        },
        "resources": {
            "tickets": {"type": "dynamodb", "hash_key": "id"},
            "files": {"type": "s3"},
            "jobs": {"type": "sqs"},
        },
        "usage": {"defaults": {"invocations": 200000}},
    }
    (root / "strands.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    for i in range(agents):
        (root / "agents" / f"agent{i:03d}").mkdir(parents=True)
        (root / "agents" / f"agent{i:03d}" / "app.py").write_text("def handler(e, c):\n    return {}\n")


def plan_doc(resources: list) -> dict:
    changes = [
        {
            "address": r.address,
            "mode": "managed",
            "type": r.type,
            "name": r.address.rsplit(".", 1)[-1],
            "change": {"actions": ["create"], "before": None, "after": dict(r.values), "after_unknown": {}},
        }
        for r in resources
    ]
    return {"format_version": "1.2", "terraform_version": "1.15.5", "resource_changes": changes}


def measure(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, args.agents)
        resolved = resolve(load_project(root), "prod", environ={})
        graph = build_graph(resolved)
        resources = resources_from_graph(graph, resolved)
        plan = parse_plan_dict(json.loads(json.dumps(plan_doc(resources))), "bench plan")
        previous = root / "deployment"
        previous.mkdir()
        write_cost_file(previous, estimate_configuration(resolved, graph).to_json())

        def plan_line() -> None:
            estimate, change = estimate_plan(resolved, [plan], graph, previous)
            json.dumps({"estimate": estimate.to_json(), "change": change.to_json()})

        def offline() -> None:
            estimate_configuration(resolved, graph).to_json()

        plan_line()  # warm imports and the price table
        best, median = measure(plan_line, args.repeat)
        off_best, off_median = measure(offline, args.repeat)
        estimate, change = estimate_plan(resolved, [plan], graph, previous)
    verdict = "PASS" if best < 0.1 else "FAIL"
    print(f"{args.agents} agents, {len(plan.resource_changes)} planned resources, {len(estimate.lines)} cost lines")
    print(
        f"added to strands plan (estimate_plan + JSON): best {best:.4f} s, median {median:.4f} s — {verdict} (< 0.1 s)"
    )
    print(
        f"strands cost estimate path (graph expansion + estimate + JSON): best {off_best:.4f} s, "
        f"median {off_median:.4f} s"
    )
    print(f"total {estimate.total:.2f}/month, delta vs recorded {change.delta:.2f}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
