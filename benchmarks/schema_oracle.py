"""Cost of the schema oracle: load the schema, check the HCL modules, check cdk.tf.json-sized documents.

Run from the repository root: ``.venv/bin/python benchmarks/schema_oracle.py [--agents 100 1000]``

What it measures (best of ``--repeat`` runs, wall time):

- cold load and validation of ``strands_tf/schema/aws_provider_schema.json`` (a fresh process);
- python-hcl2 parse plus schema check of every ``modules/*/*.tf`` file;
- ``check_json_document`` on synthetic Terraform JSON documents with N agents, each a Lambda function,
  log group, IAM role and inline policy, event source mapping and an IAM policy document data source
  (the resource mix of a synthesized stack without modules);
- peak RSS of this process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from strands_tf.schema import load_aws_schema  # noqa: E402
from strands_tf.schema.check import check_hcl_file, check_json_document  # noqa: E402


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def cold_load_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); from strands_tf.schema import load_aws_schema; "
        "load_aws_schema(); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def document(agents: int) -> dict[str, Any]:
    """A Terraform JSON document shaped like a synthesized stack with ``agents`` agents."""
    resources: dict[str, dict[str, Any]] = {
        "aws_lambda_function": {},
        "aws_cloudwatch_log_group": {},
        "aws_iam_role": {},
        "aws_iam_role_policy": {},
        "aws_lambda_event_source_mapping": {},
    }
    data: dict[str, dict[str, Any]] = {"aws_iam_policy_document": {}}
    for i in range(agents):
        n = f"agent{i}"
        resources["aws_cloudwatch_log_group"][n] = {"name": f"/aws/lambda/{n}", "retention_in_days": 30}
        resources["aws_iam_role"][n] = {"name": n, "assume_role_policy": "${data.aws_iam_policy_document.x.json}"}
        resources["aws_iam_role_policy"][n] = {"role": f"${{aws_iam_role.{n}.id}}", "policy": "{}"}
        resources["aws_lambda_function"][n] = {
            "//": {"metadata": {"path": f"stack/{n}/Function"}},
            "function_name": n,
            "role": f"${{aws_iam_role.{n}.arn}}",
            "handler": "handler.handler",
            "runtime": "python3.12",
            "architectures": ["arm64"],
            "memory_size": 1024,
            "timeout": 300,
            "filename": f"build/{n}.zip",
            "environment": {"variables": {"TABLE": "t", "QUEUE": "q"}},
            "logging_config": {"log_format": "Text", "log_group": f"${{aws_cloudwatch_log_group.{n}.name}}"},
            "tracing_config": {"mode": "Active"},
            "tags": {"project": "bench"},
            "depends_on": [f"aws_cloudwatch_log_group.{n}"],
        }
        resources["aws_lambda_event_source_mapping"][n] = {
            "event_source_arn": "${aws_sqs_queue.q.arn}",
            "function_name": f"${{aws_lambda_function.{n}.arn}}",
            "batch_size": 5,
        }
        data["aws_iam_policy_document"][n] = {
            "statement": [
                {
                    "sid": "Logs",
                    "actions": ["logs:PutLogEvents"],
                    "resources": ["*"],
                    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                }
            ]
        }
    return {"resource": resources, "data": data}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"cold schema load (new process): {cold_load_seconds() * 1000:.1f} ms")
    load_aws_schema()
    files = sorted((REPO_ROOT / "modules").glob("*/*.tf"))
    seconds, problems = best_of(args.repeat, lambda: [p for f in files for p in check_hcl_file(f)])
    print(f"modules: {len(files)} .tf files parsed and checked in {seconds * 1000:.0f} ms ({len(problems)} problems)")
    for agents in args.agents:
        doc = document(agents)
        blocks = sum(len(v) for section in doc.values() for v in section.values())
        seconds, problems = best_of(args.repeat, lambda doc=doc: check_json_document(doc))
        assert problems == [], problems[:3]
        rate = blocks / seconds
        print(f"{agents:>5} agents: {blocks} blocks checked in {seconds * 1000:.1f} ms ({rate:,.0f} blocks/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
