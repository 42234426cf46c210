"""CloudWatch Logs log groups."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import ResourceHandler, State, is_not_found, known
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags


class LogGroup(ResourceHandler):
    type_name = "aws_cloudwatch_log_group"
    force_new = frozenset({"name", "name_prefix", "log_group_class"})
    defaults = {"skip_destroy": False, "retention_in_days": 0}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("log_group_class") is None:
            planned["log_group_class"] = "STANDARD"
        if prior is None and config.get("deletion_protection_enabled") is None:
            planned["deletion_protection_enabled"] = False
        if prior is None and known(config.get("name")):
            planned["id"] = config["name"]

    def create(self, planned: State, config: State) -> State:
        logs = self.aws.client("logs")
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        kwargs: dict[str, Any] = {"logGroupName": name}
        if planned.get("kms_key_id"):
            kwargs["kmsKeyId"] = planned["kms_key_id"]
        if planned.get("tags_all"):
            kwargs["tags"] = planned["tags_all"]
        if planned.get("log_group_class") and planned["log_group_class"] is not None:
            kwargs["logGroupClass"] = planned["log_group_class"]
        logs.create_log_group(**kwargs)
        if planned.get("retention_in_days"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(planned["retention_in_days"]))
        return self.read({**planned, "id": name, "name": name}) or planned

    def _find(self, name: str) -> dict[str, Any] | None:
        pages = self.aws.client("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
        for page in pages:
            for group in page.get("logGroups", []):
                if group["logGroupName"] == name:
                    return group
        return None

    def read(self, state: State) -> State | None:
        name = state.get("name") or state["id"]
        try:
            group = self._find(name)
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        if group is None:
            return None
        arn = group["arn"].removesuffix(":*")
        tags = self.aws.client("logs").list_tags_for_resource(resourceArn=arn).get("tags", {})
        own, all_tags = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return {
            "id": name,
            "name": name,
            "arn": arn,
            "retention_in_days": group.get("retentionInDays", 0),
            "kms_key_id": group.get("kmsKeyId", state.get("kms_key_id")),
            "log_group_class": group.get("logGroupClass", "STANDARD"),
            "deletion_protection_enabled": bool(group.get("deletionProtectionEnabled", False)),
            "tags": own,
            "tags_all": all_tags,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        logs = self.aws.client("logs")
        name = prior["id"]
        if planned.get("retention_in_days") != prior.get("retention_in_days"):
            if planned.get("retention_in_days"):
                logs.put_retention_policy(logGroupName=name, retentionInDays=int(planned["retention_in_days"]))
            else:
                logs.delete_retention_policy(logGroupName=name)
        if planned.get("kms_key_id") != prior.get("kms_key_id"):
            if planned.get("kms_key_id"):
                logs.associate_kms_key(logGroupName=name, kmsKeyId=planned["kms_key_id"])
            else:
                logs.disassociate_kms_key(logGroupName=name)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            arn = prior["arn"]
            removed = [k for k in old if k not in new]
            if removed:
                logs.untag_resource(resourceArn=arn, tagKeys=removed)
            if new:
                logs.tag_resource(resourceArn=arn, tags=new)
        return self.read({**planned, "id": name}) or planned

    def delete(self, state: State) -> None:
        if state.get("skip_destroy"):
            return
        try:
            self.aws.client("logs").delete_log_group(logGroupName=state["id"])
        except ClientError as exc:
            if not is_not_found(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "name": import_id, "skip_destroy": False}
