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
