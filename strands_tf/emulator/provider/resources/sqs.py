"""SQS queues and their policy / redrive resources."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import ProviderFailure, ResourceHandler, State, error_code, known
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags

# attribute name in Terraform → (SQS attribute, kind)
_ATTRS: dict[str, tuple[str, str]] = {
    "delay_seconds": ("DelaySeconds", "int"),
    "max_message_size": ("MaximumMessageSize", "int"),
    "message_retention_seconds": ("MessageRetentionPeriod", "int"),
    "receive_wait_time_seconds": ("ReceiveMessageWaitTimeSeconds", "int"),
    "visibility_timeout_seconds": ("VisibilityTimeout", "int"),
    "policy": ("Policy", "str"),
    "redrive_policy": ("RedrivePolicy", "str"),
    "redrive_allow_policy": ("RedriveAllowPolicy", "str"),
    "kms_master_key_id": ("KmsMasterKeyId", "str"),
    "kms_data_key_reuse_period_seconds": ("KmsDataKeyReusePeriodSeconds", "int"),
    "sqs_managed_sse_enabled": ("SqsManagedSseEnabled", "bool"),
    "fifo_queue": ("FifoQueue", "bool"),
    "content_based_deduplication": ("ContentBasedDeduplication", "bool"),
    "deduplication_scope": ("DeduplicationScope", "str"),
    "fifo_throughput_limit": ("FifoThroughputLimit", "str"),
}
_CREATE_ONLY = {"fifo_queue"}


def _missing(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in (
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NonExistentQueue",
    )


def set_attributes(sqs: Any, url: str, attributes: dict[str, str]) -> None:
    """SetQueueAttributes with AWS semantics: moto 5.x drops the queue policy unless it is sent again."""
    body = dict(attributes)
    if "Policy" not in body:
        current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"].get("Policy")
        if current:
            body["Policy"] = current
    sqs.set_queue_attributes(QueueUrl=url, Attributes=body)


def _to_api(name: str, value: Any) -> str:
    kind = _ATTRS[name][1]
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(int(value))
    return str(value)


def _from_api(name: str, value: str | None) -> Any:
    kind = _ATTRS[name][1]
    if value is None:
        return None
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        return int(value)
    return value


class SqsQueue(ResourceHandler):
    type_name = "aws_sqs_queue"
    force_new = frozenset({"name", "name_prefix", "fifo_queue"})
    json_attrs = frozenset({"redrive_policy", "redrive_allow_policy"})
    policy_attrs = frozenset({"policy"})
    defaults = {
        "delay_seconds": 0,
        "max_message_size": 262144,
        "message_retention_seconds": 345600,
        "receive_wait_time_seconds": 0,
        "visibility_timeout_seconds": 30,
        "fifo_queue": False,
        "content_based_deduplication": False,
    }

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("kms_master_key_id") is None and config.get("sqs_managed_sse_enabled") is None:
            planned["sqs_managed_sse_enabled"] = True
        if prior is None and config.get("kms_data_key_reuse_period_seconds") is None:
            planned["kms_data_key_reuse_period_seconds"] = 300
        if prior is None and not config.get("fifo_queue"):
            for name in ("deduplication_scope", "fifo_throughput_limit"):
                if config.get(name) is None:
                    planned[name] = ""

    def create(self, planned: State, config: State) -> State:
        sqs = self.aws.client("sqs")
        fifo = bool(planned.get("fifo_queue"))
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        if fifo and not config.get("name") and not name.endswith(".fifo"):
            name += ".fifo"
        if fifo != name.endswith(".fifo"):
            raise ProviderFailure(
                f"creating SQS Queue ({name}): a FIFO queue name must end with .fifo (and only FIFO queues may)"
            )
        attributes = {
            api: _to_api(tf, planned[tf])
            for tf, (api, _) in _ATTRS.items()
            if known(planned.get(tf))
            and planned.get(tf) not in ("",)
            and (fifo or tf not in ("fifo_queue", "content_based_deduplication"))
        }
        kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if planned.get("tags_all"):
            kwargs["tags"] = planned["tags_all"]
        try:
            url = sqs.create_queue(**kwargs)["QueueUrl"]
            if "Policy" in attributes:
                # moto 5.x ignores Policy in CreateQueue; AWS applies it
                set_attributes(sqs, url, {"Policy": attributes["Policy"]})
        except ClientError as exc:
            raise ProviderFailure(
                f"creating SQS Queue ({name}): {error_code(exc)}", exc.response["Error"].get("Message", "")
            ) from exc
        return self.read({**planned, "id": url, "name": name}) or planned

    def read(self, state: State) -> State | None:
        sqs = self.aws.client("sqs")
        url = state["id"]
        try:
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        out: State = {"id": url, "url": url, "arn": attrs["QueueArn"], "name": attrs["QueueArn"].rsplit(":", 1)[1]}
        for tf, (api, _) in _ATTRS.items():
            value = _from_api(tf, attrs.get(api))
            if value is None:
                if tf in ("policy", "redrive_policy", "redrive_allow_policy", "kms_master_key_id"):
                    value = "" if state.get(tf) not in (None,) or tf != "kms_master_key_id" else None
                elif tf in ("fifo_queue", "content_based_deduplication", "sqs_managed_sse_enabled"):
                    value = False
                elif tf in ("deduplication_scope", "fifo_throughput_limit"):
                    value = ""
                else:
                    value = state.get(tf)
            out[tf] = value
        if out.get("kms_master_key_id") == "" and state.get("kms_master_key_id") is None:
            out["kms_master_key_id"] = None
        out["tags"], out["tags_all"] = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        sqs = self.aws.client("sqs")
        url = prior["id"]
        changed = {
            # an attribute removed from the configuration is reset with an empty value
            api: _to_api(tf, planned[tf]) if planned.get(tf) is not None else ""
            for tf, (api, _) in _ATTRS.items()
            if tf not in _CREATE_ONLY and known(planned.get(tf)) and planned.get(tf) != prior.get(tf)
        }
        if changed:
            set_attributes(sqs, url, changed)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                sqs.untag_queue(QueueUrl=url, TagKeys=removed)
            if new:
                sqs.tag_queue(QueueUrl=url, Tags=new)
        return self.read({**planned, "id": url}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("sqs").delete_queue(QueueUrl=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id}


class _QueueAttribute(ResourceHandler):
    """One JSON attribute of a queue managed as its own resource (id = queue URL)."""

    attribute: str
    api_name: str
    force_new = frozenset({"queue_url"})
    # moto accepts but does not store some attributes; then only the queue's existence can be checked
    emulator_stores_value = True

    def create(self, planned: State, config: State) -> State:
        set_attributes(self.aws.client("sqs"), planned["queue_url"], {self.api_name: planned[self.attribute]})
        return {**planned, "id": planned["queue_url"]}

    def update(self, prior: State, planned: State, config: State) -> State:
        return self.create(planned, config)

    def read(self, state: State) -> State | None:
        url = state.get("queue_url") or state["id"]
        try:
            attrs = self.aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        value = attrs.get("Attributes", {}).get(self.api_name)
        if not value and not self.emulator_stores_value:
            return {"id": url, "queue_url": url, self.attribute: state.get(self.attribute)}
        if not value:
            return None
        return {"id": url, "queue_url": url, self.attribute: value}

    def delete(self, state: State) -> None:
        try:
            set_attributes(self.aws.client("sqs"), state["id"], {self.api_name: ""})
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "queue_url": import_id}


class SqsQueuePolicy(_QueueAttribute):
    type_name = "aws_sqs_queue_policy"
    attribute, api_name = "policy", "Policy"
    policy_attrs = frozenset({"policy"})


class SqsQueueRedrivePolicy(_QueueAttribute):
    type_name = "aws_sqs_queue_redrive_policy"
    attribute, api_name = "redrive_policy", "RedrivePolicy"
    json_attrs = frozenset({"redrive_policy"})


class SqsQueueRedriveAllowPolicy(_QueueAttribute):
    type_name = "aws_sqs_queue_redrive_allow_policy"
    attribute, api_name = "redrive_allow_policy", "RedriveAllowPolicy"
    json_attrs = frozenset({"redrive_allow_policy"})
    emulator_stores_value = False  # moto 5.x drops RedriveAllowPolicy
