"""End to end on the offline target: a clean apply leaves no drift behind, for every module's resource types.

Regression for "false drift after every clean apply": a queue and its aws_sqs_queue_policy, a bucket and its
encryption/policy resources, a role and its aws_iam_role_policy, a route table and its routes, a security group
and its rule resources, an EIP and its NAT gateway each set a property of the other resource, whose state
Terraform never read again, so the next plan listed every such pair as "changed outside Terraform"; the SNS topic
also recorded values derived from unknown placeholders. After `strands apply` the next plan must show no drift
entries at all and no changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strands_tf.scaffold import scaffold

from .project import Project, changes

pytestmark = [pytest.mark.engine, pytest.mark.slow]

# every module: VPC (NAT, endpoints, flow logs), S3 (bucket + its split resources), SQS with DLQs, SNS, DynamoDB,
# an HTTP API with a JWT authorizer, an agent packaged through the artifacts bucket (aws_s3_object)
EVERYTHING = """\
version: 1
project: alltypes
region: us-east-1
tags: {team: platform}
environments:
  local:
    target: emulator
    vpc: {cidr: 10.20.0.0/16, availability_zones: 2, nat: single, endpoints: [s3, dynamodb]}
agents:
  support:
    path: agents/support
    handler: app.handler
    vpc: true
    dead_letter: true
    api:
      routes: ["POST /chat", "GET /health"]
      auth: jwt
      jwt: {issuer: "https://issuer.example.com", audience: [support]}
    permissions:
      - {resource: tickets, access: read_write}
      - {resource: attachments, access: read}
      - {resource: escalations, access: publish}
  triage:
    path: agents/triage
    handler: app.handler
    triggers: [{queue: inbound, batch_size: 10}]
    permissions: [{resource: tickets, access: write}]
  big:
    path: agents/big
    handler: app.handler
    package_upload: s3
resources:
  tickets: {type: dynamodb, hash_key: ticket_id, range_key: created_at, point_in_time_recovery: true}
  attachments: {type: s3, versioning: true}
  inbound: {type: sqs, visibility_timeout: 360, dead_letter: true}
  escalations: {type: sns}
"""


def _everything(root: Path) -> None:
    root.mkdir(parents=True)
    (root / "strands.yaml").write_text(EVERYTHING)
    for agent in ("support", "triage", "big"):
        (root / "agents" / agent).mkdir(parents=True)
        (root / "agents" / agent / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")


def _template(name: str) -> Any:
    def make(root: Path) -> None:
        scaffold(root, name, name=f"nodrift-{name}")
        for requirements in root.glob("agents/*/requirements.txt"):
            requirements.unlink()  # no pip downloads: layers have their own tests

    return make


CASES = {"event-driven": _template("event-driven"), "monorepo": _template("monorepo"), "every-module": _everything}


@pytest.fixture
def project(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Project]:
    root = tmp_path / request.param
    CASES[request.param](root)
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


@pytest.mark.parametrize("project", list(CASES), indirect=True)
def test_a_clean_apply_leaves_no_drift(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    plan = project.plan()
    assert changes(plan) == [], "a second plan after apply must report no changes"
    drift = {name: stack["drift"] for name, stack in plan["stacks"].items() if stack["drift"]}
    assert drift == {}, "a second plan after a clean apply must report no drift"
    shown = project.run("plan", "-e", "local").stdout
    assert "changed outside Terraform" not in shown and "refresh difference" not in shown
