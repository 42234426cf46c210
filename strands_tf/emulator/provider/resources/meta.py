"""Data sources about the account and region: caller identity, region, partition."""

from __future__ import annotations

from typing import Any

from strands_tf.emulator.provider.aws import DNS_SUFFIX, PARTITION
from strands_tf.emulator.provider.resources.base import DataSourceHandler, State


class CallerIdentity(DataSourceHandler):
    type_name = "aws_caller_identity"

    def read(self, config: State) -> State:
        ident = self.aws.client("sts").get_caller_identity()
        return {"id": ident["Account"], "account_id": ident["Account"], "arn": ident["Arn"], "user_id": ident["UserId"]}


class Region(DataSourceHandler):
    type_name = "aws_region"

    def read(self, config: State) -> State:
        name = config.get("region") or config.get("name") or self.aws.region
        out: dict[str, Any] = {
            "id": name,
            "name": name,
            "region": name,
            "endpoint": f"ec2.{name}.{DNS_SUFFIX}",
            "description": _REGION_DESCRIPTIONS.get(name, name),
        }
        return out


class Partition(DataSourceHandler):
    type_name = "aws_partition"

    def read(self, config: State) -> State:
        return {
            "id": PARTITION,
            "partition": PARTITION,
            "dns_suffix": DNS_SUFFIX,
            "reverse_dns_prefix": "com.amazonaws",
        }


_REGION_DESCRIPTIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-central-1": "Europe (Frankfurt)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}


class AvailabilityZones(DataSourceHandler):
    type_name = "aws_availability_zones"

    def read(self, config: State) -> State:
        kwargs: dict[str, Any] = {"AllAvailabilityZones": bool(config.get("all_availability_zones"))}
        filters = [{"Name": f["name"], "Values": sorted(f["values"])} for f in config.get("filter") or []]
        if config.get("state"):
            filters.append({"Name": "state", "Values": [config["state"]]})
        if filters:
            kwargs["Filters"] = filters
        zones = self.aws.client("ec2").describe_availability_zones(**kwargs)["AvailabilityZones"]
        excluded_names = set(config.get("exclude_names") or [])
        excluded_ids = set(config.get("exclude_zone_ids") or [])
        zones = sorted(
            (z for z in zones if z["ZoneName"] not in excluded_names and z.get("ZoneId") not in excluded_ids),
            key=lambda z: z["ZoneName"],
        )
        return {
            "id": self.aws.region,
            "region": self.aws.region,
            "names": [z["ZoneName"] for z in zones],
            "zone_ids": [z.get("ZoneId", "") for z in zones],
            "group_names": sorted({z.get("GroupName", self.aws.region) for z in zones}),
        }
