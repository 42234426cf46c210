"""Real Terraform against moto: KMS, DynamoDB, SQS (policy, redrive), SNS (subscription)."""

from __future__ import annotations

import json

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto, pytest.mark.slow]


def test_data_and_messaging_stack(tf_project, moto_server) -> None:
    tf = tf_project("", stacks=("data_messaging.tf",), reattach=True)
    tf.init()
    tf.apply()
    ep = moto_server.endpoint
    ddb, sqs, sns, kms = (client(ep, s) for s in ("dynamodb", "sqs", "sns", "kms"))
    out = tf.outputs()

    key = kms.describe_key(KeyId=out["key_arn"])["KeyMetadata"]
    assert key["Enabled"] and key["Description"] == "emulator test key"
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    assert "alias/emu-main" in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]

    table = ddb.describe_table(TableName="emu-sessions")["Table"]
    assert table["TableArn"] == out["table_arn"]
    assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["by-user"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == out["key_arn"]
    pitr = ddb.describe_continuous_backups(TableName="emu-sessions")["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert ddb.describe_time_to_live(TableName="emu-sessions")["TimeToLiveDescription"]["AttributeName"] == "expires_at"

    attrs = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "120"
    assert attrs["KmsMasterKeyId"] == out["key_arn"]
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
    assert json.loads(attrs["Policy"])["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == out["topic_arn"]

    retries = sqs.get_queue_attributes(QueueUrl=out["retries_url"], AttributeNames=["All"])["Attributes"]
    assert json.loads(retries["RedrivePolicy"])["maxReceiveCount"] == 3
    topic = sns.get_topic_attributes(TopicArn=out["topic_arn"])["Attributes"]
    assert topic["KmsMasterKeyId"] == "alias/emu-main"
    assert json.loads(topic["Policy"])["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
    subs = sns.list_subscriptions_by_topic(TopicArn=out["topic_arn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("sqs", attrs["QueueArn"])]

    assert tf.changes() == []
    tf.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    assert tf.drift() == []

    # out-of-band changes
    # (moto drops the queue policy on SetQueueAttributes unless it is sent along; AWS keeps it)
    sqs.set_queue_attributes(
        QueueUrl=out["queue_url"], Attributes={"VisibilityTimeout": "5", "Policy": attrs["Policy"]}
    )
    ddb.update_continuous_backups(
        TableName="emu-sessions", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    assert tf.drift() == ["aws_dynamodb_table.sessions", "aws_sqs_queue.tasks"]
    # Terraform defers the policy document that reads the changing queue, so its policy is re-planned too
    assert tf.changes() == [
        ("aws_dynamodb_table.sessions", "update"),
        ("aws_sqs_queue.tasks", "update"),
        ("aws_sqs_queue_policy.tasks", "update"),
        ("data.aws_iam_policy_document.queue", "read"),
    ]
    tf.apply()
    assert tf.changes() == []

    # deleted behind Terraform's back
    sns.unsubscribe(SubscriptionArn=subs[0]["SubscriptionArn"])
    assert tf.changes() == [("aws_sns_topic_subscription.tasks", "create")]

    # a tag's value changed in place: AWS's TagResource overwrites the key (moto's DynamoDB appends a second
    # entry, which read back as the old value: a diff on every plan, and rollbacks that did not stick)
    main = tf.workdir / "main.tf"
    assert main.read_text().count('tags = { component = "data" }') == 1
    main.write_text(main.read_text().replace('tags = { component = "data" }', 'tags = { component = "store" }'))
    tf.apply()
    assert tf.changes() == []
    tags = ddb.list_tags_of_resource(ResourceArn=out["table_arn"])["Tags"]
    assert [t["Value"] for t in tags if t["Key"] == "component"] == ["store"]

    # renaming the table replaces it
    main.write_text(main.read_text().replace('"emu-sessions"', '"emu-sessions-v2"'))
    assert dict(tf.changes())["aws_dynamodb_table.sessions"] == "replace"

    tf.destroy()
    assert ddb.list_tables()["TableNames"] == []
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if "emu-tasks" in u] == []
    assert [t for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":emu-events")] == []
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
