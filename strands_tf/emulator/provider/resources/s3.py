"""S3 buckets and their configuration resources."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.aws import DNS_SUFFIX
from strands_tf.emulator.provider.documents import policies_equivalent
from strands_tf.emulator.provider.resources.base import (
    ProviderFailure,
    ResourceHandler,
    State,
    error_code,
    first,
    is_not_found,
    known,
)
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list
from strands_tf.emulator.provider.values import Unknown

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
    policy_attrs = frozenset({"policy"})
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

    # like the real provider, names and ARNs are known only after apply (the planner sets the region)

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
            self._put_inline(bucket, {}, config)
        except ClientError as exc:
            raise ProviderFailure(
                f"configuring S3 Bucket ({bucket}): {error_code(exc)}",
                exc.response["Error"].get("Message", ""),
                partial_state=state,
            ) from exc
        return self.read(state) or state

    def _put_inline(self, bucket: str, prior: State, config: State) -> None:
        """The deprecated inline arguments (policy, versioning, encryption) when a configuration sets them."""
        s3 = self.aws.client("s3")
        policy = config.get("policy")
        if known(policy) and policy and not policies_equivalent(policy, prior.get("policy")):
            s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        versioning = first(config.get("versioning"))
        if versioning and versioning.get("enabled") is not None:
            was = first(prior.get("versioning")).get("enabled")
            if bool(versioning["enabled"]) != bool(was):
                status = "Enabled" if versioning["enabled"] else "Suspended"
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
        sse = first(config.get("server_side_encryption_configuration"))
        if sse and sse.get("rule"):
            s3.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": _sse_rules_api(sse["rule"])}
            )

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
        if policy == "" and prior.get("policy"):
            self.aws.client("s3").delete_bucket_policy(Bucket=bucket)
        self._put_inline(bucket, prior, config)
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


def canonical(doc: Any) -> Any:
    """Drop empty values and order-insensitive noise so an API document can be compared with another."""
    if isinstance(doc, dict):
        out = {k: canonical(v) for k, v in doc.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(doc, list):
        return sorted((canonical(v) for v in doc), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return doc


class _BucketConfig(ResourceHandler):
    """A bucket configuration resource: id is the bucket name, replacing the bucket replaces it."""

    force_new = frozenset({"bucket", "expected_bucket_owner"})

    def bucket(self, state: State) -> str:
        return str(state.get("bucket") or state["id"].split(",")[0])

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "bucket": import_id.split(",")[0]}

    def _missing(self, exc: Exception, *codes: str) -> bool:
        return isinstance(exc, ClientError) and (error_code(exc) in codes or _bucket_missing(exc))


class S3BucketVersioning(_BucketConfig):
    type_name = "aws_s3_bucket_versioning"

    def _put(self, state: State) -> None:
        cfg = first(state.get("versioning_configuration"))
        body: dict[str, Any] = {"Status": cfg.get("status") or "Enabled"}
        if known(cfg.get("mfa_delete")):
            body["MFADelete"] = cfg["mfa_delete"]
        kwargs: dict[str, Any] = {"Bucket": self.bucket(state), "VersioningConfiguration": body}
        if known(state.get("mfa")):
            kwargs["MFA"] = state["mfa"]
        if body["Status"] == "Disabled":
            return  # a bucket that never had versioning stays unversioned
        self.aws.client("s3").put_bucket_versioning(**kwargs)

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            resp = self.aws.client("s3").get_bucket_versioning(Bucket=self.bucket(state))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        prior_cfg = first(state.get("versioning_configuration"))
        status = resp.get("Status") or ("Disabled" if prior_cfg.get("status") == "Disabled" else "")
        if not status:
            return None
        mfa = resp.get("MFADelete") or prior_cfg.get("mfa_delete")
        if mfa is None or mfa is Unknown:
            mfa = "Disabled"
        return {
            "id": self.bucket(state),
            "bucket": self.bucket(state),
            "versioning_configuration": [{"status": status, "mfa_delete": mfa}],
        }

    def delete(self, state: State) -> None:
        if first(state.get("versioning_configuration")).get("status") == "Disabled":
            return
        try:
            self.aws.client("s3").put_bucket_versioning(
                Bucket=self.bucket(state), VersioningConfiguration={"Status": "Suspended"}
            )
        except ClientError as exc:
            if not self._missing(exc):
                raise


def _sse_rules_api(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for rule in rules or []:
        body: dict[str, Any] = {}
        default = first(rule.get("apply_server_side_encryption_by_default"))
        if default:
            d: dict[str, Any] = {"SSEAlgorithm": default.get("sse_algorithm")}
            if known(default.get("kms_master_key_id")) and default.get("kms_master_key_id"):
                d["KMSMasterKeyID"] = default["kms_master_key_id"]
            body["ApplyServerSideEncryptionByDefault"] = d
        if known(rule.get("bucket_key_enabled")):
            body["BucketKeyEnabled"] = bool(rule["bucket_key_enabled"])
        out.append(body)
    return out


class S3BucketSSE(_BucketConfig):
    type_name = "aws_s3_bucket_server_side_encryption_configuration"

    def _put(self, state: State) -> None:
        self.aws.client("s3").put_bucket_encryption(
            Bucket=self.bucket(state),
            ServerSideEncryptionConfiguration={"Rules": _sse_rules_api(state.get("rule") or [])},
        )

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            rules = self.aws.client("s3").get_bucket_encryption(Bucket=self.bucket(state))[
                "ServerSideEncryptionConfiguration"
            ]["Rules"]
        except ClientError as exc:
            if self._missing(exc, "ServerSideEncryptionConfigurationNotFoundError"):
                return None
            raise
        out: State = {"id": self.bucket(state), "bucket": self.bucket(state)}
        ours = _sse_rules_api(state.get("rule") or [])
        # keep the state's own shape when AWS holds the same rules (defaults AWS adds are not drift)
        if canonical(ours) != canonical(
            [
                {k: v for k, v in r.items() if k in ("ApplyServerSideEncryptionByDefault", "BucketKeyEnabled")}
                for r in rules
            ]
        ):
            out["rule"] = [
                {
                    "apply_server_side_encryption_by_default": [
                        {
                            "sse_algorithm": r["ApplyServerSideEncryptionByDefault"].get("SSEAlgorithm"),
                            "kms_master_key_id": r["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID"),
                        }
                    ]
                    if r.get("ApplyServerSideEncryptionByDefault")
                    else [],
                    "bucket_key_enabled": r.get("BucketKeyEnabled"),
                }
                for r in rules
            ]
        return out

    def delete(self, state: State) -> None:
        try:
            self.aws.client("s3").delete_bucket_encryption(Bucket=self.bucket(state))
        except ClientError as exc:
            if not self._missing(exc):
                raise


_PAB_FIELDS = {
    "block_public_acls": "BlockPublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "ignore_public_acls": "IgnorePublicAcls",
    "restrict_public_buckets": "RestrictPublicBuckets",
}


class S3BucketPublicAccessBlock(_BucketConfig):
    type_name = "aws_s3_bucket_public_access_block"
    defaults = {k: False for k in _PAB_FIELDS}
    force_new = frozenset({"bucket"})

    def _put(self, state: State) -> None:
        self.aws.client("s3").put_public_access_block(
            Bucket=self.bucket(state),
            PublicAccessBlockConfiguration={api: bool(state.get(tf)) for tf, api in _PAB_FIELDS.items()},
        )

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            cfg = self.aws.client("s3").get_public_access_block(Bucket=self.bucket(state))[
                "PublicAccessBlockConfiguration"
            ]
        except ClientError as exc:
            if self._missing(exc, "NoSuchPublicAccessBlockConfiguration"):
                return None
            raise
        out: State = {"id": self.bucket(state), "bucket": self.bucket(state)}
        out.update({tf: bool(cfg.get(api, False)) for tf, api in _PAB_FIELDS.items()})
        return out

    def delete(self, state: State) -> None:
        if state.get("skip_destroy"):
            return
        try:
            self.aws.client("s3").delete_public_access_block(Bucket=self.bucket(state))
        except ClientError as exc:
            if not self._missing(exc, "NoSuchPublicAccessBlockConfiguration"):
                raise


class S3BucketOwnershipControls(_BucketConfig):
    type_name = "aws_s3_bucket_ownership_controls"
    force_new = frozenset({"bucket"})

    def _put(self, state: State) -> None:
        rule = first(state.get("rule"))
        self.aws.client("s3").put_bucket_ownership_controls(
            Bucket=self.bucket(state),
            OwnershipControls={"Rules": [{"ObjectOwnership": rule.get("object_ownership")}]},
        )

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            rules = self.aws.client("s3").get_bucket_ownership_controls(Bucket=self.bucket(state))["OwnershipControls"][
                "Rules"
            ]
        except ClientError as exc:
            if self._missing(exc, "OwnershipControlsNotFoundError"):
                return None
            raise
        return {
            "id": self.bucket(state),
            "bucket": self.bucket(state),
            "rule": [{"object_ownership": r.get("ObjectOwnership")} for r in rules[:1]],
        }

    def delete(self, state: State) -> None:
        try:
            self.aws.client("s3").delete_bucket_ownership_controls(Bucket=self.bucket(state))
        except ClientError as exc:
            if not self._missing(exc, "OwnershipControlsNotFoundError"):
                raise


class S3BucketPolicy(_BucketConfig):
    type_name = "aws_s3_bucket_policy"
    force_new = frozenset({"bucket"})
    policy_attrs = frozenset({"policy"})

    def create(self, planned: State, config: State) -> State:
        self.aws.client("s3").put_bucket_policy(Bucket=self.bucket(planned), Policy=planned["policy"])
        return {**planned, "id": self.bucket(planned)}

    def update(self, prior: State, planned: State, config: State) -> State:
        self.aws.client("s3").put_bucket_policy(Bucket=self.bucket(planned), Policy=planned["policy"])
        return planned

    def read(self, state: State) -> State | None:
        try:
            policy = self.aws.client("s3").get_bucket_policy(Bucket=self.bucket(state))["Policy"]
        except ClientError as exc:
            if self._missing(exc, "NoSuchBucketPolicy"):
                return None
            raise
        return {"id": self.bucket(state), "bucket": self.bucket(state), "policy": policy}

    def delete(self, state: State) -> None:
        try:
            self.aws.client("s3").delete_bucket_policy(Bucket=self.bucket(state))
        except ClientError as exc:
            if not self._missing(exc, "NoSuchBucketPolicy"):
                raise


def _lifecycle_filter_api(f: dict[str, Any] | None, rule: dict[str, Any]) -> dict[str, Any]:
    if not f:
        prefix = rule.get("prefix")
        return {"Prefix": prefix if known(prefix) and prefix else ""}
    and_ = first(f.get("and"))
    tag = first(f.get("tag"))
    if and_:
        body: dict[str, Any] = {}
        if known(and_.get("prefix")) and and_.get("prefix"):
            body["Prefix"] = and_["prefix"]
        if and_.get("tags"):
            body["Tags"] = tag_list(and_["tags"])
        for tf, api in (
            ("object_size_greater_than", "ObjectSizeGreaterThan"),
            ("object_size_less_than", "ObjectSizeLessThan"),
        ):
            if known(and_.get(tf)) and and_.get(tf):
                body[api] = int(and_[tf])
        return {"And": body}
    if tag:
        return {"Tag": {"Key": tag["key"], "Value": tag["value"]}}
    for tf, api in (
        ("object_size_greater_than", "ObjectSizeGreaterThan"),
        ("object_size_less_than", "ObjectSizeLessThan"),
    ):
        if known(f.get(tf)) and f.get(tf):
            return {api: int(f[tf])}
    prefix = f.get("prefix")
    return {"Prefix": prefix if known(prefix) and prefix else ""}


def _lifecycle_rules_api(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for rule in rules or []:
        body: dict[str, Any] = {"ID": rule.get("id"), "Status": rule.get("status")}
        body["Filter"] = _lifecycle_filter_api(first(rule.get("filter")) or None, rule)
        exp = first(rule.get("expiration"))
        if exp:
            e: dict[str, Any] = {}
            if known(exp.get("date")) and exp.get("date"):
                e["Date"] = exp["date"]
            if known(exp.get("days")) and exp.get("days"):
                e["Days"] = int(exp["days"])
            if known(exp.get("expired_object_delete_marker")) and exp.get("expired_object_delete_marker"):
                e["ExpiredObjectDeleteMarker"] = True
            body["Expiration"] = e
        abort = first(rule.get("abort_incomplete_multipart_upload"))
        if abort and known(abort.get("days_after_initiation")):
            body["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(abort["days_after_initiation"])}
        nve = first(rule.get("noncurrent_version_expiration"))
        if nve:
            n: dict[str, Any] = {"NoncurrentDays": int(nve["noncurrent_days"])}
            if known(nve.get("newer_noncurrent_versions")) and nve.get("newer_noncurrent_versions"):
                n["NewerNoncurrentVersions"] = int(nve["newer_noncurrent_versions"])
            body["NoncurrentVersionExpiration"] = n
        transitions = []
        for t in rule.get("transition") or []:
            item: dict[str, Any] = {"StorageClass": t["storage_class"]}
            if known(t.get("date")) and t.get("date"):
                item["Date"] = t["date"]
            elif known(t.get("days")) and t.get("days") is not None:
                item["Days"] = int(t["days"])
            transitions.append(item)
        if transitions:
            body["Transitions"] = transitions
        nvts = [
            {"NoncurrentDays": int(t["noncurrent_days"]), "StorageClass": t["storage_class"]}
            for t in rule.get("noncurrent_version_transition") or []
        ]
        if nvts:
            body["NoncurrentVersionTransitions"] = nvts
        out.append(body)
    return out


def _api_dates_to_str(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _api_dates_to_str(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_api_dates_to_str(v) for v in doc]
    if hasattr(doc, "isoformat"):
        return doc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return doc


def _lifecycle_rules_tf(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in _api_dates_to_str(rules):
        f = r.get("Filter") or {}
        tf_filter: dict[str, Any] = {}
        if "And" in f:
            a = f["And"]
            tf_filter["and"] = [
                {
                    "prefix": a.get("Prefix", ""),
                    "tags": tags_from_list(a.get("Tags", [])),
                    "object_size_greater_than": a.get("ObjectSizeGreaterThan", 0),
                    "object_size_less_than": a.get("ObjectSizeLessThan", 0),
                }
            ]
        elif "Tag" in f:
            tf_filter["tag"] = [{"key": f["Tag"]["Key"], "value": f["Tag"]["Value"]}]
        else:
            tf_filter["prefix"] = f.get("Prefix", "")
            tf_filter["object_size_greater_than"] = f.get("ObjectSizeGreaterThan")
            tf_filter["object_size_less_than"] = f.get("ObjectSizeLessThan")
        e = r.get("Expiration")
        a = r.get("AbortIncompleteMultipartUpload")
        n = r.get("NoncurrentVersionExpiration")
        out.append(
            {
                "id": r.get("ID"),
                "status": r.get("Status"),
                "prefix": r.get("Prefix", ""),
                "filter": [tf_filter],
                "expiration": [
                    {
                        "date": e.get("Date"),
                        "days": e.get("Days", 0),
                        "expired_object_delete_marker": e.get("ExpiredObjectDeleteMarker", False),
                    }
                ]
                if e
                else [],
                "abort_incomplete_multipart_upload": [{"days_after_initiation": a["DaysAfterInitiation"]}] if a else [],
                "noncurrent_version_expiration": [
                    {
                        "noncurrent_days": n.get("NoncurrentDays"),
                        "newer_noncurrent_versions": n.get("NewerNoncurrentVersions"),
                    }
                ]
                if n
                else [],
                "transition": [
                    {"date": t.get("Date"), "days": t.get("Days"), "storage_class": t["StorageClass"]}
                    for t in r.get("Transitions", [])
                ],
                "noncurrent_version_transition": [
                    {
                        "noncurrent_days": t.get("NoncurrentDays"),
                        "storage_class": t["StorageClass"],
                        "newer_noncurrent_versions": t.get("NewerNoncurrentVersions"),
                    }
                    for t in r.get("NoncurrentVersionTransitions", [])
                ],
            }
        )
    return out


class S3BucketLifecycleConfiguration(_BucketConfig):
    type_name = "aws_s3_bucket_lifecycle_configuration"
    force_new = frozenset({"bucket"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("transition_default_minimum_object_size") is None:
            planned["transition_default_minimum_object_size"] = "all_storage_classes_128K"
        if prior is None and config.get("expected_bucket_owner") is None:
            planned["expected_bucket_owner"] = ""

    def _put(self, state: State) -> None:
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket(state),
            "LifecycleConfiguration": {"Rules": _lifecycle_rules_api(state.get("rule") or [])},
        }
        size = state.get("transition_default_minimum_object_size")
        if known(size):
            kwargs["TransitionDefaultMinimumObjectSize"] = size
        self.aws.client("s3").put_bucket_lifecycle_configuration(**kwargs)

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            rules = self.aws.client("s3").get_bucket_lifecycle_configuration(Bucket=self.bucket(state))["Rules"]
        except ClientError as exc:
            if self._missing(exc, "NoSuchLifecycleConfiguration"):
                return None
            raise
        out: State = {"id": self.bucket(state), "bucket": self.bucket(state)}
        ours = canonical(_lifecycle_rules_api(state.get("rule") or []))
        theirs = canonical(_api_dates_to_str(rules))
        if ours != theirs:
            out["rule"] = _lifecycle_rules_tf(rules)
        return out

    def delete(self, state: State) -> None:
        try:
            self.aws.client("s3").delete_bucket_lifecycle(Bucket=self.bucket(state))
        except ClientError as exc:
            if not self._missing(exc):
                raise


class S3BucketLogging(_BucketConfig):
    type_name = "aws_s3_bucket_logging"
    force_new = frozenset({"bucket", "expected_bucket_owner"})

    def _put(self, state: State) -> None:
        enabled: dict[str, Any] = {"TargetBucket": state["target_bucket"], "TargetPrefix": state["target_prefix"]}
        grants = []
        for g in state.get("target_grant") or []:
            grantee = first(g.get("grantee"))
            body = {"Type": grantee.get("type")}
            for tf, api in (("id", "ID"), ("email_address", "EmailAddress"), ("uri", "URI")):
                if grantee.get(tf):
                    body[api] = grantee[tf]
            grants.append({"Grantee": body, "Permission": g["permission"]})
        if grants:
            enabled["TargetGrants"] = grants
        self.aws.client("s3").put_bucket_logging(
            Bucket=self.bucket(state), BucketLoggingStatus={"LoggingEnabled": enabled}
        )

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": self.bucket(planned)}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read(planned) or planned

    def read(self, state: State) -> State | None:
        try:
            status = self.aws.client("s3").get_bucket_logging(Bucket=self.bucket(state))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        enabled = status.get("LoggingEnabled")
        if not enabled:
            return None
        return {
            "id": self.bucket(state),
            "bucket": self.bucket(state),
            "target_bucket": enabled.get("TargetBucket"),
            "target_prefix": enabled.get("TargetPrefix", ""),
        }

    def delete(self, state: State) -> None:
        try:
            self.aws.client("s3").put_bucket_logging(Bucket=self.bucket(state), BucketLoggingStatus={})
        except ClientError as exc:
            if not self._missing(exc):
                raise


_OBJECT_CONTENT = ("content", "content_base64", "source", "source_hash", "etag")
_OBJECT_HEADERS = {
    "cache_control": "CacheControl",
    "content_disposition": "ContentDisposition",
    "content_encoding": "ContentEncoding",
    "content_language": "ContentLanguage",
    "content_type": "ContentType",
    "website_redirect": "WebsiteRedirectLocation",
    "storage_class": "StorageClass",
    "server_side_encryption": "ServerSideEncryption",
    "kms_key_id": "SSEKMSKeyId",
}


class S3Object(ResourceHandler):
    type_name = "aws_s3_object"
    force_new = frozenset({"bucket", "key"})
    defaults = {"force_destroy": False}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("bucket")) and known(config.get("key")):
            planned["id"] = config["key"]
        if prior is not None and any(planned.get(k) != prior.get(k) for k in (*_OBJECT_CONTENT, *_OBJECT_HEADERS)):
            planned["version_id"] = Unknown
            if config.get("etag") is None:
                planned["etag"] = Unknown

    def _body(self, s: State) -> bytes:
        if s.get("source"):
            try:
                return Path(s["source"]).read_bytes()
            except OSError as exc:
                raise ProviderFailure(f"reading S3 object source {s['source']}: {exc.strerror or exc}") from exc
        if s.get("content_base64"):
            return base64.b64decode(s["content_base64"])
        return str(s.get("content") or "").encode()

    def _put(self, s: State) -> None:
        kwargs: dict[str, Any] = {"Bucket": s["bucket"], "Key": s["key"], "Body": self._body(s)}
        for tf, api in _OBJECT_HEADERS.items():
            if known(s.get(tf)) and s.get(tf):
                kwargs[api] = s[tf]
        if s.get("metadata"):
            kwargs["Metadata"] = s["metadata"]
        if s.get("tags_all"):
            kwargs["Tagging"] = "&".join(f"{k}={v}" for k, v in sorted(s["tags_all"].items()))
        self.aws.client("s3").put_object(**kwargs)

    def create(self, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": planned["key"]}) or planned

    def update(self, prior: State, planned: State, config: State) -> State:
        self._put(planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def read(self, state: State) -> State | None:
        s3 = self.aws.client("s3")
        try:
            head = s3.head_object(Bucket=state["bucket"], Key=state["key"])
            tagset = s3.get_object_tagging(Bucket=state["bucket"], Key=state["key"]).get("TagSet", [])
        except ClientError as exc:
            if is_not_found(exc, "NoSuchKey", "NoSuchBucket"):
                return None
            raise
        tags, tags_all = split_tags(tags_from_list(tagset), self.aws.default_tags, state.get("tags"))
        out: State = {
            "id": state["key"],
            "bucket": state["bucket"],
            "key": state["key"],
            "arn": f"arn:aws:s3:::{state['bucket']}/{state['key']}",
            "etag": str(head.get("ETag", "")).strip('"'),
            "version_id": head.get("VersionId", ""),
            "content_type": head.get("ContentType", "application/octet-stream"),
            "storage_class": head.get("StorageClass", "STANDARD"),
            "server_side_encryption": head.get("ServerSideEncryption", "AES256"),
            "bucket_key_enabled": bool(head.get("BucketKeyEnabled", False)),
            "metadata": head.get("Metadata") or state.get("metadata"),
            "tags": tags,
            "tags_all": tags_all,
        }
        if known(state.get("acl")) and state.get("acl"):
            out["acl"] = state["acl"]
        else:
            out["acl"] = "private"
        return out

    def delete(self, state: State) -> None:
        s3 = self.aws.client("s3")
        try:
            if state.get("version_id"):
                s3.delete_object(Bucket=state["bucket"], Key=state["key"], VersionId=state["version_id"])
            else:
                s3.delete_object(Bucket=state["bucket"], Key=state["key"])
        except ClientError as exc:
            if not is_not_found(exc, "NoSuchKey", "NoSuchBucket"):
                raise

    def import_state(self, import_id: str) -> State:
        bucket, _, key = import_id.partition("/")
        return {"id": key, "bucket": bucket, "key": key, "force_destroy": False}
