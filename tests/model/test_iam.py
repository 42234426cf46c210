"""Least-privilege IAM: access templates per resource type, model ids, KMS grants, wildcard warnings."""

from __future__ import annotations

from typing import Any

import pytest

from strands_tf.model import iam
from strands_tf.model.build import ACCOUNT, PARTITION, REGION, agent_policy

# The documented grants, written out here on purpose (not read from iam.ACTIONS): a change to the
# templates must be a deliberate change to this table too.
DDB_READ = [
    "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
    "dynamodb:Query", "dynamodb:Scan",
]  # fmt: skip
DDB_WRITE = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem",
             "dynamodb:UpdateItem"]  # fmt: skip
S3_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
S3_WRITE = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"]
SQS_CONSUME = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
               "sqs:ReceiveMessage"]  # fmt: skip
SQS_PUBLISH = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]

TABLE = "${module.table_things.table_arn}"
BUCKET = "${module.bucket_things.bucket_arn}"
QUEUE = "${module.queue_things.queue_arn}"
TOPIC = "${module.topic_things.topic_arn}"
FUNCTION = (
    "arn:${data.aws_partition.partition.partition}:lambda:${data.aws_region.region.region}:"
    "${data.aws_caller_identity.caller.account_id}:function:demo-dev-other"
)

CASES: list[tuple[str, dict[str, Any], str, str, list[str], list[str]]] = [
    # kind, resource, access, sid, actions, resources
    ("dynamodb", {"hash_key": "id"}, "read", "ReadThings", DDB_READ, [TABLE, f"{TABLE}/index/*"]),
    ("dynamodb", {"hash_key": "id"}, "write", "WriteThings", DDB_WRITE, [TABLE]),
    ("dynamodb", {"hash_key": "id"}, "read_write", "ReadWriteThings", sorted({*DDB_READ, *DDB_WRITE}),
     [TABLE, f"{TABLE}/index/*"]),
    ("s3", {}, "read", "ReadThings", S3_READ, [BUCKET, f"{BUCKET}/*"]),
    ("s3", {}, "write", "WriteThings", S3_WRITE, [f"{BUCKET}/*"]),
    ("s3", {}, "read_write", "ReadWriteThings", sorted({*S3_READ, *S3_WRITE}), [BUCKET, f"{BUCKET}/*"]),
    ("sqs", {}, "consume", "ConsumeThings", SQS_CONSUME, [QUEUE]),
    ("sqs", {}, "publish", "PublishThings", SQS_PUBLISH, [QUEUE]),
    ("sqs", {}, "read_write", "ReadWriteThings", sorted({*SQS_CONSUME, *SQS_PUBLISH}), [QUEUE]),
    ("sns", {}, "publish", "PublishThings", ["sns:Publish"], [TOPIC]),
]  # fmt: skip


def _statements(policy: iam.PolicyBuilder) -> dict[str, iam.Statement]:
    return {s.sid: s for s in policy.statements}


def _only_wildcard_is_xray(policy: iam.PolicyBuilder) -> None:
    for statement in policy.statements:
        if statement.sid == "Tracing":
            assert statement.actions == ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
            assert statement.resources == ("*",)
            continue
        assert "*" not in statement.resources
        assert not any(a == "*" or a.endswith(":*") for a in statement.actions)


@pytest.mark.parametrize(
    ("kind", "extra", "access", "sid", "actions", "resources"),
    CASES,
    ids=[f"{c[0]}-{c[2]}" for c in CASES],
)
def test_access_template_gives_exactly_the_documented_actions(
    make_project: Any, kind: str, extra: dict[str, Any], access: str, sid: str, actions: list[str], resources: list[str]
) -> None:
    _, project = make_project(
        {"agent": {"permissions": [{"resource": "things", "access": access}]}},
        {"things": {"type": kind, **extra}},
    )
    policy = agent_policy(project, project.agents["agent"])
    statements = _statements(policy)
    assert sorted(statements) == sorted(["Logs", "Tracing", sid])
    assert list(statements[sid].actions) == actions
    assert list(statements[sid].resources) == resources
    assert policy.warnings == []
    _only_wildcard_is_xray(policy)


def test_invoke_another_agent_is_scoped_to_its_function_and_versions(make_project: Any) -> None:
    _, project = make_project({"agent": {"permissions": [{"resource": "other", "access": "invoke"}]}, "other": {}})
    statements = _statements(agent_policy(project, project.agents["agent"]))
    assert statements["InvokeOther"].actions == ("lambda:InvokeFunction",)
    assert statements["InvokeOther"].resources == (FUNCTION, f"{FUNCTION}:*")


def test_logs_are_scoped_to_the_agents_own_log_group(make_project: Any) -> None:
    _, project = make_project({"agent": {"tracing": False}})
    policy = agent_policy(project, project.agents["agent"])
    assert [s.sid for s in policy.statements] == ["Logs"]  # no tracing: no "*" at all
    logs = policy.statements[0]
    assert logs.actions == ("logs:CreateLogStream", "logs:PutLogEvents")
    assert logs.resources == (f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/demo-dev-agent:*",)


def test_triggers_and_dead_letter_queue(make_project: Any) -> None:
    _, project = make_project(
        {"agent": {"dead_letter": True, "triggers": [{"queue": "jobs"}]}},
        {"jobs": {"type": "sqs", "visibility_timeout": 120}},
    )
    statements = _statements(agent_policy(project, project.agents["agent"]))
    assert statements["TriggerJobs"].actions == tuple(SQS_CONSUME)
    assert statements["TriggerJobs"].resources == ("${module.queue_jobs.queue_arn}",)
    assert statements["Deadletter"].actions == ("sqs:SendMessage",)
    assert statements["Deadletter"].resources == ("${module.dlq_agent.queue_arn}",)


@pytest.mark.parametrize(
    ("actions", "resources", "warned"),
    [
        (["dynamodb:GetItem"], [TABLE], False),
        (["dynamodb:GetItem", "dynamodb:Query"], [TABLE, f"{TABLE}/index/*"], False),
        (["dynamodb:*"], [TABLE, f"{TABLE}/index/*"], True),
        (["*"], [TABLE], True),
    ],
)
def test_explicit_actions_and_wildcard_warning(
    make_project: Any, actions: list[str], resources: list[str], warned: bool
) -> None:
    _, project = make_project(
        {"agent": {"permissions": [{"resource": "things", "actions": actions}]}},
        {"things": {"type": "dynamodb", "hash_key": "id"}},
    )
    policy = agent_policy(project, project.agents["agent"])
    statement = _statements(policy)["ActionsThings"]
    assert list(statement.actions) == sorted(actions)
    assert list(statement.resources) == resources
    if warned:
        assert len(policy.warnings) == 1
        assert "wildcard actions" in policy.warnings[0] and "'things'" in policy.warnings[0]
    else:
        assert policy.warnings == []


def test_explicit_s3_actions_split_bucket_and_object_arns(make_project: Any) -> None:
    _, project = make_project(
        {"agent": {"permissions": [{"resource": "things", "actions": ["s3:ListBucket"]}]},
         "writer": {"permissions": [{"resource": "things", "actions": ["s3:PutObject"]}]}},
        {"things": {"type": "s3"}},
    )  # fmt: skip
    lister = _statements(agent_policy(project, project.agents["agent"]))["ActionsThings"]
    writer = _statements(agent_policy(project, project.agents["writer"]))["ActionsThings"]
    assert lister.resources == (BUCKET,)
    assert writer.resources == (f"{BUCKET}/*",)


# ------------------------------------------------------------------------------------------ models

FM = "anthropic.claude-sonnet-4-20250514-v1:0"


def test_foundation_model() -> None:
    arns, kind = iam.model_resources(FM, partition="aws", region="us-east-1", account="123456789012")
    assert kind == "foundation-model"
    assert arns == [f"arn:aws:bedrock:us-east-1::foundation-model/{FM}"]


@pytest.mark.parametrize(
    ("prefix", "regions"),
    [
        ("us", ["us-east-1", "us-east-2", "us-west-2"]),
        ("eu", ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"]),
        ("apac", ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
                  "ap-southeast-1", "ap-southeast-2", "ap-southeast-4"]),
    ],
)  # fmt: skip
def test_geographic_inference_profile(prefix: str, regions: list[str]) -> None:
    profile = f"{prefix}.{FM}"
    arns, kind = iam.model_resources(profile, partition="aws", region="eu-west-1", account="123456789012")
    assert kind == "inference-profile"
    assert arns[0] == f"arn:aws:bedrock:eu-west-1:123456789012:inference-profile/{profile}"
    assert arns[1:] == [f"arn:aws:bedrock:{r}::foundation-model/{FM}" for r in regions]


def test_global_inference_profile() -> None:
    arns, kind = iam.model_resources(f"global.{FM}", partition="aws", region="us-east-1", account="123456789012")
    assert kind == "global-profile"
    assert arns == [
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.{FM}",
        f"arn:aws:bedrock:::foundation-model/{FM}",
        f"arn:aws:bedrock:*::foundation-model/{FM}",
    ]


def test_model_arn_is_used_as_given() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    assert iam.model_resources(arn, partition="aws", region="us-east-1", account="1") == ([arn], "arn")


def test_agent_model_statement(make_project: Any) -> None:
    _, project = make_project({"agent": {"model": f"us.{FM}"}})
    statement = _statements(agent_policy(project, project.agents["agent"]))["Model"]
    assert statement.actions == ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
    assert f"arn:{PARTITION}:bedrock:{REGION}:{ACCOUNT}:inference-profile/us.{FM}" in statement.resources
    assert f"arn:{PARTITION}:bedrock:us-west-2::foundation-model/{FM}" in statement.resources
    assert len(statement.resources) == 4


# --------------------------------------------------------------------------------------------- KMS

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("kind", "access", "actions"),
    [
        ("sqs", "consume", ("kms:Decrypt",)),
        ("sqs", "publish", ("kms:Decrypt", "kms:GenerateDataKey")),
        ("s3", "read", ("kms:Decrypt",)),
        ("s3", "write", ("kms:Decrypt", "kms:GenerateDataKey")),
        ("dynamodb", "read_write", ("kms:Decrypt", "kms:GenerateDataKey")),
        ("sns", "publish", ("kms:Decrypt", "kms:GenerateDataKey")),
    ],
)
def test_customer_managed_key_is_granted_on_its_arn(
    make_project: Any, kind: str, access: str, actions: tuple[str, ...]
) -> None:
    extra = {"hash_key": "id"} if kind == "dynamodb" else {}
    _, project = make_project(
        {"agent": {"permissions": [{"resource": "things", "access": access}]}},
        {"things": {"type": kind, "kms_key": KEY, **extra}},
    )
    policy = agent_policy(project, project.agents["agent"])
    kms = _statements(policy)["KmsThings"]
    assert kms.actions == actions
    assert kms.resources == (KEY,)
    assert policy.warnings == []


def test_trigger_queue_with_customer_key_gets_decrypt(make_project: Any) -> None:
    _, project = make_project(
        {"agent": {"triggers": [{"queue": "jobs"}]}},
        {"jobs": {"type": "sqs", "visibility_timeout": 60, "kms_key": KEY}},
    )
    assert _statements(agent_policy(project, project.agents["agent"]))["KmsJobs"].actions == ("kms:Decrypt",)


def test_aws_managed_key_needs_no_grant_and_aliases_warn(make_project: Any) -> None:
    _, project = make_project(
        {
            "agent": {
                "permissions": [{"resource": "topic", "access": "publish"}, {"resource": "q", "access": "publish"}]
            }
        },
        {"topic": {"type": "sns"}, "q": {"type": "sqs", "kms_key": "alias/team-key"}},
    )
    policy = agent_policy(project, project.agents["agent"])
    assert not any(s.sid.startswith("Kms") for s in policy.statements)
    assert len(policy.warnings) == 1
    assert "alias/team-key" in policy.warnings[0] and "key policy" in policy.warnings[0]


def test_every_template_combination_never_grants_star(make_project: Any) -> None:
    _, project = make_project(
        {
            "agent": {
                "model": f"eu.{FM}",
                "dead_letter": True,
                "triggers": [{"queue": "q"}],
                "permissions": [
                    {"resource": "t", "access": "read_write"},
                    {"resource": "b", "access": "read_write"},
                    {"resource": "q", "access": "read_write"},
                    {"resource": "n", "access": "publish"},
                    {"resource": "other", "access": "invoke"},
                ],
            },
            "other": {},
        },
        {
            "t": {"type": "dynamodb", "hash_key": "id"},
            "b": {"type": "s3"},
            "q": {"type": "sqs", "visibility_timeout": 60},
            "n": {"type": "sns"},
        },
    )
    policy = agent_policy(project, project.agents["agent"])
    _only_wildcard_is_xray(policy)
    assert len({s.sid for s in policy.statements}) == len(policy.statements)


def test_policy_builder_sid_is_iam_safe() -> None:
    builder = iam.PolicyBuilder()
    builder.add("read_write my-table", ["b:X", "a:Y", "a:Y"], ["r2", "r1"])
    assert builder.statements == [iam.Statement("ReadWriteMyTable", ("a:Y", "b:X"), ("r1", "r2"))]
