"""KMS keys and aliases."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import ResourceHandler, State, is_not_found, known
from strands_tf.emulator.provider.resources.naming import prefixed_unique_id
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list


def _missing(exc: Exception) -> bool:
    return is_not_found(exc, "NotFoundException")


class KmsKey(ResourceHandler):
    type_name = "aws_kms_key"
    force_new = frozenset(
        {"key_usage", "customer_master_key_spec", "custom_key_store_id", "multi_region", "xks_key_id"}
    )
    policy_attrs = frozenset({"policy"})
    defaults = {
        "key_usage": "ENCRYPT_DECRYPT",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "is_enabled": True,
        "enable_key_rotation": False,
        "bypass_policy_lockout_safety_check": False,
    }

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("multi_region") is None:
            planned["multi_region"] = False
        if prior is None and config.get("description") is None:
            planned["description"] = ""

    def create(self, planned: State, config: State) -> State:
        kms = self.aws.client("kms")
        kwargs: dict[str, Any] = {
            "KeyUsage": planned.get("key_usage") or "ENCRYPT_DECRYPT",
            "KeySpec": planned.get("customer_master_key_spec") or "SYMMETRIC_DEFAULT",
            "Description": planned.get("description") or "",
            "MultiRegion": bool(planned.get("multi_region")),
            "BypassPolicyLockoutSafetyCheck": bool(planned.get("bypass_policy_lockout_safety_check")),
        }
        if known(planned.get("policy")) and planned.get("policy"):
            kwargs["Policy"] = planned["policy"]
        if planned.get("tags_all"):
            kwargs["Tags"] = tag_list(planned["tags_all"], "TagKey", "TagValue")
        key_id = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
        if planned.get("enable_key_rotation"):
            rot: dict[str, Any] = {"KeyId": key_id}
            if known(planned.get("rotation_period_in_days")) and planned.get("rotation_period_in_days"):
                rot["RotationPeriodInDays"] = int(planned["rotation_period_in_days"])
            kms.enable_key_rotation(**rot)
        if planned.get("is_enabled") is False:
            kms.disable_key(KeyId=key_id)
        return self.read({**planned, "id": key_id}) or planned

    def read(self, state: State) -> State | None:
        kms = self.aws.client("kms")
        key_id = state["id"]
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            return None
        policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        rotation = kms.get_key_rotation_status(KeyId=key_id)
        tags = tags_from_list(kms.list_resource_tags(KeyId=key_id).get("Tags", []), "TagKey", "TagValue")
        own, all_tags = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return {
            "id": key_id,
            "key_id": key_id,
            "arn": meta["Arn"],
            "description": meta.get("Description", ""),
            "key_usage": meta.get("KeyUsage"),
            "customer_master_key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
            "is_enabled": bool(meta.get("Enabled")),
            "multi_region": bool(meta.get("MultiRegion", False)),
            "enable_key_rotation": bool(rotation.get("KeyRotationEnabled")),
            "rotation_period_in_days": rotation.get("RotationPeriodInDays")
            or (state.get("rotation_period_in_days") if known(state.get("rotation_period_in_days")) else None)
            or (365 if rotation.get("KeyRotationEnabled") else 0),
            "policy": policy,
            "tags": own,
            "tags_all": all_tags,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        kms = self.aws.client("kms")
        key_id = prior["id"]
        if known(planned.get("description")) and planned.get("description") != prior.get("description"):
            kms.update_key_description(KeyId=key_id, Description=planned.get("description") or "")
        if known(planned.get("policy")) and planned.get("policy") and planned["policy"] != prior.get("policy"):
            kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=planned["policy"])
        if planned.get("enable_key_rotation") != prior.get("enable_key_rotation"):
            if planned.get("enable_key_rotation"):
                kms.enable_key_rotation(KeyId=key_id)
            else:
                kms.disable_key_rotation(KeyId=key_id)
        if planned.get("is_enabled") != prior.get("is_enabled"):
            (kms.enable_key if planned.get("is_enabled") else kms.disable_key)(KeyId=key_id)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                kms.untag_resource(KeyId=key_id, TagKeys=removed)
            if new:
                kms.tag_resource(KeyId=key_id, Tags=tag_list(new, "TagKey", "TagValue"))
        return self.read({**planned, "id": key_id}) or planned

    def delete(self, state: State) -> None:
        days = state.get("deletion_window_in_days") or 30
        try:
            self.aws.client("kms").schedule_key_deletion(KeyId=state["id"], PendingWindowInDays=int(days))
        except ClientError as exc:
            if not _missing(exc):
                raise


class KmsAlias(ResourceHandler):
    type_name = "aws_kms_alias"
    force_new = frozenset({"name", "name_prefix"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("name")):
            planned["id"] = config["name"]

    def create(self, planned: State, config: State) -> State:
        name = config.get("name") or prefixed_unique_id(config.get("name_prefix") or "alias/")
        self.aws.client("kms").create_alias(AliasName=name, TargetKeyId=planned["target_key_id"])
        return self.read({**planned, "id": name, "name": name}) or planned

    def read(self, state: State) -> State | None:
        kms = self.aws.client("kms")
        name = state["id"]
        for page in kms.get_paginator("list_aliases").paginate():
            for alias in page.get("Aliases", []):
                if alias["AliasName"] == name:
                    target = alias.get("TargetKeyId")
                    if not target:
                        return None
                    key_arn = kms.describe_key(KeyId=target)["KeyMetadata"]["Arn"]
                    current = state.get("target_key_id")
                    # keep whichever form (id or ARN) the configuration used
                    keep = current if known(current) and current in (target, key_arn) else target
                    return {
                        "id": name,
                        "name": name,
                        "arn": alias["AliasArn"],
                        "target_key_id": keep,
                        "target_key_arn": key_arn,
                    }
        return None

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("kms").update_alias(AliasName=prior["id"], TargetKeyId=planned["target_key_id"])
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("kms").delete_alias(AliasName=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "name": import_id}
