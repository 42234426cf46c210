"""checkov judges the HCL export of configurations with a VPC: nothing may fail beyond .checkov.yaml's allowlist.

The sample's `prod` environment (IPAM pool, three zones, a NAT gateway per zone, gateway and interface
endpoints), the same in per_agent stacks, and a CIDR VPC without NAT or flow logs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHECKOV, SAMPLE, copy_project, synth
from .test_checkov import failures, run_checkov

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHECKOV.exists(), reason="checkov not installed in .venv-checkov"),
]

CASES = ["prod", "prod-per-agent", "cidr-no-nat"]


def _edit(root: Path, old: str, new: str) -> Path:
    config = root / "strands.yaml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))
    return root


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("checkov-vpc")
    exports: dict[str, Path] = {}
    root = copy_project(SAMPLE, base / "prod")
    exports["prod"] = synth(root, "prod", hcl=root / "infra").out_dir.parent / "infra"
    root = _edit(
        copy_project(SAMPLE, base / "prod-per-agent"), "region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n"
    )
    exports["prod-per-agent"] = synth(root, "prod", hcl=root / "infra").out_dir.parent / "infra"
    root = _edit(
        copy_project(SAMPLE, base / "cidr-no-nat"),
        "vpc: {ipam_pool_id: ipam-pool-0abc1234567890def, netmask_length: 20, availability_zones: 3,\n"
        "          nat: one_per_az, endpoints: [s3, dynamodb, bedrock-runtime]}",
        "vpc: {cidr: 10.40.0.0/20, nat: none, flow_logs: false, endpoints: [s3, dynamodb, bedrock-runtime, sns]}",
    )
    exports["cidr-no-nat"] = synth(root, "prod", hcl=root / "infra").out_dir.parent / "infra"
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(exports, pool.map(run_checkov, exports.values()), strict=True))


@pytest.mark.parametrize("case", CASES)
def test_vpc_exports_have_no_failed_checks_beyond_the_allowlist(reports: dict[str, dict[str, Any]], case: str) -> None:
    report = reports[case]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 40
    assert failures(report) == []


def test_the_vpc_checks_ran_on_the_vendored_module(reports: dict[str, dict[str, Any]]) -> None:
    # checkov resolved the vendored module: flow logs on, default group closed, no public IPs, pinned zones
    passed = {(c["resource"], c["check_id"]) for c in reports["prod"]["results"]["passed_checks"]}
    assert {
        ("module.vpc.aws_vpc.this", "CKV2_AWS_11"),
        ("module.vpc.aws_vpc.this", "CKV2_AWS_12"),
        ("module.vpc.aws_subnet.private", "CKV_AWS_130"),
        ("module.vpc.aws_subnet.public", "CKV_AWS_130"),
        ("module.vpc.aws_availability_zones.available", "CKV_AWS_394"),
        ("module.vpc.aws_security_group.agents", "CKV_AWS_382"),
    } <= passed
