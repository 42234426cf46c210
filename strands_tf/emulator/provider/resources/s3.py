"""S3 buckets and their configuration resources."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.aws import DNS_SUFFIX
from strands_tf.emulator.provider.resources.base import (
    ProviderFailure,
    ResourceHandler,
    State,
    error_code,
    is_not_found,
    known,
)
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list

# Route 53 hosted zone ids of the S3 website endpoints, as the provider reports them
_HOSTED_ZONES = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-west-2": "Z3GKZC51ZF0DB4",
    "eu-central-1": "Z21DNDUVLTQW6Q",
    "ap-southeast-1": "Z3O0J2DXBE1FTB",
    "ap-southeast-2": "Z1WCIGYICN2BYD",
    "ap-northeast-1": "Z2M4EHUR26P7ZW",
}


def _bucket_missing(exc: Exception) -> bool:
    return is_not_found(exc, "NoSuchBucket", "404")


class S3Bucket(ResourceHandler):
    type_name = "aws_s3_bucket"
    force_new = frozenset({"bucket", "bucket_prefix", "object_lock_enabled"})
    defaults = {"force_destroy": False}
    json_attrs = frozenset({"policy"})
    computed_blocks = frozenset(
        {
            "versioning",
            "server_side_encryption_configuration",
            "grant",
            "lifecycle_rule",
            "cors_rule",
            "website",
            "logging",
            "replication_configuration",
            "object_lock_configuration",
        }
    )

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        # like the real provider, only the region is known at plan time; names and ARNs come after apply
        if config.get("region") is None:
            planned["region"] = self.aws.region

    def _fill_names(self, state: State, bucket: str) -> None:
        region = self.aws.region
        state["arn"] = f"arn:aws:s3:::{bucket}"
        state["bucket_domain_name"] = f"{bucket}.s3.{DNS_SUFFIX}"
        state["bucket_regional_domain_name"] = f"{bucket}.s3.{region}.{DNS_SUFFIX}"
        state["hosted_zone_id"] = _HOSTED_ZONES.get(region, _HOSTED_ZONES["us-east-1"])
        state["bucket_region"] = region
        state["region"] = region

    def create(self, planned: State, config: State) -> State:
        s3 = self.aws.client("s3")
        bucket = resolve_name(config.get("bucket"), config.get("bucket_prefix"))
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if self.aws.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.aws.region}
        if planned.get("object_lock_enabled"):
            kwargs["ObjectLockEnabledForBucket"] = True
        try:
            s3.create_bucket(**kwargs)
        except ClientError as exc:
            raise ProviderFailure(
                f"creating S3 Bucket ({bucket}): {error_code(exc)}", exc.response["Error"].get("Message", "")
            ) from exc
        state = {**planned, "id": bucket, "bucket": bucket}
        try:
            self._put_tags(bucket, planned.get("tags_all") or {})
        except ClientError as exc:
            raise ProviderFailure(f"tagging S3 Bucket ({bucket}): {error_code(exc)}", partial_state=state) from exc
        return self.read(state) or state

    def _put_tags(self, bucket: str, tags: dict[str, str]) -> None:
        s3 = self.aws.client("s3")
        if tags:
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(tags)})
        else:
            s3.delete_bucket_tagging(Bucket=bucket)

    def read(self, state: State) -> State | None:
        s3 = self.aws.client("s3")
        bucket = state.get("bucket") or state["id"]
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if _bucket_missing(exc):
                return None
            raise
        out: State = {"id": bucket, "bucket": bucket}
        self._fill_names(out, bucket)
        try:
            tagset = s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except ClientError as exc:
            if error_code(exc) not in ("NoSuchTagSet", "NoSuchTagSetError"):
                raise
            tagset = []
        out["tags"], out["tags_all"] = split_tags(tags_from_list(tagset), self.aws.default_tags, state.get("tags"))
        ver = s3.get_bucket_versioning(Bucket=bucket)
        out["versioning"] = [
            {"enabled": ver.get("Status") == "Enabled", "mfa_delete": ver.get("MFADelete") == "Enabled"}
        ]
        out["server_side_encryption_configuration"] = self._read_sse(bucket)
        try:
            out["policy"] = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as exc:
            if error_code(exc) != "NoSuchBucketPolicy":
                raise
            out["policy"] = ""
        try:
            lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
            out["object_lock_enabled"] = lock.get("ObjectLockEnabled") == "Enabled"
        except ClientError:
            out["object_lock_enabled"] = False
        acl = s3.get_bucket_acl(Bucket=bucket)
        out["grant"] = [
            {
                "id": g["Grantee"].get("ID", ""),
                "type": g["Grantee"].get("Type", ""),
                "uri": g["Grantee"].get("URI", ""),
                "permissions": [g["Permission"]],
            }
            for g in acl.get("Grants", [])
        ]
        out["request_payer"] = "BucketOwner"
        out["acceleration_status"] = ""
        return out

    def _read_sse(self, bucket: str) -> list[dict[str, Any]]:
        try:
            rules = self.aws.client("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
                "Rules"
            ]
        except ClientError as exc:
            if error_code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
                raise
            return []
        return [{"rule": [_sse_rule_to_tf(r) for r in rules]}]

    def update(self, prior: State, planned: State, config: State) -> State:
        bucket = prior["id"]
        if prior.get("tags_all") != planned.get("tags_all"):
            self._put_tags(bucket, planned.get("tags_all") or {})
        policy = config.get("policy")
        if known(policy) and policy != prior.get("policy"):
            if policy:
                self.aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=policy)
            else:
                self.aws.client("s3").delete_bucket_policy(Bucket=bucket)
        return self.read({**planned, "id": bucket}) or planned

    def delete(self, state: State) -> None:
        s3 = self.aws.client("s3")
        bucket = state["id"]
        if state.get("force_destroy"):
            _empty_bucket(s3, bucket)
        try:
            s3.delete_bucket(Bucket=bucket)
        except ClientError as exc:
            if _bucket_missing(exc):
                return
            if error_code(exc) == "BucketNotEmpty":
                raise ProviderFailure(
                    f"deleting S3 Bucket ({bucket}): BucketNotEmpty",
                    "The bucket still holds objects. Empty it first or set force_destroy = true.",
                ) from exc
            raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "bucket": import_id, "force_destroy": False}


def _empty_bucket(s3: Any, bucket: str) -> None:
    """Delete every object version and delete marker (what force_destroy does)."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        objects += [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


def _sse_rule_to_tf(rule: dict[str, Any]) -> dict[str, Any]:
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    return {
        "apply_server_side_encryption_by_default": [
            {"sse_algorithm": default.get("SSEAlgorithm", ""), "kms_master_key_id": default.get("KMSMasterKeyID", "")}
        ]
        if default
        else [],
        "bucket_key_enabled": bool(rule.get("BucketKeyEnabled", False)),
    }


def policy_json(doc: str) -> str:
    """Compact a policy document the way AWS returns it."""
    return json.dumps(json.loads(doc), separators=(",", ":"))
