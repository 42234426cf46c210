"""DynamoDB tables."""

from __future__ import annotations

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
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list


def _key_schema(hash_key: str | None, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}] if hash_key else []
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return keys


def _projection(index: dict[str, Any]) -> dict[str, Any]:
    proj: dict[str, Any] = {"ProjectionType": index["projection_type"]}
    if index.get("non_key_attributes"):
        proj["NonKeyAttributes"] = sorted(index["non_key_attributes"])
    return proj


def _throughput(read: Any, write: Any) -> dict[str, int]:
    return {"ReadCapacityUnits": int(read or 0), "WriteCapacityUnits": int(write or 0)}


class DynamoDbTable(ResourceHandler):
    type_name = "aws_dynamodb_table"
    force_new = frozenset({"name", "hash_key", "range_key", "local_secondary_index", "restore_source_name"})
    defaults = {"billing_mode": "PROVISIONED"}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if planned.get("billing_mode") == "PAY_PER_REQUEST":
            for name in ("read_capacity", "write_capacity"):
                if config.get(name) is None:
                    planned[name] = 0
        if config.get("stream_enabled") is not True and config.get("stream_view_type") is None:
            planned["stream_view_type"] = prior.get("stream_view_type", "") if prior else ""
        if prior is None and known(config.get("name")):
            planned["id"] = config["name"]
        if prior is not None and not config.get("global_secondary_index"):
            planned["global_secondary_index"] = prior.get("global_secondary_index")

    def create(self, planned: State, config: State) -> State:
        ddb = self.aws.client("dynamodb")
        name = planned["name"]
        billing = planned.get("billing_mode") or "PROVISIONED"
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]} for a in planned.get("attribute") or []
            ],
            "KeySchema": _key_schema(planned.get("hash_key"), planned.get("range_key")),
            "BillingMode": billing,
        }
        if billing == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = _throughput(planned.get("read_capacity"), planned.get("write_capacity"))
        gsis = []
        for g in planned.get("global_secondary_index") or []:
            item: dict[str, Any] = {
                "IndexName": g["name"],
                "KeySchema": _key_schema(g.get("hash_key"), g.get("range_key")),
                "Projection": _projection(g),
            }
            if billing == "PROVISIONED":
                item["ProvisionedThroughput"] = _throughput(g.get("read_capacity"), g.get("write_capacity"))
            gsis.append(item)
        if gsis:
            kwargs["GlobalSecondaryIndexes"] = gsis
        lsis = [
            {
                "IndexName": i["name"],
                "KeySchema": _key_schema(planned.get("hash_key"), i["range_key"]),
                "Projection": _projection(i),
            }
            for i in planned.get("local_secondary_index") or []
        ]
        if lsis:
            kwargs["LocalSecondaryIndexes"] = lsis
        if planned.get("stream_enabled"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": planned["stream_view_type"]}
        sse = first(planned.get("server_side_encryption"))
        if sse.get("enabled"):
            spec: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
            if known(sse.get("kms_key_arn")) and sse.get("kms_key_arn"):
                spec["KMSMasterKeyId"] = sse["kms_key_arn"]
            kwargs["SSESpecification"] = spec
        if planned.get("table_class"):
            kwargs["TableClass"] = planned["table_class"]
        if planned.get("deletion_protection_enabled"):
            kwargs["DeletionProtectionEnabled"] = True
        if planned.get("tags_all"):
            kwargs["Tags"] = tag_list(planned["tags_all"])
        try:
            ddb.create_table(**kwargs)
        except ClientError as exc:
            raise ProviderFailure(
                f"creating DynamoDB Table ({name}): {error_code(exc)}", exc.response["Error"].get("Message", "")
            ) from exc
        state = {**planned, "id": name}
        self._apply_ttl_pitr(name, {}, planned)
        return self.read(state) or state

    def _apply_ttl_pitr(self, name: str, prior: State, planned: State) -> None:
        ddb = self.aws.client("dynamodb")
        ttl_new, ttl_old = first(planned.get("ttl")), first(prior.get("ttl"))
        if bool(ttl_new.get("enabled")) != bool(ttl_old.get("enabled")) or (
            ttl_new.get("enabled") and ttl_new.get("attribute_name") != ttl_old.get("attribute_name")
        ):
            attr = ttl_new.get("attribute_name") or ttl_old.get("attribute_name")
            if attr:
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": bool(ttl_new.get("enabled")), "AttributeName": attr},
                )
        pitr_new, pitr_old = first(planned.get("point_in_time_recovery")), first(prior.get("point_in_time_recovery"))
        if bool(pitr_new.get("enabled")) != bool(pitr_old.get("enabled")):
            ddb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": bool(pitr_new.get("enabled"))},
            )

    def read(self, state: State) -> State | None:
        ddb = self.aws.client("dynamodb")
        name = state.get("name") or state["id"]
        try:
            table = ddb.describe_table(TableName=name)["Table"]
        except ClientError as exc:
            if is_not_found(exc, "ResourceNotFoundException"):
                return None
            raise
        keys = {k["KeyType"]: k["AttributeName"] for k in table.get("KeySchema", [])}
        billing = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        thr = table.get("ProvisionedThroughput") or {}
        stream = table.get("StreamSpecification") or {}
        out: State = {
            "id": name,
            "name": name,
            "arn": table["TableArn"],
            "hash_key": keys.get("HASH"),
            "range_key": keys.get("RANGE"),
            "billing_mode": billing,
            "read_capacity": thr.get("ReadCapacityUnits", 0),
            "write_capacity": thr.get("WriteCapacityUnits", 0),
            "attribute": [
                {"name": a["AttributeName"], "type": a["AttributeType"]} for a in table.get("AttributeDefinitions", [])
            ],
            "stream_enabled": bool(stream.get("StreamEnabled", False)),
            "stream_view_type": stream.get("StreamViewType", "") if stream.get("StreamEnabled") else "",
            "stream_arn": table.get("LatestStreamArn", ""),
            "stream_label": table.get("LatestStreamLabel", ""),
            "deletion_protection_enabled": bool(table.get("DeletionProtectionEnabled", False)),
        }
        table_class = (table.get("TableClassSummary") or {}).get("TableClass")
        out["table_class"] = (
            table_class
            if (state.get("table_class") or table_class not in (None, "STANDARD"))
            else (state.get("table_class"))
        )
        prior_gsi = {g.get("name"): g for g in state.get("global_secondary_index") or [] if isinstance(g, dict)}
        out["global_secondary_index"] = []
        for g in table.get("GlobalSecondaryIndexes", []):
            gk = {k["KeyType"]: k["AttributeName"] for k in g.get("KeySchema", [])}
            gthr = g.get("ProvisionedThroughput") or {}
            proj = g.get("Projection", {})
            before = prior_gsi.get(g["IndexName"], {})
            out["global_secondary_index"].append(
                {
                    "name": g["IndexName"],
                    "hash_key": gk.get("HASH"),
                    "range_key": gk.get("RANGE"),
                    "projection_type": proj.get("ProjectionType"),
                    "non_key_attributes": proj.get("NonKeyAttributes") or before.get("non_key_attributes"),
                    "read_capacity": gthr.get("ReadCapacityUnits", 0),
                    "write_capacity": gthr.get("WriteCapacityUnits", 0),
                    "key_schema": before.get("key_schema") or [],
                    "on_demand_throughput": before.get("on_demand_throughput") or [],
                    "warm_throughput": before.get("warm_throughput") or [],
                }
            )
        out["local_secondary_index"] = [
            {
                "name": i["IndexName"],
                "range_key": {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}.get("RANGE"),
                "projection_type": i["Projection"]["ProjectionType"],
                "non_key_attributes": i["Projection"].get("NonKeyAttributes"),
            }
            for i in table.get("LocalSecondaryIndexes", [])
        ]
        sse = table.get("SSEDescription") or {}
        if sse.get("Status") in ("ENABLED", "ENABLING"):
            out["server_side_encryption"] = [{"enabled": True, "kms_key_arn": sse.get("KMSMasterKeyArn")}]
        else:
            out["server_side_encryption"] = (
                [] if not state.get("server_side_encryption") else [{"enabled": False, "kms_key_arn": None}]
            )
        ttl = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        ttl_on = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        if ttl_on or state.get("ttl"):
            out["ttl"] = [
                {
                    "enabled": ttl_on,
                    "attribute_name": ttl.get("AttributeName", "")
                    if ttl_on
                    else (first(state.get("ttl")).get("attribute_name") or ""),
                }
            ]
        else:
            out["ttl"] = []
        pitr = (
            ddb.describe_continuous_backups(TableName=name)
            .get("ContinuousBackupsDescription", {})
            .get("PointInTimeRecoveryDescription", {})
        )
        pitr_on = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
        if pitr_on or state.get("point_in_time_recovery"):
            out["point_in_time_recovery"] = [
                {"enabled": pitr_on, "recovery_period_in_days": pitr.get("RecoveryPeriodInDays", 35 if pitr_on else 0)}
            ]
        else:
            out["point_in_time_recovery"] = []
        tags = tags_from_list(ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", []))
        out["tags"], out["tags_all"] = split_tags(tags, self.aws.default_tags, state.get("tags"))
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        ddb = self.aws.client("dynamodb")
        name = prior["id"]
        kwargs: dict[str, Any] = {}
        if planned.get("billing_mode") != prior.get("billing_mode"):
            kwargs["BillingMode"] = planned["billing_mode"]
        if planned.get("billing_mode") == "PROVISIONED" and (
            planned.get("read_capacity") != prior.get("read_capacity")
            or planned.get("write_capacity") != prior.get("write_capacity")
            or "BillingMode" in kwargs
        ):
            kwargs["ProvisionedThroughput"] = _throughput(planned.get("read_capacity"), planned.get("write_capacity"))
        if bool(planned.get("stream_enabled")) != bool(prior.get("stream_enabled")) or (
            planned.get("stream_enabled") and planned.get("stream_view_type") != prior.get("stream_view_type")
        ):
            spec: dict[str, Any] = {"StreamEnabled": bool(planned.get("stream_enabled"))}
            if planned.get("stream_enabled"):
                spec["StreamViewType"] = planned["stream_view_type"]
            kwargs["StreamSpecification"] = spec
        if bool(planned.get("deletion_protection_enabled")) != bool(prior.get("deletion_protection_enabled")):
            kwargs["DeletionProtectionEnabled"] = bool(planned.get("deletion_protection_enabled"))
        if planned.get("table_class") and planned.get("table_class") != prior.get("table_class"):
            kwargs["TableClass"] = planned["table_class"]
        new_sse, old_sse = first(planned.get("server_side_encryption")), first(prior.get("server_side_encryption"))
        if bool(new_sse.get("enabled")) != bool(old_sse.get("enabled")):
            kwargs["SSESpecification"] = {"Enabled": bool(new_sse.get("enabled"))}
        gsi_names = lambda s: sorted(g["name"] for g in s.get("global_secondary_index") or [])  # noqa: E731
        if gsi_names(planned) != gsi_names(prior):
            raise ProviderFailure(
                f"updating DynamoDB Table ({name}): adding or removing global secondary indexes in place is not "
                "supported by the emulator provider",
                "Recreate the table (terraform apply -replace=...) to change its indexes against the emulator.",
            )
        if kwargs:
            ddb.update_table(TableName=name, **kwargs)
        self._apply_ttl_pitr(name, prior, planned)
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old != new:
            # keys whose value changes are removed first: AWS's TagResource overwrites a key, moto's DynamoDB
            # appends a second entry for it (and reads the first one back)
            stale = [k for k in old if old[k] != new.get(k)]
            if stale:
                ddb.untag_resource(ResourceArn=prior["arn"], TagKeys=stale)
            changed = {k: v for k, v in new.items() if old.get(k) != v}
            if changed:
                ddb.tag_resource(ResourceArn=prior["arn"], Tags=tag_list(changed))
        return self.read({**planned, "id": name}) or planned

    def delete(self, state: State) -> None:
        try:
            self.aws.client("dynamodb").delete_table(TableName=state["id"])
        except ClientError as exc:
            if not is_not_found(exc, "ResourceNotFoundException"):
                raise

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "name": import_id}
