"""Real Terraform against moto: S3 objects and CloudWatch metric alarms."""

from __future__ import annotations

import hashlib
import json

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def test_objects_and_alarms(tf_project, moto_server) -> None:
    tf = tf_project("", stacks=("alarms_objects.tf",), reattach=True)
    tf.init()
    tf.apply()
    s3, cw = client(moto_server.endpoint, "s3"), client(moto_server.endpoint, "cloudwatch")
    body = s3.get_object(Bucket="emu-objects", Key="config/agent.json")
    assert json.loads(body["Body"].read()) == {"model": "claude"}
    assert body["ContentType"] == "application/json"
    out = tf.outputs()
    assert out["etag"] == hashlib.md5(json.dumps({"model": "claude"}, separators=(",", ":")).encode()).hexdigest()
    alarm = cw.describe_alarms(AlarmNames=["emu-agent-errors"])["MetricAlarms"][0]
    assert alarm["AlarmArn"] == out["alarm_arn"] and alarm["TreatMissingData"] == "notBreaching"
    assert tf.changes() == []

    # new content is an in-place update; an alarm threshold changed behind Terraform's back is drift
    main = tf.workdir / "main.tf"
    main.write_text(main.read_text().replace('model = "claude"', 'model = "claude-2"'))
    assert tf.changes() == [("aws_s3_object.config", "update")]
    tf.apply()
    assert (
        json.loads(s3.get_object(Bucket="emu-objects", Key="config/agent.json")["Body"].read())["model"] == "claude-2"
    )
    assert tf.changes() == []
    cw.put_metric_alarm(
        **{
            **{
                k: alarm[k]
                for k in (
                    "AlarmName",
                    "ComparisonOperator",
                    "EvaluationPeriods",
                    "MetricName",
                    "Namespace",
                    "Period",
                    "Statistic",
                    "AlarmActions",
                    "Dimensions",
                    "TreatMissingData",
                )
            },
            "Threshold": 5.0,
        }
    )
    assert tf.drift() == ["aws_cloudwatch_metric_alarm.errors"]
    tf.destroy()
    assert cw.describe_alarms(AlarmNames=["emu-agent-errors"])["MetricAlarms"] == []
