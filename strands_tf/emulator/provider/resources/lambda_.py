"""Lambda functions (zip from a file or S3), layer versions, permissions and event source mappings."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.resources.base import (
    ProviderFailure,
    ResourceHandler,
    State,
    error_code,
    first,
    is_not_found,
    known,
)
from strands_tf.emulator.provider.resources.naming import prefixed_unique_id
from strands_tf.emulator.provider.resources.tags import split_tags
from strands_tf.emulator.provider.values import Unknown

_CODE_INPUTS = ("filename", "s3_bucket", "s3_key", "s3_object_version", "image_uri", "source_code_hash")


def _missing(exc: Exception) -> bool:
    return is_not_found(exc, "ResourceNotFoundException")


def _code(state: State, what: str) -> dict[str, Any]:
    """The Code argument of CreateFunction / PublishLayerVersion from filename, S3 or image."""
    if state.get("filename"):
        path = Path(state["filename"])
        try:
            return {"ZipFile": path.read_bytes()}
        except OSError as exc:
            raise ProviderFailure(f"reading {what} code from {path}: {exc.strerror or exc}") from exc
    if state.get("s3_bucket"):
        code = {"S3Bucket": state["s3_bucket"], "S3Key": state["s3_key"]}
        if state.get("s3_object_version"):
            code["S3ObjectVersion"] = state["s3_object_version"]
        return code
    if state.get("image_uri"):
        return {"ImageUri": state["image_uri"]}
    raise ProviderFailure(f"{what}: one of filename, s3_bucket/s3_key or image_uri must be set")


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _logging_config(api: dict[str, Any], name: str, state: State) -> dict[str, Any]:
    """Lambda's logging settings; AWS's default levels for JSON logs (INFO) are not drift when unset."""
    prior = first(state.get("logging_config"))
    if not api and prior.get("log_format"):
        # moto 5.x does not store LoggingConfig: keep what was applied (drift cannot be seen here)
        return {k: (v if known(v) else None) for k, v in prior.items()}
    out: dict[str, Any] = {
        "log_format": api.get("LogFormat", "Text"),
        "log_group": api.get("LogGroup", f"/aws/lambda/{name}"),
    }
    for tf, key in (("application_log_level", "ApplicationLogLevel"), ("system_log_level", "SystemLogLevel")):
        value = api.get(key, "")
        out[tf] = prior.get(tf) if prior.get(tf) is None and value in ("", "INFO") and prior else value
    return out


def invoke_arn(region: str, function_arn: str) -> str:
    """The API Gateway integration URI of a function (what ``invoke_arn`` holds)."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


class LambdaFunction(ResourceHandler):
    type_name = "aws_lambda_function"
    force_new = frozenset({"function_name", "package_type"})
    defaults = {
        "memory_size": 128,
        "timeout": 3,
        "publish": False,
        "package_type": "Zip",
        "reserved_concurrent_executions": -1,
        "skip_destroy": False,
    }
    computed_blocks = frozenset({"ephemeral_storage", "logging_config", "tracing_config"})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None:
            return
        code_changed = any(planned.get(k) != prior.get(k) for k in _CODE_INPUTS)
        config_keys = [
            k for k in planned if k not in ("tags", "tags_all", "timeouts", "skip_destroy", "publish", *_CODE_INPUTS)
        ]
        config_changed = any(planned.get(k) != prior.get(k) for k in config_keys)
        if code_changed:
            for k in ("code_sha256", "source_code_size"):
                planned[k] = Unknown
            if config.get("source_code_hash") is None:
                planned["source_code_hash"] = Unknown
        if code_changed or config_changed:
            planned["last_modified"] = Unknown
            if planned.get("publish"):
                for k in ("version", "qualified_arn", "qualified_invoke_arn"):
                    planned[k] = Unknown

    def _configuration(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "Role": s["role"],
            "Timeout": int(s.get("timeout") or 3),
            "MemorySize": int(s.get("memory_size") or 128),
            "Description": s.get("description") or "",
            "Environment": {"Variables": first(s.get("environment")).get("variables") or {}},
            "Layers": list(s.get("layers") or []),
        }
        if s.get("runtime"):
            kwargs["Runtime"] = s["runtime"]
        if s.get("handler"):
            kwargs["Handler"] = s["handler"]
        tracing = first(s.get("tracing_config"))
        if tracing.get("mode"):
            kwargs["TracingConfig"] = {"Mode": tracing["mode"]}
        if s.get("kms_key_arn"):
            kwargs["KMSKeyArn"] = s["kms_key_arn"]
        storage = first(s.get("ephemeral_storage"))
        if known(storage.get("size")) and storage.get("size"):
            kwargs["EphemeralStorage"] = {"Size": int(storage["size"])}
        dlq = first(s.get("dead_letter_config"))
        if dlq.get("target_arn"):
            kwargs["DeadLetterConfig"] = {"TargetArn": dlq["target_arn"]}
        logging_cfg = first(s.get("logging_config"))
        if logging_cfg.get("log_format"):
            lc: dict[str, Any] = {"LogFormat": logging_cfg["log_format"]}
            for tf, api in (
                ("log_group", "LogGroup"),
                ("application_log_level", "ApplicationLogLevel"),
                ("system_log_level", "SystemLogLevel"),
            ):
                if known(logging_cfg.get(tf)) and logging_cfg.get(tf):
                    lc[api] = logging_cfg[tf]
            kwargs["LoggingConfig"] = lc
        vpc = first(s.get("vpc_config"))
        if vpc:
            kwargs["VpcConfig"] = {
                "SubnetIds": sorted(vpc.get("subnet_ids") or []),
                "SecurityGroupIds": sorted(vpc.get("security_group_ids") or []),
            }
        return kwargs

    def create(self, planned: State, config: State) -> State:
        lam = self.aws.client("lambda")
        name = planned["function_name"]
        kwargs = self._configuration(planned)
        kwargs.update(
            FunctionName=name,
            Code=_code(planned, f"Lambda Function ({name})"),
            Publish=bool(planned.get("publish")),
            PackageType=planned.get("package_type") or "Zip",
        )
        if known(planned.get("architectures")) and planned.get("architectures"):
            kwargs["Architectures"] = list(planned["architectures"])
        if planned.get("tags_all"):
            kwargs["Tags"] = planned["tags_all"]
        try:
            lam.create_function(**kwargs)
        except ClientError as exc:
            raise ProviderFailure(
                f"creating Lambda Function ({name}): {error_code(exc)}", exc.response["Error"].get("Message", "")
            ) from exc
        state = {**planned, "id": name}
        reserved = planned.get("reserved_concurrent_executions")
        if reserved is not None and int(reserved) >= 0:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=int(reserved))
        read = self.read(state) or state
        if not known(planned.get("source_code_hash")):
            read["source_code_hash"] = read.get("code_sha256")
        return read

    def read(self, state: State) -> State | None:
        lam = self.aws.client("lambda")
        name = state.get("function_name") or state["id"]
        try:
            fn = lam.get_function(FunctionName=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        cfg = fn["Configuration"]
        arn = cfg["FunctionArn"]
        version = "$LATEST"
        if state.get("publish"):
            versions = [
                v["Version"]
                for v in lam.list_versions_by_function(FunctionName=name).get("Versions", [])
                if v["Version"] != "$LATEST"
            ]
            if versions:
                version = max(versions, key=int)
        qualified = f"{arn}:{version}"
        env = (cfg.get("Environment") or {}).get("Variables")
        out: State = {
            "id": name,
            "function_name": name,
            "arn": arn,
            "invoke_arn": invoke_arn(self.aws.region, arn),
            "qualified_arn": qualified,
            "qualified_invoke_arn": invoke_arn(self.aws.region, qualified),
            "response_streaming_invoke_arn": (
                f"arn:aws:apigateway:{self.aws.region}:lambda:path/2021-11-15/functions/{arn}"
                "/response-streaming-invocations"
            ),
            "version": version,
            "role": cfg.get("Role"),
            "runtime": cfg.get("Runtime"),
            "handler": cfg.get("Handler"),
            "description": cfg.get("Description", ""),
            "timeout": cfg.get("Timeout"),
            "memory_size": cfg.get("MemorySize"),
            "last_modified": cfg.get("LastModified"),
            "code_sha256": cfg.get("CodeSha256"),
            "source_code_size": cfg.get("CodeSize"),
            "package_type": cfg.get("PackageType", "Zip"),
            "architectures": cfg.get("Architectures") or ["x86_64"],
            "kms_key_arn": cfg.get("KMSKeyArn") or state.get("kms_key_arn"),
            "layers": [layer["Arn"] for layer in cfg.get("Layers", [])] or state.get("layers"),
            "environment": [{"variables": env}]
            if env
            else ([] if not state.get("environment") else [{"variables": None}]),
            "tracing_config": [{"mode": (cfg.get("TracingConfig") or {}).get("Mode", "PassThrough")}],
            "ephemeral_storage": [{"size": (cfg.get("EphemeralStorage") or {}).get("Size", 512)}],
            "logging_config": [_logging_config(cfg.get("LoggingConfig") or {}, name, state)],
            "signing_job_arn": cfg.get("SigningJobArn", ""),
            "signing_profile_version_arn": cfg.get("SigningProfileVersionArn", ""),
            "reserved_concurrent_executions": (fn.get("Concurrency") or {}).get("ReservedConcurrentExecutions", -1),
        }
        dlq = (cfg.get("DeadLetterConfig") or {}).get("TargetArn")
        if dlq:
            out["dead_letter_config"] = [{"target_arn": dlq}]
        else:
            # moto 5.x accepts DeadLetterConfig but never returns it: keep what was applied (no drift visible)
            prior = first(state.get("dead_letter_config"))
            target = prior.get("target_arn") if prior else None
            out["dead_letter_config"] = [{"target_arn": target}] if target and known(target) else []
        vpc = cfg.get("VpcConfig") or {}
        if vpc.get("SubnetIds"):
            out["vpc_config"] = [
                {
                    "subnet_ids": vpc.get("SubnetIds"),
                    "security_group_ids": vpc.get("SecurityGroupIds"),
                    "vpc_id": vpc.get("VpcId", ""),
                    "ipv6_allowed_for_dual_stack": bool(vpc.get("Ipv6AllowedForDualStack", False)),
                }
            ]
        else:
            out["vpc_config"] = []
        out["tags"], out["tags_all"] = split_tags(fn.get("Tags") or {}, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        lam = self.aws.client("lambda")
        name = prior["id"]
        code_changed = any(planned.get(k) != prior.get(k) for k in _CODE_INPUTS)
        before, after = self._configuration(prior), self._configuration(planned)
        if before != after:
            lam.update_function_configuration(FunctionName=name, **after)
        if code_changed:
            code = _code(planned, f"Lambda Function ({name})")
            kwargs: dict[str, Any] = {"FunctionName": name, "Publish": bool(planned.get("publish"))}
            if "ZipFile" in code:
                kwargs["ZipFile"] = code["ZipFile"]
            else:
                kwargs.update(code)
            lam.update_function_code(**kwargs)
        elif planned.get("publish") and before != after:
            lam.publish_version(FunctionName=name)
        if planned.get("reserved_concurrent_executions") != prior.get("reserved_concurrent_executions"):
            reserved = planned.get("reserved_concurrent_executions")
            if reserved is not None and int(reserved) >= 0:
                lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=int(reserved))
            else:
                lam.delete_function_concurrency(FunctionName=name)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                lam.untag_resource(Resource=prior["arn"], TagKeys=removed)
            if new:
                lam.tag_resource(Resource=prior["arn"], Tags=new)
        read = self.read({**planned, "id": name}) or planned
        if not known(planned.get("source_code_hash")):
            read["source_code_hash"] = read.get("code_sha256")
        return read

    def delete(self, state: State) -> None:
        if state.get("skip_destroy"):
            return
        try:
            self.aws.client("lambda").delete_function(FunctionName=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "function_name": import_id, "publish": False, "skip_destroy": False}


class LambdaLayerVersion(ResourceHandler):
    type_name = "aws_lambda_layer_version"
    # layer versions are immutable: every input replaces the version
    force_new = frozenset(
        {
            "layer_name",
            "filename",
            "s3_bucket",
            "s3_key",
            "s3_object_version",
            "source_code_hash",
            "compatible_runtimes",
            "compatible_architectures",
            "description",
            "license_info",
        }
    )
    defaults = {"skip_destroy": False}

    def create(self, planned: State, config: State) -> State:
        name = planned["layer_name"]
        kwargs: dict[str, Any] = {"LayerName": name, "Content": _code(planned, f"Lambda Layer ({name})")}
        if planned.get("description"):
            kwargs["Description"] = planned["description"]
        if planned.get("license_info"):
            kwargs["LicenseInfo"] = planned["license_info"]
        if planned.get("compatible_runtimes"):
            kwargs["CompatibleRuntimes"] = sorted(planned["compatible_runtimes"])
        if planned.get("compatible_architectures"):
            kwargs["CompatibleArchitectures"] = sorted(planned["compatible_architectures"])
        resp = self.aws.client("lambda").publish_layer_version(**kwargs)
        state = {**planned, "id": resp["LayerVersionArn"]}
        read = self.read(state) or state
        if not known(planned.get("source_code_hash")):
            read["source_code_hash"] = read.get("code_sha256")
        return read

    def read(self, state: State) -> State | None:
        arn = state["id"]
        layer_arn, _, version = arn.rpartition(":")
        name = layer_arn.rsplit(":", 1)[1]
        try:
            resp = self.aws.client("lambda").get_layer_version(LayerName=name, VersionNumber=int(version))
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        content = resp.get("Content") or {}
        return {
            "id": arn,
            "arn": arn,
            "layer_arn": resp.get("LayerArn", layer_arn),
            "layer_name": name,
            "version": str(resp.get("Version", version)),
            "created_date": resp.get("CreatedDate", ""),
            "code_sha256": content.get("CodeSha256", ""),
            "source_code_size": content.get("CodeSize", 0),
            "description": resp.get("Description", "") or state.get("description"),
            "license_info": resp.get("LicenseInfo") or state.get("license_info"),
            "compatible_runtimes": resp.get("CompatibleRuntimes") or state.get("compatible_runtimes"),
            "compatible_architectures": resp.get("CompatibleArchitectures") or state.get("compatible_architectures"),
            "signing_job_arn": content.get("SigningJobArn", ""),
            "signing_profile_version_arn": content.get("SigningProfileVersionArn", ""),
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        return planned

    def delete(self, state: State) -> None:
        if state.get("skip_destroy"):
            return
        layer_arn, _, version = state["id"].rpartition(":")
        try:
            self.aws.client("lambda").delete_layer_version(
                LayerName=layer_arn.rsplit(":", 1)[1], VersionNumber=int(version)
            )
        except ClientError as exc:
            if not _missing(exc):
                raise


_PERMISSION_FIELDS = {
    "action": "Action",
    "principal": "Principal",
    "source_arn": "SourceArn",
    "source_account": "SourceAccount",
    "event_source_token": "EventSourceToken",
    "principal_org_id": "PrincipalOrgID",
    "function_url_auth_type": "FunctionUrlAuthType",
}


class LambdaPermission(ResourceHandler):
    type_name = "aws_lambda_permission"
    # AddPermission statements cannot be changed, only replaced
    force_new = frozenset({"function_name", "statement_id", "statement_id_prefix", "qualifier", *_PERMISSION_FIELDS})

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("statement_id")):
            planned["id"] = config["statement_id"]
            planned["statement_id_prefix"] = ""

    def create(self, planned: State, config: State) -> State:
        sid = config.get("statement_id") or prefixed_unique_id(config.get("statement_id_prefix") or "terraform-")
        kwargs: dict[str, Any] = {"FunctionName": planned["function_name"], "StatementId": sid}
        for tf, api in _PERMISSION_FIELDS.items():
            if planned.get(tf):
                kwargs[api] = planned[tf]
        if planned.get("qualifier"):
            kwargs["Qualifier"] = planned["qualifier"]
        try:
            self.aws.client("lambda").add_permission(**kwargs)
        except ClientError as exc:
            raise ProviderFailure(
                f"adding Lambda Permission ({planned['function_name']}/{sid}): {error_code(exc)}",
                exc.response["Error"].get("Message", ""),
            ) from exc
        prefix = planned.get("statement_id_prefix")
        return {**planned, "id": sid, "statement_id": sid, "statement_id_prefix": prefix if known(prefix) else ""}

    def read(self, state: State) -> State | None:
        kwargs: dict[str, Any] = {"FunctionName": state["function_name"]}
        if state.get("qualifier"):
            kwargs["Qualifier"] = state["qualifier"]
        try:
            policy = json.loads(self.aws.client("lambda").get_policy(**kwargs)["Policy"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        for stmt in policy.get("Statement", []):
            if stmt.get("Sid") == state["id"]:
                out: State = {"id": state["id"], "statement_id": state["id"]}
                out["action"] = stmt.get("Action")
                principal = stmt.get("Principal")
                if isinstance(principal, dict):
                    principal = principal.get("Service") or principal.get("AWS")
                # keep the account-id / ARN form the configuration used when both mean the same principal
                if state.get("principal") and str(principal).endswith(str(state["principal"])):
                    principal = state["principal"]
                out["principal"] = principal
                return out
        return None

    def update(self, prior: State, planned: State, config: State) -> State:
        return planned

    def delete(self, state: State) -> None:
        kwargs: dict[str, Any] = {"FunctionName": state["function_name"], "StatementId": state["id"]}
        if state.get("qualifier"):
            kwargs["Qualifier"] = state["qualifier"]
        try:
            self.aws.client("lambda").remove_permission(**kwargs)
        except ClientError as exc:
            if not _missing(exc):
                raise

    def import_state(self, import_id: str) -> State:
        function, _, sid = import_id.partition("/")
        return {"id": sid, "statement_id": sid, "function_name": function}


class LambdaEventSourceMapping(ResourceHandler):
    type_name = "aws_lambda_event_source_mapping"
    force_new = frozenset({"event_source_arn", "starting_position", "starting_position_timestamp", "queues", "topics"})
    defaults = {"enabled": True}
    keep_prior_when_unset = frozenset({"batch_size", "maximum_batching_window_in_seconds"})

    def _settings(self, s: State) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"Enabled": bool(s.get("enabled", True))}
        if known(s.get("batch_size")) and s.get("batch_size"):
            kwargs["BatchSize"] = int(s["batch_size"])
        if known(s.get("maximum_batching_window_in_seconds")) and s.get("maximum_batching_window_in_seconds"):
            kwargs["MaximumBatchingWindowInSeconds"] = int(s["maximum_batching_window_in_seconds"])
        if s.get("function_response_types"):
            kwargs["FunctionResponseTypes"] = sorted(s["function_response_types"])
        scaling = first(s.get("scaling_config"))
        if scaling.get("maximum_concurrency"):
            kwargs["ScalingConfig"] = {"MaximumConcurrency": int(scaling["maximum_concurrency"])}
        filters = first(s.get("filter_criteria")).get("filter") or []
        if filters:
            kwargs["FilterCriteria"] = {"Filters": [{"Pattern": f["pattern"]} for f in filters if f.get("pattern")]}
        return kwargs

    def create(self, planned: State, config: State) -> State:
        kwargs = self._settings(planned)
        kwargs["FunctionName"] = planned["function_name"]
        if planned.get("event_source_arn"):
            kwargs["EventSourceArn"] = planned["event_source_arn"]
        if planned.get("starting_position"):
            kwargs["StartingPosition"] = planned["starting_position"]
        lam = self.aws.client("lambda")
        resp = lam.create_event_source_mapping(**kwargs)
        if planned.get("tags_all"):
            lam.tag_resource(Resource=self._arn(resp), Tags=planned["tags_all"])
        return self.read({**planned, "id": resp["UUID"]}) or planned

    def _arn(self, esm: dict[str, Any]) -> str:
        return esm.get("EventSourceMappingArn") or (
            f"arn:aws:lambda:{self.aws.region}:{self.aws.account_id}:event-source-mapping:{esm['UUID']}"
        )

    def read(self, state: State) -> State | None:
        try:
            esm = self.aws.client("lambda").get_event_source_mapping(UUID=state["id"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        function_arn = esm.get("FunctionArn", "")
        name = state.get("function_name")
        if not name or not (function_arn == name or function_arn.endswith(f":function:{name}")):
            name = function_arn
        arn = self._arn(esm)
        tags = self.aws.client("lambda").list_tags(Resource=arn).get("Tags") or {}
        own, all_tags = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return {
            "id": esm["UUID"],
            "uuid": esm["UUID"],
            "arn": arn,
            "tags": own,
            "tags_all": all_tags,
            "function_arn": function_arn,
            "function_name": name,
            "event_source_arn": esm.get("EventSourceArn"),
            "batch_size": esm.get("BatchSize"),
            "maximum_batching_window_in_seconds": esm.get("MaximumBatchingWindowInSeconds", 0),
            "enabled": esm.get("State") in ("Enabled", "Enabling", "Creating", "Updating"),
            "state": esm.get("State", ""),
            "state_transition_reason": esm.get("StateTransitionReason", ""),
            "last_modified": esm["LastModified"].strftime("%Y-%m-%dT%H:%M:%SZ")
            if hasattr(esm.get("LastModified"), "strftime")
            else str(esm.get("LastModified", "")),
            "last_processing_result": esm.get("LastProcessingResult", ""),
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        kwargs = self._settings(planned)
        kwargs["UUID"] = prior["id"]
        kwargs["FunctionName"] = planned["function_name"]
        lam = self.aws.client("lambda")
        lam.update_event_source_mapping(**kwargs)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            removed = [k for k in old if k not in new]
            if removed:
                lam.untag_resource(Resource=prior["arn"], TagKeys=removed)
            if new:
                lam.tag_resource(Resource=prior["arn"], Tags=new)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("lambda").delete_event_source_mapping(UUID=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise
