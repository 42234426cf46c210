"""Golden files of the sample's `prod` environment: a VPC from an IPAM pool, three zones, a NAT gateway per zone.

Same comparison as test_golden.py (stack JSON, manifest, metadata, cdktf.json, HCL export byte for byte), for
the environment that runs agent `support` in a VPC. Regenerate after an intended change, then review the diff:

    STRANDS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/generators/test_golden_vpc.py -q
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import GOLDEN, MODULES_DIR, synth, tree_bytes
from .test_golden import UPDATE, _generated

ENVIRONMENT = "prod"
STACK = GOLDEN / ENVIRONMENT / "cdktf.out" / "stacks" / "support-desk-prod" / "cdk.tf.json"


def test_prod_matches_golden_files(sample: Path) -> None:
    generated = _generated(sample, ENVIRONMENT)
    golden_dir = GOLDEN / ENVIRONMENT
    if UPDATE:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for rel, content in generated.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_bytes(content)
    golden = tree_bytes(golden_dir)
    assert sorted(generated) == sorted(golden), "set of generated files changed (STRANDS_UPDATE_GOLDEN=1 to accept)"
    for rel in golden:
        assert generated[rel].decode() == golden[rel].decode(), f"{rel} differs from the golden file"


def test_prod_vendors_the_vpc_module(sample: Path) -> None:
    synth(sample, ENVIRONMENT, hcl=sample / "infra")
    stack = sample / "cdktf.out" / "stacks" / "support-desk-prod"
    assert "vpc" in {p.name for p in (stack / "modules").iterdir()}
    expected = tree_bytes(MODULES_DIR / "vpc", skip=("README.md",))
    assert tree_bytes(stack / "modules" / "vpc") == expected
    assert tree_bytes(sample / "infra" / "modules" / "vpc") == expected


def test_golden_prod_stack_has_the_vpc_shape() -> None:
    """The facts a careless regeneration must not drop: the VPC call, who is in it, and what its role may do."""
    doc = json.loads(STACK.read_text())
    modules = doc["module"]
    vpc = {k: v for k, v in modules["vpc"].items() if k != "//"}
    assert vpc == {
        "source": "./modules/vpc",
        "name": "support-desk-prod",
        "ipv4_ipam_pool_id": "ipam-pool-0abc1234567890def",
        "ipv4_netmask_length": 20,
        "az_count": 3,
        "nat_gateway": "one_per_az",
        "endpoints": ["bedrock-runtime", "dynamodb", "s3"],
        "flow_logs": True,
        "tags": {"strands:vpc": "prod"},
    }
    support, triage = modules["agent_support"], modules["agent_triage"]
    assert support["vpc_subnet_ids"] == "${module.vpc.private_subnet_ids}"
    assert support["vpc_security_group_ids"] == ["${module.vpc.agent_security_group_id}"]
    assert "vpc_subnet_ids" not in triage and "vpc_security_group_ids" not in triage
    sids = {role: {s["sid"] for s in modules[role]["policy_statements"]} for role in ("role_support", "role_triage")}
    assert {"NetworkInterfaces", "NetworkInterfaceAddresses", "NetworkDescribe"} <= sids["role_support"]
    assert not any(sid.startswith("Network") for sid in sids["role_triage"])
    assert {"vpc_id", "vpc_private_subnet_ids", "vpc_agent_security_group_id"} <= set(doc["output"])
    assert (GOLDEN / ENVIRONMENT / "hcl" / "network.tf").read_text().startswith("# construct support-desk-prod/vpc")
