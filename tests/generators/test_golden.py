"""Golden tests: the issue-2 sample config synthesized for `dev` and the built-in `local` environment.

The stack JSON, manifest, stack metadata, cdktf.json and the HCL export are compared byte for byte with
the files under tests/generators/golden/<env>/. Vendored modules are not stored there: they must equal
modules/ (without README.md), which is checked separately.

Regenerate after an intended change of the generator, then review the diff before committing:

    STRANDS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/generators/test_golden.py -q
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import GOLDEN, MODULES_DIR, synth, tree_bytes

UPDATE = os.environ.get("STRANDS_UPDATE_GOLDEN") == "1"
ENVIRONMENTS = ["dev", "local"]


def _generated(root: Path, environment: str) -> dict[str, bytes]:
    synth(root, environment, out=root / "cdktf.out", hcl=root / "infra")
    files = {f"cdktf.out/{k}": v for k, v in tree_bytes(root / "cdktf.out").items() if "/modules/" not in k}
    files |= {f"hcl/{k}": v for k, v in tree_bytes(root / "infra", skip=("modules/",)).items()}
    files["cdktf.json"] = (root / "cdktf.json").read_bytes()
    return files


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_sample_matches_golden_files(sample: Path, environment: str) -> None:
    generated = _generated(sample, environment)
    golden_dir = GOLDEN / environment
    if UPDATE:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for rel, content in generated.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_bytes(content)
    golden = tree_bytes(golden_dir)
    assert sorted(generated) == sorted(golden), "set of generated files changed (STRANDS_UPDATE_GOLDEN=1 to accept)"
    for rel in golden:
        assert generated[rel].decode() == golden[rel].decode(), f"{rel} differs from the golden file"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_vendored_modules_are_the_repository_modules(sample: Path, environment: str) -> None:
    synth(sample, environment, hcl=sample / "infra")
    stack = sample / "cdktf.out" / "stacks" / f"support-desk-{environment}"
    used = sorted(p.name for p in (stack / "modules").iterdir())
    assert used == [
        "alarm-topic",
        "dynamodb-table",
        "execution-role",
        "http-api",
        "metric-alarms",
        "s3-bucket",
        "sns-topic",
        "sqs-queue",
        "strands-agent",
    ]
    for module in used:
        expected = tree_bytes(MODULES_DIR / module, skip=("README.md",))
        assert tree_bytes(stack / "modules" / module) == expected
        assert tree_bytes(sample / "infra" / "modules" / module) == expected


def test_golden_dev_stack_has_the_documented_shape() -> None:
    """A few facts the golden file must keep, so a careless regeneration cannot drop them."""
    import json

    doc = json.loads((GOLDEN / "dev" / "cdktf.out" / "stacks" / "support-desk-dev" / "cdk.tf.json").read_text())
    assert doc["//"]["metadata"] == {"backend": "s3", "stackName": "support-desk-dev", "version": "0.21.0"}
    assert doc["terraform"]["backend"]["s3"] == {
        "bucket": "acme-tfstate",
        "encrypt": True,
        "key": "support-desk/dev/support-desk-dev.tfstate",
        "region": "us-east-1",
        "use_lockfile": True,
    }
    assert doc["terraform"]["required_providers"] == {"aws": {"source": "hashicorp/aws", "version": "~> 6.0"}}
    provider = doc["provider"]["aws"][0]
    assert provider["allowed_account_ids"] == ["111111111111"]
    assert provider["default_tags"][0]["tags"]["cost-center"] == "4411"
    assert provider["default_tags"][0]["tags"]["managed-by"] == "strands-tf"
    modules = doc["module"]
    assert sorted(modules) == [
        "agent_support", "agent_triage", "alarm_topic", "alarms_support", "alarms_triage", "api",
        "bedrock_alarms", "bucket_attachments", "dlq_support", "queue_inbound", "role_support", "role_triage",
        "table_tickets", "topic_escalations",
    ]  # fmt: skip
    # alarms by default: the API's own (in its module, keyed by its id) and the dashboard it holds
    assert sorted(modules["api"]["alarms"]) == ["4xx", "5xx", "latency_p95"]
    assert modules["api"]["dashboard_name"] == "support-desk-dev"
    assert sorted(modules["alarms_support"]["alarms"]) == [
        "dead_letter_age", "dead_letter_messages", "duration_p95", "errors", "throttles",
    ]  # fmt: skip
    assert modules["alarms_support"]["tags"]["strands:agent"] == "support"
    assert modules["bucket_attachments"]["bucket"] == (
        "support-desk-dev-attachments-${data.aws_caller_identity.caller.account_id}"
    )
    assert sorted(modules["api"]["routes"]) == ["GET /health", "POST /chat"]
    for module_id, body in modules.items():
        assert body["//"]["metadata"] == {"path": f"support-desk-dev/{module_id}", "uniqueId": module_id}
