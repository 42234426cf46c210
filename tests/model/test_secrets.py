"""`secrets:` in the graph: exactly those ARNs readable, KMS only through the service, references in the env."""

from __future__ import annotations

import json
from typing import Any

from strands_tf.config.secrets import SecretRef
from strands_tf.model import iam
from strands_tf.model.build import ACCOUNT, PARTITION, REGION, build_graph
from strands_tf.model.optimize import merge_statements, share_roles

DNS = "${data.aws_partition.partition.dns_suffix}"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = "arn:aws:kms:eu-west-1:123456789012:key/00000000-12ab-34cd-56ef-1234567890ab"


def grant(**ref: Any) -> iam.SecretGrant:
    return iam.secret_grant(SecretRef(**ref), partition=PARTITION, region=REGION, account=ACCOUNT, dns_suffix=DNS)


def test_grants_name_exactly_one_parameter_or_secret() -> None:
    assert grant(ssm="/acme/openai-key").arn == f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter/acme/openai-key"
    assert grant(ssm="flat").arn == f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter/flat"
    given = "arn:aws:ssm:eu-west-1:210987654321:parameter/shared/key"
    assert grant(ssm=given).arn == given
    assert grant(ssm=given).via_service == f"ssm.eu-west-1.{DNS}"
    # a name matches its ARN only with the 6-character suffix Secrets Manager appends
    assert grant(secretsmanager="prod/db").arn == (
        f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/db-??????"
    )
    full = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123"
    assert grant(secretsmanager=full).arn == full
    partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"
    assert grant(secretsmanager=partial).arn == partial + "-??????"
    assert grant(secretsmanager="prod/db").via_service == f"secretsmanager.{REGION}.{DNS}"


def test_kms_is_granted_per_key_only_through_the_services_that_use_it() -> None:
    policy = iam.PolicyBuilder()
    iam.add_secret_statements(
        policy,
        [
            grant(ssm="/a", kms_key=KEY),
            grant(secretsmanager="b", kms_key=KEY),
            grant(ssm="/c"),
            grant(ssm="arn:aws:ssm:eu-west-1:123456789012:parameter/d", kms_key=OTHER_KEY),
        ],
    )
    statements = {s.sid: s.to_dict() for s in policy.statements}
    assert statements["SecretsSsm"]["actions"] == ["ssm:GetParameter", "ssm:GetParameters"]
    assert len(statements["SecretsSsm"]["resources"]) == 3 and "conditions" not in statements["SecretsSsm"]
    assert statements["SecretsManager"]["actions"] == ["secretsmanager:GetSecretValue"]
    # numbered in key ARN order
    assert statements["SecretsKms1"]["resources"] == [OTHER_KEY]
    assert statements["SecretsKms1"]["conditions"][0]["values"] == [f"ssm.eu-west-1.{DNS}"]
    assert statements["SecretsKms2"] == {
        "sid": "SecretsKms2",
        "effect": "Allow",
        "actions": ["kms:Decrypt"],
        "resources": [KEY],
        "conditions": [
            {
                "test": "StringEquals",
                "variable": "kms:ViaService",
                "values": sorted([f"secretsmanager.{REGION}.{DNS}", f"ssm.{REGION}.{DNS}"]),
            }
        ],
    }
    assert not [s for s in policy.statements if "kms:GenerateDataKey" in s.actions or "*" in s.resources]


def _role(graph: Any, agent: str) -> dict[str, Any]:
    return {s["sid"]: s for s in graph.nodes[f"role_{agent}"].body["policy_statements"]}


def test_the_function_gets_references_and_the_user_values_apart(make_project: Any) -> None:
    _loaded, project = make_project(
        {
            "support": {
                "environment": {"LOG_LEVEL": "info", "TICKETS_TABLE": "mine"},
                "secrets": {"OPENAI_API_KEY": {"ssm": "/acme/openai"}, "DB": {"secretsmanager": "db", "key": "pw"}},
                "permissions": [{"resource": "tickets", "access": "read"}],
            },
            "triage": {},
        },
        {"tickets": {"type": "dynamodb", "hash_key": "id"}},
    )
    graph = build_graph(project)
    agent = graph.nodes["agent_support"].body
    assert json.loads(agent["environment_variables"]["STRANDS_SECRETS"]) == {
        "DB": {"key": "pw", "secretsmanager": "db"},
        "OPENAI_API_KEY": {"ssm": "/acme/openai"},
    }
    # what the user wrote is passed apart (masked by Terraform), and wins over the generated name
    assert agent["sensitive_environment_variables"] == {"LOG_LEVEL": "info", "TICKETS_TABLE": "mine"}
    assert "TICKETS_TABLE" not in agent["environment_variables"]
    assert any("TICKETS_TABLE" in w for w in graph.warnings)
    assert "OPENAI_API_KEY" not in agent["environment_variables"]
    role = _role(graph, "support")
    assert role["SecretsSsm"]["resources"] == [f"arn:{PARTITION}:ssm:{REGION}:{ACCOUNT}:parameter/acme/openai"]
    triage = graph.nodes["agent_triage"].body
    assert "STRANDS_SECRETS" not in triage["environment_variables"]
    assert "sensitive_environment_variables" not in triage
    assert not [sid for sid in _role(graph, "triage") if sid.startswith("Secrets")]


def test_shared_roles_never_merge_statements_with_different_conditions(make_project: Any) -> None:
    _loaded, project = make_project(
        {
            "a": {"secrets": {"K": {"ssm": "/x", "kms_key": KEY}}},
            "b": {"secrets": {"K": {"ssm": "/x", "kms_key": KEY}}},
        }
    )
    graph = share_roles(merge_statements(build_graph(project)), "shared", role_name=lambda s: f"demo-dev-{s}")
    shared = {s["sid"]: s for s in graph.nodes["role_shared"].body["policy_statements"]}
    assert shared["SecretsKms"]["conditions"][0]["variable"] == "kms:ViaService"
    # a statement granting the same action without the condition stays a statement of its own
    node = graph.nodes["role_shared"]
    statements = [*node.body["policy_statements"], {**shared["SecretsKms"], "sid": "Other", "conditions": []}]
    node.body["policy_statements"] = statements
    merged = {s["sid"]: s for s in merge_statements(graph).nodes["role_shared"].body["policy_statements"]}
    assert merged["SecretsKms"]["conditions"] and merged["Other"]["conditions"] == []
