"""SNS topics, topic policies and subscriptions."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import ResourceHandler, State, error_code, is_not_found, known
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list

_TOPIC_ATTRS: dict[str, tuple[str, str]] = {
    "display_name": ("DisplayName", "str"),
    "policy": ("Policy", "str"),
    "delivery_policy": ("DeliveryPolicy", "str"),
    "kms_master_key_id": ("KmsMasterKeyId", "str"),
    "signature_version": ("SignatureVersion", "int"),
    "tracing_config": ("TracingConfig", "str"),
    "fifo_topic": ("FifoTopic", "bool"),
    "content_based_deduplication": ("ContentBasedDeduplication", "bool"),
    "archive_policy": ("ArchivePolicy", "str"),
    "fifo_throughput_scope": ("FifoThroughputScope", "str"),
}
for _proto in ("application", "firehose", "http", "lambda", "sqs"):
    _cap = {"application": "Application", "firehose": "Firehose", "http": "HTTP", "lambda": "Lambda", "sqs": "SQS"}[
        _proto
    ]
    _TOPIC_ATTRS[f"{_proto}_success_feedback_role_arn"] = (f"{_cap}SuccessFeedbackRoleArn", "str")
    _TOPIC_ATTRS[f"{_proto}_failure_feedback_role_arn"] = (f"{_cap}FailureFeedbackRoleArn", "str")
    _TOPIC_ATTRS[f"{_proto}_success_feedback_sample_rate"] = (f"{_cap}SuccessFeedbackSampleRate", "int")
_CREATE_ONLY = {"fifo_topic"}


def _api(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(int(value))
    return str(value)


def _tf(kind: str, value: str) -> Any:
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        return int(value) if value else 0
    return value


def _topic_missing(exc: Exception) -> bool:
    return is_not_found(exc, "NotFound", "NotFoundException")


def default_topic_policy(arn: str, account: str) -> str:
    """The access policy SNS gives a new topic (what deleting aws_sns_topic_policy restores)."""
    return json.dumps(
        {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "SNS:GetTopicAttributes",
                        "SNS:SetTopicAttributes",
                        "SNS:AddPermission",
                        "SNS:RemovePermission",
                        "SNS:DeleteTopic",
                        "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic",
                        "SNS:Publish",
                    ],
                    "Resource": arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
                }
            ],
        }
    )


class SnsTopic(ResourceHandler):
    type_name = "aws_sns_topic"
    force_new = frozenset({"name", "name_prefix", "fifo_topic"})
    json_attrs = frozenset({"delivery_policy", "archive_policy"})
    policy_attrs = frozenset({"policy"})
    defaults = {"fifo_topic": False, "content_based_deduplication": False}

    def create(self, planned: State, config: State) -> State:
        sns = self.aws.client("sns")
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        if planned.get("fifo_topic") and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {
            api: _api(kind, planned[tf])
            for tf, (api, kind) in _TOPIC_ATTRS.items()
            if known(planned.get(tf))
            and planned.get(tf) != ""
            and (planned.get("fifo_topic") or tf not in ("fifo_topic", "content_based_deduplication"))
        }
        kwargs: dict[str, Any] = {"Name": name, "Attributes": attributes}
        if planned.get("tags_all"):
            kwargs["Tags"] = tag_list(planned["tags_all"])
        arn = sns.create_topic(**kwargs)["TopicArn"]
        return self.read({**planned, "id": arn}) or planned

    def read(self, state: State) -> State | None:
        sns = self.aws.client("sns")
        arn = state["id"]
        try:
            attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        except ClientError as exc:
            if _topic_missing(exc):
                return None
            raise
        out: State = {"id": arn, "arn": arn, "name": arn.rsplit(":", 1)[1], "owner": attrs.get("Owner", "")}
        for tf, (api, kind) in _TOPIC_ATTRS.items():
            if api in attrs:
                out[tf] = _tf(kind, attrs[api])
            elif kind == "bool":
                out[tf] = False
            elif tf in ("signature_version",):
                out[tf] = 1 if state.get(tf) in (None,) else state.get(tf)
            elif tf in ("tracing_config",):
                out[tf] = "PassThrough"
            else:
                out[tf] = state.get(tf)
        out["beginning_archive_time"] = attrs.get("BeginningArchiveTime", "")
        out["maximum_message_size"] = int(attrs.get("MaximumMessageSize", 262144))
        if out.get("fifo_throughput_scope") is None:
            out["fifo_throughput_scope"] = ""
        tags = tags_from_list(sns.list_tags_for_resource(ResourceArn=arn).get("Tags", []))
        out["tags"], out["tags_all"] = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        sns = self.aws.client("sns")
        arn = prior["id"]
        for tf, (api, kind) in _TOPIC_ATTRS.items():
            if tf in _CREATE_ONLY or not known(planned.get(tf)) or planned.get(tf) == prior.get(tf):
                continue
            sns.set_topic_attributes(TopicArn=arn, AttributeName=api, AttributeValue=_api(kind, planned[tf]))
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                sns.untag_resource(ResourceArn=arn, TagKeys=removed)
            if new:
                sns.tag_resource(ResourceArn=arn, Tags=tag_list(new))
        return self.read({**planned, "id": arn}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("sns").delete_topic(TopicArn=state["id"])
        except ClientError as exc:
            if not _topic_missing(exc):
                raise


class SnsTopicPolicy(ResourceHandler):
    type_name = "aws_sns_topic_policy"
    force_new = frozenset({"arn"})
    policy_attrs = frozenset({"policy"})

    def create(self, planned: State, config: State) -> State:
        self.aws.client("sns").set_topic_attributes(
            TopicArn=planned["arn"], AttributeName="Policy", AttributeValue=planned["policy"]
        )
        return self.read({**planned, "id": planned["arn"]}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        return self.create(planned, config)

    def read(self, state: State) -> State | None:
        arn = state.get("arn") or state["id"]
        try:
            attrs = self.aws.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
        except ClientError as exc:
            if _topic_missing(exc):
                return None
            raise
        return {"id": arn, "arn": arn, "policy": attrs.get("Policy", ""), "owner": attrs.get("Owner", "")}

    def delete(self, state: State) -> None:
        arn = state["id"]
        try:
            self.aws.client("sns").set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=default_topic_policy(arn, self.aws.account_id)
            )
        except ClientError as exc:
            if not _topic_missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "arn": import_id}


_SUB_ATTRS: dict[str, tuple[str, str]] = {
    "raw_message_delivery": ("RawMessageDelivery", "bool"),
    "filter_policy": ("FilterPolicy", "str"),
    "filter_policy_scope": ("FilterPolicyScope", "str"),
    "delivery_policy": ("DeliveryPolicy", "str"),
    "redrive_policy": ("RedrivePolicy", "str"),
    "replay_policy": ("ReplayPolicy", "str"),
    "subscription_role_arn": ("SubscriptionRoleArn", "str"),
}


class SnsTopicSubscription(ResourceHandler):
    type_name = "aws_sns_topic_subscription"
    force_new = frozenset({"topic_arn", "protocol", "endpoint"})
    json_attrs = frozenset({"filter_policy", "delivery_policy", "redrive_policy", "replay_policy"})
    defaults = {"raw_message_delivery": False, "endpoint_auto_confirms": False, "confirmation_timeout_in_minutes": 1}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if config.get("filter_policy_scope") is None and not config.get("filter_policy"):
            planned["filter_policy_scope"] = prior.get("filter_policy_scope") if prior else ""

    def create(self, planned: State, config: State) -> State:
        attrs = {
            api: _api(kind, planned[tf])
            for tf, (api, kind) in _SUB_ATTRS.items()
            if known(planned.get(tf)) and planned.get(tf) not in ("", None) and not (kind == "bool" and not planned[tf])
        }
        arn = self.aws.client("sns").subscribe(
            TopicArn=planned["topic_arn"],
            Protocol=planned["protocol"],
            Endpoint=planned["endpoint"],
            Attributes=attrs,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return self.read({**planned, "id": arn}) or planned

    def read(self, state: State) -> State | None:
        try:
            attrs = self.aws.client("sns").get_subscription_attributes(SubscriptionArn=state["id"])["Attributes"]
        except ClientError as exc:
            if _topic_missing(exc) or error_code(exc) == "InvalidParameter":
                return None
            raise
        out: State = {
            "id": state["id"],
            "arn": state["id"],
            "topic_arn": attrs.get("TopicArn"),
            "protocol": attrs.get("Protocol"),
            "endpoint": attrs.get("Endpoint"),
            "owner_id": attrs.get("Owner", ""),
            "pending_confirmation": attrs.get("PendingConfirmation", "false") == "true",
            "confirmation_was_authenticated": attrs.get("ConfirmationWasAuthenticated", "true") == "true",
        }
        for tf, (api, kind) in _SUB_ATTRS.items():
            if api in attrs:
                out[tf] = _tf(kind, attrs[api])
            elif kind == "bool":
                out[tf] = False
            else:
                out[tf] = state.get(tf)
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        sns = self.aws.client("sns")
        for tf, (api, kind) in _SUB_ATTRS.items():
            if not known(planned.get(tf)) or planned.get(tf) == prior.get(tf):
                continue
            value = _api(kind, planned[tf]) if planned.get(tf) is not None else ""
            sns.set_subscription_attributes(SubscriptionArn=prior["id"], AttributeName=api, AttributeValue=value)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("sns").unsubscribe(SubscriptionArn=state["id"])
        except ClientError as exc:
            if not (_topic_missing(exc) or error_code(exc) == "InvalidParameter"):
                raise
